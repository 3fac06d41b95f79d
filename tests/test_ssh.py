"""`ticker ssh` through a real OpenSSH client in tmux (issue 13, point 3).

The server is a real `python -m ticker ssh` process on 127.0.0.1 polling the demo newsroom;
the client is Debian's `ssh` with a key the test makes, in a tmux pane the test reads. Every
wait is a bounded loop on what the screen or the store shows.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ticker.demo import DemoServer
from ticker.errors import TickerError
from ticker.ssh import keys

WAIT = 20.0  # seconds any one condition may take

# Neither the test machine's known_hosts nor its ssh config takes part.
SSH_OPTIONS = [
    "-F",
    "/dev/null",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "LogLevel=ERROR",
]


def needs(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is needed for this test: apt-get install {package} (.ci/run does)")
    return path


def until(condition: Callable[[], object], what: str, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within:g} s: {what}"
        time.sleep(0.05)


def make_key(path: Path) -> Path:
    needs("ssh-keygen", "openssh-client")
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    log: Path
    port: int
    home: Path

    def said(self, text: str) -> bool:
        return text in self.log.read_text(encoding="utf-8", errors="replace")

    def ssh(self, key: Path, *args: str) -> list[str]:
        return ["ssh", *SSH_OPTIONS, "-i", str(key), "-p", str(self.port), *args]


@pytest.fixture(scope="module")
def newsroom() -> Iterator[DemoServer]:
    server = DemoServer(seed=3, tick_seconds=0)
    with server.running_in_thread():
        yield server


def start_server(home: Path, newsroom: DemoServer, *extra: str) -> Server:
    needs("ssh", "openssh-client")
    home.mkdir(parents=True, exist_ok=True)
    client = make_key(home / "client")
    (home / "authorized_keys").write_text(
        "# the test's key\n" + (home / "client.pub").read_text(), encoding="utf-8"
    )
    tables = "".join(
        f'[[sources]]\nname = "{name}"\nurl = "{url}"\n\n' for name, url in newsroom.live_feeds()
    )
    (home / "config.toml").write_text(tables, encoding="utf-8")
    log = home / "server.log"
    # COLUMNS and LINES, as a shell or pytest-xdist sets them, must not size the sessions.
    env = {**os.environ, "TICKER_CONFIG": str(home / "config.toml"), "COLUMNS": "80", "LINES": "24"}
    with log.open("wb") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ticker",
                "ssh",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data-dir",
                str(home / "data"),
                "--authorized-keys",
                str(home / "authorized_keys"),
                *list(extra),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    port: list[int] = []

    def listening() -> bool:
        found = re.search(r"ssh: listening on 127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            port.append(int(found.group(1)))
        assert process.poll() is None, log.read_text()
        return bool(found)

    until(listening, "the SSH server listens")
    assert client.exists()
    return Server(process, log, port[0], home)


@pytest.fixture
def server(tmp_path: Path, newsroom: DemoServer) -> Iterator[Server]:
    running = start_server(tmp_path, newsroom)
    yield running
    stop(running)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


class Pane:
    """A tmux pane running one command, on a socket of the test's own."""

    def __init__(self, socket: Path, command: list[str], width: int = 100, height: int = 30):
        needs("tmux", "tmux")
        self.socket = socket
        status = socket.parent / "ssh.status"
        self.status = status
        shell = f"{shlex.join(command)}; echo $? > {shlex.quote(str(status))}; sleep 60"
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(width))
        self.tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))
        self.tmux("respawn-pane", "-k", "-t", "t", f"bash -c {shlex.quote(shell)}")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)

    def shows(self, pattern: str, what: str) -> str:
        until(lambda: re.search(pattern, self.screen()), f"{what}:\n{self.screen()}")
        return self.screen()

    def exit_status(self) -> int:
        until(lambda: self.status.exists() and self.status.read_text().strip(), "ssh exited")
        return int(self.status.read_text())

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def pane_factory(tmp_path: Path) -> Iterator[Callable[..., Pane]]:
    panes: list[Pane] = []

    def make(command: list[str], width: int = 100, height: int = 30) -> Pane:
        pane = Pane(tmp_path / f"tmux{len(panes)}.socket", command, width, height)
        panes.append(pane)
        return pane

    yield make
    for pane in panes:
        pane.close()


HEADLINE = r"\d\d:\d\d .*(LIVE|EXCL|UPD|OPINION|REVIEW|VIDEO|ANALYSIS|BREAKING)"


def test_a_session_shows_headlines_opens_the_reader_and_redraws_on_resize(
    server: Server, pane_factory: Callable[..., Pane]
) -> None:
    pane = pane_factory(server.ssh(server.home / "client", "-t", "reader@127.0.0.1"))
    pane.shows(HEADLINE, "badged headlines over SSH")
    screen = pane.shows("viewing", "the status line")  # a viewer of the store the server polls
    assert "Traceback" not in screen
    pane.keys("Enter")
    reader = pane.shows(r"\d{4}, \d\d:\d\d", "the reader's date line")
    assert len([line for line in reader.splitlines() if len(line.split()) > 6]) >= 2  # prose
    pane.tmux("resize-window", "-t", "t", "-x", "60", "-y", "20")
    # Drawn anew for 60x20: the footer ends at the new right edge with the palette key, and
    # the date line is still near the top (tmux alone would keep the old frame's bottom rows).
    narrow = pane.shows(r"\^p palette", "the reader's footer at the new width")
    lines = narrow.rstrip("\n").splitlines()
    assert len(lines) <= 20
    assert all(len(line) <= 60 for line in lines)
    assert any(re.search(r"\d{4}, \d\d:\d\d", line) for line in lines[:8]), narrow
    pane.keys("q")
    pane.shows(HEADLINE, "the headlines again")
    pane.keys("q")
    assert pane.exit_status() == 0
    until(lambda: server.said("ended (0)"), "the server logged the session's end")
    assert server.said("logged in")


def test_only_keys_in_authorized_keys_get_in_and_nothing_but_the_app_runs(
    server: Server, tmp_path: Path
) -> None:
    stranger = make_key(tmp_path / "stranger")
    refused = subprocess.run(
        server.ssh(stranger, "-tt", "who@127.0.0.1"),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert refused.returncode == 255
    assert "Permission denied (publickey)" in refused.stderr

    no_password = subprocess.run(
        [
            "ssh",
            *SSH_OPTIONS,
            "-o",
            "PubkeyAuthentication=no",
            "-p",
            str(server.port),
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "who@127.0.0.1",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert no_password.returncode == 255
    assert "Permission denied (publickey)" in no_password.stderr

    proof = tmp_path / "ran"
    command = subprocess.run(
        server.ssh(server.home / "client", "me@127.0.0.1", f"touch {proof}"),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert command.returncode == 1
    assert "runs no commands" in command.stderr
    assert not proof.exists()

    sftp = subprocess.run(
        server.ssh(server.home / "client", "-s", "me@127.0.0.1", "sftp"),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert sftp.returncode != 0

    forward = subprocess.run(
        [
            *server.ssh(server.home / "client", "-N", "-o", "ExitOnForwardFailure=yes"),
            "-L",
            "0:127.0.0.1:22",
            "-R",
            "0:127.0.0.1:22",
            "me@127.0.0.1",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert forward.returncode == 255  # the remote forward is refused, so ssh gives up

    no_terminal = subprocess.run(
        server.ssh(server.home / "client", "-T", "me@127.0.0.1"),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert no_terminal.returncode == 1
    assert "ssh -t" in no_terminal.stderr


def starred_or_read(home: Path) -> int:
    with sqlite3.connect(home / "data" / "ticker.db") as db:
        return int(db.execute("SELECT count(*) FROM items WHERE starred OR read").fetchone()[0])


def test_a_read_only_session_changes_no_marks_and_no_sources(
    tmp_path: Path, newsroom: DemoServer, pane_factory: Callable[..., Pane]
) -> None:
    server = start_server(tmp_path, newsroom, "--read-only")
    try:
        pane = pane_factory(server.ssh(server.home / "client", "-t", "guest@127.0.0.1"))
        pane.shows(HEADLINE, "headlines")
        pane.keys("s")
        pane.shows("read-only", "the session says it is read-only")
        pane.keys("Enter")
        pane.shows(r"esc Back", "the reader")
        pane.keys("q")
        pane.shows(HEADLINE, "the headlines again")
        pane.keys("a")
        pane.shows("read-only", "adding a source is refused")
        pane.keys("q")
        assert pane.exit_status() == 0
        assert starred_or_read(tmp_path) == 0  # nothing starred, not even read by opening
        config = (tmp_path / "config.toml").read_text()
        assert config.count("[[sources]]") == len(newsroom.live_feeds())
    finally:
        stop(server)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_the_server_ends_its_sessions(
    server: Server, pane_factory: Callable[..., Pane], signum: int
) -> None:
    """SIGTERM: each app is hung up and waited for. kill -9: the kernel closes the pty's
    master with the server, which hangs the app up all the same."""
    pane = pane_factory(server.ssh(server.home / "client", "-t", "me@127.0.0.1"))
    pane.shows(HEADLINE, "headlines")
    server.process.send_signal(signum)
    server.process.wait(15)
    assert server.process.returncode == (143 if signum == signal.SIGTERM else -9)
    assert pane.exit_status() != 0  # the connection went with the server

    def apps_left() -> bytes:
        pattern = f"ticker --viewer.*{server.home / 'data'}"
        return subprocess.run(["pgrep", "-f", pattern], capture_output=True).stdout

    until(lambda: apps_left() == b"", "no app left behind")
    if signum == signal.SIGTERM:
        assert server.said("stopped")


def test_the_host_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ssh_host_ed25519_key"
    first = keys.host_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.host_key(path).get_fingerprint() == first.get_fingerprint()


def test_an_authorized_keys_file_that_lets_nobody_in_is_refused_at_start(tmp_path: Path) -> None:
    path = tmp_path / "authorized_keys"
    with pytest.raises(TickerError, match="no authorized_keys file"):
        keys.authorized_keys(path)
    path.write_text("# nobody yet\n\n")
    with pytest.raises(TickerError, match="lists no key"):
        keys.authorized_keys(path)
    path.write_text("ssh-ed25519 not-base64!\n")
    with pytest.raises(TickerError, match=str(path)):
        keys.authorized_keys(path)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ticker",
            "ssh",
            "--port",
            "0",
            "--authorized-keys",
            str(path),
            "--data-dir",
            str(tmp_path / "data"),
            "--source",
            "http://127.0.0.1:9/feed",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "TICKER_CONFIG": str(tmp_path / "config.toml")},
    )
    assert done.returncode == 2
    assert str(path) in done.stderr
    assert "Traceback" not in done.stderr
