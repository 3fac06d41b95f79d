"""One SSH session: the app in a pseudo-terminal of its own, bytes carried both ways.

The client's terminal type and size become the pty's; a resize sets the pty's size, and the
kernel tells the app (SIGWINCH) as it would in a local terminal. A slow link is not a memory
leak: while the channel's send buffer is full, the pty is not read, so the app blocks in its
own writes. When the client leaves, the app is hung up (SIGHUP: it quits as q does).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import asyncssh

READ_CHUNK = 65536
INPUT_MAX = 65536  # bytes of keys waiting for the app: beyond, a paste is cut
KILL_AFTER = 5.0  # seconds between the hang-up and SIGKILL for an app that does not quit
# What the client's environment may set in the app's (OpenSSH sends LANG and LC_* by default).
CLIENT_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "COLORTERM")
# What the server's own environment must not pass on: a server started in tmux or screen is
# no reason for a remote session to think it runs in one, and COLUMNS and LINES would size the
# app's screen instead of the client's terminal (and keep it so through every resize).
HOST_ONLY_ENV = (
    "TMUX",
    "TMUX_PANE",
    "STY",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "COLORTERM",
    "COLUMNS",
    "LINES",
)

NO_PTY = b"ticker shows headlines in a terminal: connect with ssh -t\r\n"
NO_COMMANDS = b"ticker runs no commands: connect without one to see the headlines\r\n"


class AppSession(asyncssh.SSHServerSession[bytes]):
    """The app for one client, in a pty sized as the client's terminal."""

    def __init__(
        self,
        command: Sequence[str],
        on_close: Callable[[AppSession, int | None], None],
    ) -> None:
        self._command = list(command)
        self._on_close = on_close
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._term_type = ""
        self._size = (80, 24, 0, 0)
        self._has_pty = False
        self._refused: bytes | None = None
        self._master: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._pending = bytearray()
        self._reading = False
        self._writing = False
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    # -- what the client asks for -------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        self._has_pty = True
        self._term_type = term_type
        self._size = term_size
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        # Accepted only to say why nothing runs: a refused request leaves the client with
        # "exec request failed", which tells a person nothing.
        self._refused = NO_COMMANDS
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False  # no sftp, nothing else

    def session_started(self) -> None:
        assert self._chan is not None
        if self._refused is None and not self._has_pty:
            self._refused = NO_PTY
        if self._refused is not None:
            self._chan.write_stderr(self._refused)
            self._chan.exit(1)
            return
        # Kept: a task nobody holds may be collected before it ends.
        self._task = asyncio.get_running_loop().create_task(self._start())

    @property
    def size(self) -> tuple[int, int]:
        """The client's terminal: columns and rows."""
        return self._size[0], self._size[1]

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self._size = (width, height, pixwidth, pixheight)
        if self._master is not None:
            _set_size(self._master, self._size)

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if self._master is None or self._closed:
            return
        room = INPUT_MAX - len(self._pending)
        self._pending += data[: max(room, 0)]
        self._write_pending()

    def eof_received(self) -> bool:
        return True  # keep the channel open: the app's output may still go to the client

    def pause_writing(self) -> None:
        self._stop_reading()

    def resume_writing(self) -> None:
        self._start_reading()

    def break_received(self, msec: int) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._stop_reading()
        self._hang_up()

    # -- the app --------------------------------------------------------------------------

    async def _start(self) -> None:
        assert self._chan is not None
        master, slave = os.openpty()
        _set_size(master, self._size)
        os.set_blocking(master, False)
        self._master = master
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self._command,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=self._environment(),
                start_new_session=True,
                preexec_fn=_take_terminal,
            )
        except OSError as error:
            self._chan.write_stderr(f"ticker: cannot start: {error.strerror}\r\n".encode())
            self._chan.exit(1)
            os.close(master)
            self._master = None
            self._on_close(self, None)
            return
        finally:
            os.close(slave)
        if self._closed:  # the client left while the app started
            self._hang_up()
        else:
            self._start_reading()
        status = await self._process.wait()
        await self._drain_output()
        self._stop_reading()
        if self._writing:  # keys the app never read: nobody will
            asyncio.get_running_loop().remove_writer(master)
            self._writing = False
        self._pending.clear()
        with contextlib.suppress(OSError):
            os.close(master)
        self._master = None
        code = status if status >= 0 else 128 - status
        if not self._closed:
            self._chan.exit(code)
        self._on_close(self, code)

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY_ENV}
        assert self._chan is not None
        for key, value in self._chan.get_environment().items():
            if key in CLIENT_ENV and value.isprintable() and len(value) < 100:
                env[key] = value
        term = self._term_type
        env["TERM"] = term if term and term.isprintable() and len(term) < 64 else "xterm-256color"
        return env

    def _start_reading(self) -> None:
        if self._master is not None and not self._reading and not self._closed:
            asyncio.get_running_loop().add_reader(self._master, self._read)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading and self._master is not None:
            asyncio.get_running_loop().remove_reader(self._master)
        self._reading = False

    def _read(self) -> None:
        assert self._master is not None and self._chan is not None
        try:
            data = os.read(self._master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:  # EIO: the app closed its terminal (it is exiting)
            self._stop_reading()
            return
        if not data:
            self._stop_reading()
            return
        self._chan.write(data)

    async def _drain_output(self) -> None:
        """What the app wrote just before it exited (the terminal given back) reaches the client."""
        if self._master is None or self._chan is None or self._closed:
            return
        for _ in range(64):
            try:
                data = os.read(self._master, READ_CHUNK)
            except OSError:
                return
            if not data:
                return
            self._chan.write(data)

    def _write_pending(self) -> None:
        loop = asyncio.get_running_loop()
        master = self._master
        if master is None:
            return
        while self._pending:
            try:
                sent = os.write(master, self._pending)
            except BlockingIOError:
                break
            except OSError:
                self._pending.clear()
                break
            del self._pending[:sent]
        if self._pending and not self._writing:
            loop.add_writer(master, self._write_pending)
            self._writing = True
        elif not self._pending and self._writing:
            loop.remove_writer(master)
            self._writing = False

    def _hang_up(self) -> None:
        """The client left: the app is hung up, as a dropped SSH link hangs up a shell."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        if self._writing and self._master is not None:
            asyncio.get_running_loop().remove_writer(self._master)
            self._writing = False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGHUP)
        asyncio.get_running_loop().call_later(KILL_AFTER, _kill, process)

    async def close(self) -> None:
        """The server stops: hang the app up and wait for it (SIGKILL after KILL_AFTER)."""
        self._closed = True
        self._stop_reading()
        self._hang_up()
        if self._process is not None:
            await self._process.wait()


def _set_size(fd: int, size: tuple[int, int, int, int]) -> None:
    columns, rows, xpixels, ypixels = (max(0, min(v, 65535)) for v in size)
    with contextlib.suppress(OSError):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, xpixels, ypixels))


def _take_terminal() -> None:
    """In the child, a session leader now: the pty becomes its controlling terminal, so the
    kernel sends it SIGWINCH on a resize and SIGHUP when the terminal goes."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _kill(process: Any) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
