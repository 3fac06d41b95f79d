"""Edits of the config file's `[[alerts]]` rules that keep the person's comments and layout.

As for sources (`ticker.sources_file`): tomlkit writes the new table, the edit itself is a
splice of whole lines, every other byte of the file stays, the result must read back as exactly
the intended rules (and everything else as before), and the write is atomic and refused when
the file changed meanwhile. A file that does not exist yet is the commented defaults.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from ticker import config
from ticker.alerts.rules import AlertRule, rule_table
from ticker.errors import ConfigError

# The line machinery of source edits: what is a table header, which lines are top level, the
# atomic write. The same file format, read the same way.
from ticker.sources_file import _replace, _top_level, read_text, table_end, table_headers


class DuplicateRuleError(ConfigError):
    """`add_rule` of a name another rule has (names are compared in any case)."""


class NoSuchRuleError(ConfigError):
    """`remove_rule` or `replace_rule` found no rule of that name."""


def add_rule(path: Path, rule: AlertRule) -> AlertRule:
    """Append `rule` as a new [[alerts]] table; the rule as the file reads it back."""
    document = _Document.read(path)
    if any(r.name.casefold() == rule.name.casefold() for r in document.rules):
        raise DuplicateRuleError(f"{path}: there is an alert rule named {rule.name!r} already")
    checked = _checked(path, rule)
    document.write(document.with_added(checked), (*document.rules, checked))
    return checked


def remove_rule(path: Path, name: str) -> AlertRule:
    """Remove the rule called `name` (any case); the rule that was removed."""
    document = _Document.read(path)
    index = document.index(name)
    kept = tuple(r for i, r in enumerate(document.rules) if i != index)
    document.write(document.without(index), kept)
    return document.rules[index]


def replace_rule(path: Path, name: str, rule: AlertRule) -> AlertRule:
    """Put `rule` where the rule called `name` is (an edit, the name may change)."""
    document = _Document.read(path)
    index = document.index(name)
    if any(
        r.name.casefold() == rule.name.casefold()
        for i, r in enumerate(document.rules)
        if i != index
    ):
        raise DuplicateRuleError(f"{path}: there is an alert rule named {rule.name!r} already")
    checked = _checked(path, rule)
    rules = tuple(checked if i == index else r for i, r in enumerate(document.rules))
    document.write(document.replaced(index, checked), rules)
    return checked


def render_rule(rule: AlertRule) -> str:
    """The [[alerts]] table for `rule`; a regex is a literal string when it can be one."""
    import tomlkit

    table = tomlkit.table()
    for key, value in rule_table(rule).items():
        if key == "title" and "'" not in value and value.isprintable():
            value = tomlkit.string(value, literal=True)
        table.add(key, value)
    document = tomlkit.document()
    tables = tomlkit.aot()
    tables.append(table)
    document.add("alerts", tables)
    return tomlkit.dumps(document).rstrip() + "\n"


def _checked(path: Path, rule: AlertRule) -> AlertRule:
    """`rule` as the config file reads it; ConfigError says what is wrong with it."""
    try:
        [parsed] = config.parse(render_rule(rule), path).alerts.rules
    except ConfigError as error:
        problem = re.sub(r"^.*?: alerts\[0\]\.", "", str(error))
        raise ConfigError(f"{path}: cannot add the rule {rule.name!r}: {problem}") from None
    return parsed


@dataclass(frozen=True, slots=True)
class _Entry:
    start: int  # the [[alerts]] header's line index
    end: int  # after its last line: content, then comment lines up to a blank line


@dataclass(slots=True)
class _Document:
    path: Path
    original: bytes | None
    lines: list[str]
    settings: config.Settings
    entries: list[_Entry]

    @property
    def rules(self) -> tuple[AlertRule, ...]:
        return self.settings.alerts.rules

    @classmethod
    def read(cls, path: Path) -> _Document:
        original, text = read_text(path)
        settings = config.parse(text, path)
        lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
        entries = _entries(lines)
        if len(entries) != len(settings.alerts.rules):
            raise ConfigError(f"{path}: cannot find every [[alerts]] table; edit it by hand")
        if "alerts" in tomllib.loads(text) and not entries:
            raise ConfigError(f"{path}: the alerts are not [[alerts]] tables; edit it by hand")
        return cls(path, original, lines, settings, entries)

    def index(self, name: str) -> int:
        for index, rule in enumerate(self.rules):
            if rule.name.casefold() == name.strip().casefold():
                return index
        raise NoSuchRuleError(f"{self.path}: no alert rule is named {name!r}")

    @property
    def newline(self) -> str:
        return "\r\n" if self.lines and self.lines[0].endswith("\r\n") else "\n"

    def _block(self, rule: AlertRule) -> list[str]:
        return [line + self.newline for line in render_rule(rule).rstrip("\n").split("\n")]

    def with_added(self, rule: AlertRule) -> str:
        lines = list(self.lines)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += self.newline
        at = self.entries[-1].end if self.entries else len(lines)
        block = self._block(rule)
        if at > 0 and lines[at - 1].strip():
            block.insert(0, self.newline)
        if at < len(lines) and lines[at].strip():
            block.append(self.newline)
        lines[at:at] = block
        return "".join(lines)

    def without(self, index: int) -> str:
        lines = list(self.lines)
        start, end = self.entries[index].start, self.entries[index].end
        # The blank line that separated the table goes with it.
        if end < len(lines) and not lines[end].strip():
            end += 1
        elif end == len(lines) and start > 0 and not lines[start - 1].strip():
            start -= 1
        del lines[start:end]
        return "".join(lines)

    def replaced(self, index: int, rule: AlertRule) -> str:
        lines = list(self.lines)
        entry = self.entries[index]
        # Its own comment lines after the keys stay: only the table's lines are new.
        last = max(
            n
            for n in range(entry.start, entry.end)
            if n == entry.start or (lines[n].strip() and not lines[n].strip().startswith("#"))
        )
        lines[entry.start : last + 1] = self._block(rule)
        return "".join(lines)

    def write(self, text: str, rules: tuple[AlertRule, ...]) -> None:
        """Replace the file with `text` if it reads back as the same settings with `rules`."""
        try:
            settings = config.parse(text, self.path)
        except ConfigError as error:
            raise ConfigError(f"{error} (in the edited file; nothing was written)") from None
        expected = replace(self.settings, alerts=replace(self.settings.alerts, rules=rules))
        if settings != expected:
            raise ConfigError(
                f"{self.path}: cannot edit the alert rules safely (an unusual layout); "
                "nothing was written, edit the file by hand"
            )
        _replace(self.path, text, self.original)


def _entries(lines: list[str]) -> list[_Entry]:
    """Where each top-level [[alerts]] table is: its header up to the next table."""
    top = _top_level(lines)
    headers = table_headers(lines, top)
    entries = []
    for index, (start, key, array) in enumerate(headers):
        if key != ["alerts"] or not array:
            continue
        stop = headers[index + 1][0] if index + 1 < len(headers) else len(lines)
        entries.append(_Entry(start, table_end(lines, top, start, stop)))
    return entries
