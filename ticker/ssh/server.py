"""The SSH server: public keys from an authorized_keys file, a viewer's app per session."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh

from ticker.errors import TickerError
from ticker.ssh import keys
from ticker.ssh.terminal import AppSession

if TYPE_CHECKING:
    from ticker.hub.serve import Log

SESSIONS_MAX = 32  # at once: each is an app process
KEEPALIVE = 30  # seconds between keep-alives: a dead link's session ends within minutes
LOGIN_WITHIN = 30  # seconds a client has to authenticate


@dataclass(frozen=True)
class SshOptions:
    host: str  # "" listens on every address
    port: int
    authorized_keys: Path
    host_key: Path
    command: list[str]  # one session's app

    def check(self) -> None:
        """TickerError when nobody could log in or the host key cannot be had."""
        keys.authorized_keys(self.authorized_keys)
        keys.host_key(self.host_key)


class _Sessions:
    """The open sessions, to count, log and close them."""

    def __init__(self, options: SshOptions, log: Log) -> None:
        self.options = options
        self.log = log
        self.open: set[AppSession] = set()

    def new(self, who: str) -> AppSession | None:
        if len(self.open) >= SESSIONS_MAX:
            self.log.line(f"ssh: refused a session for {who}: {SESSIONS_MAX} are open")
            return None

        def closed(session: AppSession, status: int | None) -> None:
            self.open.discard(session)
            self.log.line(f"ssh: session of {who} ended ({status})")

        session = AppSession(self.options.command, closed)
        self.open.add(session)
        self.log.line(f"ssh: session for {who}")
        return session

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in list(self.open)), return_exceptions=True)


class _Server(asyncssh.SSHServer):
    """One client connection: who may log in, and what a session is."""

    def __init__(self, sessions: _Sessions) -> None:
        self._sessions = sessions
        self._conn: asyncssh.SSHServerConnection | None = None
        self._who = "?"

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self._who = f"{peer[0]}"

    def begin_auth(self, username: str) -> bool:
        assert self._conn is not None
        self._who = f"{username}@{self._who}"
        try:
            # Read again for each connection: a key added or removed counts from the next one.
            self._conn.set_authorized_keys(
                keys.authorized_keys(self._sessions.options.authorized_keys)
            )
        except TickerError as error:
            self._sessions.log.line(f"ssh: {error}")
            self._conn.set_authorized_keys(asyncssh.import_authorized_keys(""))
        return True  # authentication is always required

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def auth_completed(self) -> None:
        self._sessions.log.line(f"ssh: {self._who} logged in")

    def session_requested(self) -> AppSession | bool:
        return self._sessions.new(self._who) or False

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and not isinstance(exc, asyncssh.ConnectionLost):
            self._sessions.log.line(f"ssh: {self._who}: {exc}")


async def serve_ssh(options: SshOptions, log: Log) -> None:
    """Serve the app to SSH clients until cancelled; every session's app ends with it."""
    host_key = keys.host_key(options.host_key)
    keys.authorized_keys(options.authorized_keys)  # none to let in: say so now, not per client
    sessions = _Sessions(options, log)
    try:
        server = await asyncssh.listen(
            options.host,
            options.port,
            server_factory=lambda: _Server(sessions),
            server_host_keys=[host_key],
            encoding=None,
            line_editor=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            sftp_factory=None,
            password_auth=False,
            kbdint_auth=False,
            keepalive_interval=KEEPALIVE,
            login_timeout=LOGIN_WITHIN,
        )
    except OSError as error:
        raise TickerError(
            f"cannot serve SSH on {options.host or '*'}:{options.port}: {error.strerror}"
        ) from None
    fingerprint = host_key.get_fingerprint()
    # The listener's sockets (asyncio's server, which asyncssh's acceptor passes on; its own
    # get_port came with asyncssh 2.15): the port --port 0 was given.
    port = next((sock.getsockname()[1] for sock in server.sockets), options.port)
    log.line(
        f"ssh: listening on {options.host or '*'}:{port};"
        f" host key {fingerprint}; keys from {options.authorized_keys}"
    )
    try:
        await asyncio.Future()  # until cancelled
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()
        await sessions.close()
