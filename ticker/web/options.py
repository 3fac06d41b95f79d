"""What `ticker web` serves and where, and the refusal of an open address without a token."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ticker.errors import TickerError

TOKEN_MIN = 16  # characters: a secret a browser's address carries must resist guessing
MAX_SESSIONS = 32  # browser tabs at once: each one is an app process on the host
# The token travels in a query and a path: characters that need no escaping in either.
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]+")
_MAKE_TOKEN = "python3 -c 'import secrets; print(secrets.token_urlsafe(24))'"


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches: localhost, 127.0.0.0/8, ::1."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebOptions:
    """Where `ticker web` listens, the token pages must carry, and each tab's command."""

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    command: Sequence[str] = ()  # argv of one tab's app: a viewer of the server's store
    max_sessions: int = MAX_SESSIONS

    def check(self) -> None:
        """Raise TickerError unless these options are safe to serve with."""
        if self.token is not None:
            if len(self.token) < TOKEN_MIN or not _TOKEN_CHARS.fullmatch(self.token):
                raise TickerError(
                    f"--token: use at least {TOKEN_MIN} letters, digits or - _ . ~"
                    f" (make one with: {_MAKE_TOKEN})"
                )
        elif not is_loopback(self.host):
            # textual-serve has no login: whoever reaches the port gets the app, sources and all.
            raise TickerError(
                f"ticker web serves {self.host or 'every address'} only with --token SECRET"
                " (pages then open as http://HOST:PORT/?token=SECRET); without a token it"
                f" serves 127.0.0.1 alone (make a token with: {_MAKE_TOKEN})"
            )
        if not self.command:
            raise TickerError("ticker web: no command to run for each session")
