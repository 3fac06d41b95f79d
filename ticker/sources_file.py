"""Edits of the config file's sources that keep the person's comments and layout.

`add`, `add_many`, `remove` and `set_paused` change only the `[[sources]]` tables they touch:
every other byte of the file (comments, blank lines, key order, other tables) stays as it was.
tomlkit writes the new tables (quoting, escapes, inline rules); the edit itself is a splice of
whole lines, because tomlkit files a comment block that follows a table under that table, so
its own edits would move or drop comments. Every result must parse with `config.parse` and hold
exactly the sources the edit intends, else nothing is written; a write is a temporary file in
the same directory and `os.replace`, so a reader sees the old file or the new one, never half.

A file that does not exist yet is the commented defaults (`config.default_text()`), as for
`config.load`; the first successful edit writes it. A file that is not valid config is an error
and is left alone. URLs are compared with the scheme and host in lower case and the fragment
dropped: "HTTPS://Example.org/rss#x" is "https://example.org/rss".
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ticker import config
from ticker.errors import ConfigError
from ticker.model import Source
from ticker.sanitize import web_host


class DuplicateSourceError(ConfigError):
    """`add` of a URL the file already has; `existing` is the source that has it."""

    def __init__(self, message: str, existing: Source) -> None:
        super().__init__(message)
        self.existing = existing


class NoSuchSourceError(ConfigError):
    """`remove` or `set_paused` found no source that matches."""


class AmbiguousSourceError(ConfigError):
    """`remove` matched several sources; `candidates` are they, for the person to choose."""

    def __init__(self, message: str, candidates: tuple[Source, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


def add(path: Path, source: Source) -> None:
    """Append `source` as a new [[sources]] table; DuplicateSourceError if its URL is there."""
    document = _Document.read(path)
    key = url_key(source.url)
    for existing in document.sources:
        if url_key(existing.url) == key:
            raise DuplicateSourceError(
                f"{path}: {source.url} is already a source ({existing.name!r})", existing
            )
    _add(document, [source])


def add_many(path: Path, sources: Iterable[Source]) -> tuple[list[Source], list[Source]]:
    """Append the sources whose URLs are new, in one write: (added, skipped).

    Idempotent, for imports: a URL already in the file, or earlier in `sources`, is skipped.
    One invalid source fails the whole call and nothing is written.
    """
    return _add(_Document.read(path), list(sources))


def remove(path: Path, match: str) -> list[Source]:
    """Remove the source that `match` names and return what was removed.

    `match` is tried as an exact URL, then as a name (any case), then as a host ("example.org"
    matches www.example.org too), then as a domain (feeds.example.org). The first way that finds
    anything decides: one source (or several tables with the same URL) is removed; sources
    with different URLs are AmbiguousSourceError listing them; nothing is NoSuchSourceError.
    """
    document = _Document.read(path)
    chosen = _choose(path, document.sources, match)
    text = document.without(chosen)
    expected = tuple(s for i, s in enumerate(document.sources) if i not in chosen)
    document.write(text, expected)
    return [document.sources[i] for i in chosen]


def set_paused(path: Path, url: str, paused: bool) -> Source:
    """Pause (kept in the file, not polled) or resume the source at `url`; the source as now."""
    document = _Document.read(path)
    key = url_key(url)
    chosen = [i for i, s in enumerate(document.sources) if url_key(s.url) == key]
    if not chosen:
        raise NoSuchSourceError(f"{path}: no source has the url {url}")
    if all(document.sources[i].paused == paused for i in chosen):
        return document.sources[chosen[0]]
    text = document.with_paused(chosen, paused)
    expected = tuple(
        replace(s, paused=paused) if i in chosen else s for i, s in enumerate(document.sources)
    )
    document.write(text, expected)
    return expected[chosen[0]]


def url_key(url: str) -> str:
    """The form of a URL that two spellings of the same source share."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    host = parts.hostname or ""
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


# -- choosing --------------------------------------------------------------------------------


def _choose(path: Path, sources: tuple[Source, ...], match: str) -> list[int]:
    wanted = match.strip()
    if not wanted:
        raise NoSuchSourceError(f"{path}: say which source: a url, a name or a host")
    key = url_key(wanted)
    bare = wanted.lower().rstrip(".").removeprefix("www.")

    def host_of(source: Source) -> str:
        return (web_host(source.url) or "").rstrip(".")

    ways: list[Callable[[Source], bool]] = [
        lambda s: url_key(s.url) == key,
        lambda s: s.name.casefold() == wanted.casefold(),
        lambda s: host_of(s).removeprefix("www.") == bare,
        lambda s: host_of(s).endswith("." + bare),
    ]
    if web_host(wanted) is None:  # not an address (a name, a host), or a malformed one
        ways = ways[1:]
    for way in ways:
        found = [i for i, s in enumerate(sources) if way(s)]
        if len({url_key(sources[i].url) for i in found}) == 1:
            return found
        if found:
            candidates = tuple(sources[i] for i in found)
            listed = "; ".join(f"{s.name} <{s.url}>" for s in candidates)
            raise AmbiguousSourceError(
                f"{path}: {match!r} matches {len(candidates)} sources: {listed}; "
                "give the url of the one to remove",
                candidates,
            )
    raise NoSuchSourceError(f"{path}: no source matches {match!r} (by url, name or host)")


def _add(document: _Document, sources: list[Source]) -> tuple[list[Source], list[Source]]:
    seen = {url_key(s.url) for s in document.sources}
    added: list[Source] = []
    skipped: list[Source] = []
    for source in sources:
        key = url_key(source.url)
        if key in seen:
            skipped.append(source)
            continue
        seen.add(key)
        added.append(_checked(document.path, source))
    if added:
        document.write(document.with_added(added), document.sources + tuple(added))
    return added, skipped


def _checked(path: Path, source: Source) -> Source:
    """`source` as the config file will read it back; ConfigError says what is wrong with it."""
    try:
        [parsed] = config.parse(config.render(source), path).sources
    except ConfigError as error:
        problem = re.sub(r"^.*?: sources\[0\]\.", "", str(error))
        raise ConfigError(f"{path}: cannot add {source.name!r}: {problem}") from None
    return parsed


# -- the file as lines -----------------------------------------------------------------------


_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_HEADER = re.compile(
    rf"^[ \t]*(\[\[?)[ \t]*({_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*)[ \t]*\]\]?[ \t]*(?:#.*)?$"
)
_PAUSED = re.compile(r"^([ \t]*paused[ \t]*=[ \t]*)(true|false)([ \t]*(?:#.*)?)$")


@dataclass(frozen=True, slots=True)
class _Entry:
    """Where one [[sources]] table sits, as line indexes."""

    start: int  # its [[sources]] header
    main_last: int  # the last content line before any [sources.x] sub-table
    end: int  # after its last line: content, then comment lines up to a blank line


@dataclass(slots=True)
class _Document:
    path: Path
    original: bytes | None  # None: the file does not exist yet
    lines: list[str]  # with their line endings
    top: list[bool]  # whether each line starts outside any string, array or inline table
    sources: tuple[Source, ...]
    entries: list[_Entry]
    inline: bool  # sources = [ {...}, ... ] instead of [[sources]] tables

    @classmethod
    def read(cls, path: Path) -> _Document:
        original, text, sources = _load(path)
        lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
        top = _top_level(lines)
        entries = _entries(lines, top)
        inline = not entries and "sources" in tomllib.loads(text)
        if not inline and len(entries) != len(sources):
            raise ConfigError(f"{path}: cannot find every [[sources]] table; edit it by hand")
        return cls(path, original, lines, top, sources, entries, inline)

    @property
    def newline(self) -> str:
        return "\r\n" if self.lines and self.lines[0].endswith("\r\n") else "\n"

    def with_added(self, sources: list[Source]) -> str:
        if self.inline:

            def append(array: Any) -> None:
                for source in sources:
                    array.append(_inline(source))

            return self._inline_edit(append)
        nl = self.newline
        block = [
            line + nl
            for text in (config.render(s) for s in sources)
            for line in [*text.rstrip("\n").split("\n"), ""]
        ][:-1]
        lines = list(self.lines)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += nl
        at = self.entries[-1].end if self.entries else len(lines)
        if at > 0 and lines[at - 1].strip():
            block.insert(0, nl)
        if at < len(lines) and lines[at].strip():
            block.append(nl)
        lines[at:at] = block
        return "".join(lines)

    def without(self, chosen: list[int]) -> str:
        if self.inline:

            def drop(array: Any) -> None:
                for i in sorted(chosen, reverse=True):
                    del array[i]

            return self._inline_edit(drop)
        lines = list(self.lines)
        for i in sorted(chosen, reverse=True):
            start, end = self.entries[i].start, self.entries[i].end
            # The blank line that separated the table goes with it; none is left at the end.
            if end < len(lines) and not lines[end].strip():
                end += 1
            elif end == len(lines) and start > 0 and not lines[start - 1].strip():
                start -= 1
            del lines[start:end]
        return "".join(lines)

    def with_paused(self, chosen: list[int], paused: bool) -> str:
        if self.inline:

            def pause(array: Any) -> None:
                for i in chosen:
                    if paused:
                        array[i]["paused"] = True
                    elif "paused" in array[i]:
                        del array[i]["paused"]

            return self._inline_edit(pause)
        lines = list(self.lines)
        for i in sorted(chosen, reverse=True):
            entry = self.entries[i]
            for number in range(entry.start + 1, entry.main_last + 1):
                line = lines[number]
                body = line.rstrip("\r\n")
                found = _PAUSED.match(body) if self.top[number] else None
                if found:
                    if paused or found.group(3).strip():
                        new = f"{found.group(1)}{'true' if paused else 'false'}{found.group(3)}"
                        lines[number] = new + line[len(body) :]
                    else:
                        del lines[number]  # the default is not written
                    break
            else:
                if paused:
                    last = lines[entry.main_last]
                    indent = re.match(r"[ \t]*", last)
                    if not last.endswith("\n"):
                        lines[entry.main_last] += self.newline
                    new = f"{indent.group() if indent else ''}paused = true{self.newline}"
                    lines.insert(entry.main_last + 1, new)
        return "".join(lines)

    def _inline_edit(self, edit: Any) -> str:
        import tomlkit

        document = tomlkit.parse("".join(self.lines))
        edit(document["sources"])
        return tomlkit.dumps(document)

    def write(self, text: str, expected: tuple[Source, ...]) -> None:
        """Replace the file with `text` if it reads back as exactly `expected`."""
        try:
            settings = config.parse(text, self.path)
        except ConfigError as error:
            raise ConfigError(f"{error} (in the edited file; nothing was written)") from None
        if settings.sources != expected:
            raise ConfigError(
                f"{self.path}: cannot edit the sources safely (an unusual layout); "
                "nothing was written, edit the file by hand"
            )
        _replace(self.path, text, self.original)


def _inline(source: Source) -> Any:
    import tomlkit

    table = tomlkit.parse(config.render(source))["sources"][0]
    item = tomlkit.inline_table()
    for key, value in table.items():
        if key == "listing":
            listing = tomlkit.inline_table()
            listing.update(value)
            value = listing
        item[key] = value
    return item


def _load(path: Path) -> tuple[bytes | None, str, tuple[Source, ...]]:
    """The file's bytes (None when it does not exist), its text and its sources, checked."""
    raw, text = read_text(path)
    return raw, text, config.parse(text, path).sources


def read_text(path: Path) -> tuple[bytes | None, str]:
    """The config file's bytes (None when it does not exist) and its text: the default
    config's text for a file not written yet, which an edit then writes."""
    try:
        raw: bytes | None = path.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    try:
        text = config.default_text() if raw is None else raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return raw, text


def _top_level(lines: list[str]) -> list[bool]:
    """For each line, whether it starts outside any multi-line string, array or inline table."""
    flags: list[bool] = []
    quotes: str | None = None  # the open multi-line string's delimiter
    depth = 0
    for line in lines:
        flags.append(quotes is None and depth == 0)
        i = 0
        while i < len(line):
            char = line[i]
            if quotes is not None:
                if char == "\\" and quotes == '"""':
                    i += 2
                    continue
                if line.startswith(quotes, i):
                    run = len(line[i:]) - len(line[i:].lstrip(quotes[0]))
                    quotes = None
                    i += run  # up to two more quotes belong to the string
                    continue
                i += 1
            elif char == "#":
                break
            elif line.startswith(('"""', "'''"), i):
                quotes = line[i : i + 3]
                i += 3
            elif char in "\"'":
                i += 1
                while i < len(line) and line[i] != char:
                    i += 2 if char == '"' and line[i] == "\\" else 1
                i += 1
            else:
                depth += (char in "[{") - (char in "]}")
                depth = max(depth, 0)
                i += 1
    return flags


def _key_path(text: str) -> list[str]:
    value: Any = tomllib.loads(f"{text} = 0")
    path: list[str] = []
    while isinstance(value, dict):
        key = next(iter(value))
        path.append(key)
        value = value[key]
    return path


def _entries(lines: list[str], top: list[bool]) -> list[_Entry]:
    headers = table_headers(lines, top)
    entries: list[_Entry] = []
    for index, (start, key, array) in enumerate(headers):
        if key != ["sources"] or not array:
            continue
        later = headers[index + 1 :]
        stop = next((n for n, k, _ in later if not (len(k) > 1 and k[0] == "sources")), None)
        region_end = len(lines) if stop is None else stop
        sub = next((n for n, _, _ in later if n < region_end), region_end)
        main_last = table_end(lines, top, start, sub, comments=False) - 1
        entries.append(_Entry(start, main_last, table_end(lines, top, start, region_end)))
    return entries


def table_headers(lines: list[str], top: list[bool]) -> list[tuple[int, list[str], bool]]:
    """Each table header outside strings and arrays: its line, key path, and whether it is an
    array of tables (`[[...]]`)."""
    headers: list[tuple[int, list[str], bool]] = []
    for number, line in enumerate(lines):
        found = _HEADER.match(line.rstrip("\r\n")) if top[number] else None
        if found:
            headers.append((number, _key_path(found.group(2)), found.group(1) == "[["))
    return headers


def table_end(
    lines: list[str], top: list[bool], start: int, stop: int, *, comments: bool = True
) -> int:
    """Where the table whose header is line `start` ends, before line `stop`: after its last
    line with content, and the comment lines right after it (they belong to it) unless
    `comments` is False."""

    def content(number: int) -> bool:
        text = lines[number].strip()
        return not top[number] or (bool(text) and not text.startswith("#"))

    end = max(n for n in range(start, stop) if n == start or content(n)) + 1
    while comments and end < stop and lines[end].strip().startswith("#") and top[end]:
        end += 1
    return end


def _replace(path: Path, text: str, original: bytes | None) -> None:
    """Write `text` to `path` atomically, unless the file changed since it was read."""
    target = Path(os.path.realpath(path))  # a symlinked config stays a symlink
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        raise ConfigError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            now = target.read_bytes()
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        except FileNotFoundError:
            now = None
        if now != original:
            raise ConfigError(f"{path}: changed while being edited; nothing was written")
        os.replace(temporary, target)
    except OSError as error:
        raise ConfigError(f"{path}: cannot write: {error.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
