"""The `[aggregator]` table: which server ticker syncs from, and how it gets the password."""

from __future__ import annotations

import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ticker.errors import TickerError

KINDS = ("ttrss", "miniflux")
PASSWORD_COMMAND_TIMEOUT = 30.0  # seconds: a password manager may ask its user first


class AggregatorError(TickerError):
    """The aggregator cannot be used as configured (no password, a command that failed)."""


@dataclass(frozen=True, slots=True)
class AggregatorSettings:
    kind: str
    url: str
    user: str
    password_command: tuple[str, ...] = ()
    password: str | None = field(default=None, repr=False)
    warning: str | None = None  # said once at start: a plain password others can read

    @property
    def source_url(self) -> str:
        """The aggregator's own line among the sources: its health and schedule."""
        return self.url.rstrip("/") + "/#ticker-sync"

    def feed_url(self, feed_id: int) -> str:
        """The identity in the store of one of the server's feeds."""
        return f"{self.url.rstrip('/')}/#feed={feed_id}"

    def feed_id(self, url: str) -> int | None:
        """The server's id of the feed that `url` names in the store; None for another."""
        prefix = self.feed_url(0)[:-1]
        rest = url[len(prefix) :] if url.startswith(prefix) else ""
        return int(rest) if rest.isdigit() else None

    def owns(self, url: str) -> bool:
        """Whether `url` names one of the server's feeds, or the sync itself, in the store."""
        return self.feed_id(url) is not None or url == self.source_url

    def resolve_password(self) -> str:
        """The password: the command's first line of output, else the plain one."""
        if not self.password_command:
            if self.password is None:
                raise AggregatorError("[aggregator] needs password_command (or password)")
            return self.password
        try:
            done = subprocess.run(
                self.password_command,
                capture_output=True,
                timeout=PASSWORD_COMMAND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise AggregatorError(f"password_command could not run: {error}") from None
        if done.returncode != 0:
            raise AggregatorError(f"password_command failed (exit status {done.returncode})")
        lines = done.stdout.decode("utf-8", "replace").splitlines()
        if not lines or not lines[0]:
            raise AggregatorError("password_command printed no password")
        return lines[0]


def make_aggregator(raw: dict[str, Any], config_path: Path | None) -> AggregatorSettings:
    """The settings from the config's table; ValueError(key, problem) says what is wrong."""
    known = {"kind", "url", "user", "password_command", "password"}
    for key in raw:
        if key not in known:
            raise ValueError(key, f"unknown key (known: {', '.join(sorted(known))})")
    kind = raw.get("kind", "ttrss")
    if kind not in KINDS:
        raise ValueError("kind", f"must be one of: {', '.join(KINDS)}")
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError("url", "must be the server's http:// or https:// address")
    user = raw.get("user")
    if not isinstance(user, str) or not user:
        raise ValueError("user", "must be the user name on the server")
    command = raw.get("password_command")
    if command is not None:
        if isinstance(command, str):
            command = [command]
        if not (isinstance(command, list) and command and all(isinstance(c, str) for c in command)):
            raise ValueError("password_command", "must be a command as a list of strings")
    password = raw.get("password")
    if password is not None and not isinstance(password, str):
        raise ValueError("password", "must be a string")
    if command is None and password is None:
        raise ValueError("password_command", "is needed: a command that prints the password")
    warning = None
    if password is not None and command is None and config_path is not None:
        with_password = config_path.stat().st_mode if config_path.exists() else 0
        if with_password & (stat.S_IRGRP | stat.S_IROTH):
            warning = (
                f"{config_path} holds the aggregator's password and others can read it:"
                f" chmod 600 it, or use password_command"
            )
    return AggregatorSettings(
        kind=kind,
        url=url,
        user=user,
        password_command=tuple(command or ()),
        password=password,
        warning=warning,
    )
