"""Ctrl-C and SIGTERM in the middle of a poll: a quiet exit (130 / 143), a consistent store.

Issue 11, fault 6: Ctrl-C during `ticker headlines --opml` of 400 feeds exited 1 with a
traceback (InvalidStateError) in half the runs, and left the HTTP client unclosed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticker.demo import DemoServer

FEEDS = 400


@pytest.fixture(scope="module")
def slow_load() -> Iterator[str]:
    """400 feeds, each answer 10 ms late: a poll takes seconds, long enough to interrupt."""
    server = DemoServer(seed=3, feeds=FEEDS, items=20, latency_ms=10, tick_seconds=0)
    with server.running_in_thread() as url:
        yield f"{url}/load.opml"


def stored(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:  # not yet created
        return 0


def interrupted(tmp_path: Path, opml: str, signum: int) -> subprocess.CompletedProcess[str]:
    """`ticker headlines --opml` interrupted by `signum` once some polls are stored."""
    env = {
        **os.environ,
        "TICKER_CONFIG": str(tmp_path / "config.toml"),
        "TICKER_DATA_DIR": str(tmp_path / "data"),
        "PYTHONWARNINGS": "always",  # an unclosed client or transport would say so on stderr
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "ticker", "headlines", "--opml", opml],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = tmp_path / "data" / "ticker.db"
    deadline = time.monotonic() + 60
    while stored(store) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # waiting on a condition (rows in the store), bounded
    assert process.poll() is None, "the poll ended before it could be interrupted"
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_poll_exits_quietly_and_keeps_the_store_whole(
    tmp_path: Path, slow_load: str, signum: int, status: int
) -> None:
    run = interrupted(tmp_path, slow_load, signum)
    assert run.stderr == ""
    assert run.returncode == status
    store = tmp_path / "data" / "ticker.db"
    kept = stored(store)
    assert 0 < kept < FEEDS * 20  # what was stored before the signal is there, and only that
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def tmux(socket: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-S", str(socket), *args], capture_output=True, text=True, timeout=10
    )


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_quits_the_app_as_q_does(tmp_path: Path, signum: int, code: int) -> None:
    """The terminal is given back, the demo's own store is removed, the shell hears 143
    (SIGTERM) or 130 (SIGINT: in the app Ctrl-C is a key, which says how to quit)."""
    assert shutil.which("tmux"), "tmux is needed (.ci/run installs it: apt-get install tmux)"
    socket = tmp_path / "tmux.socket"
    status, pid = tmp_path / "status", tmp_path / "pid"
    command = (
        f"env TICKER_CONFIG={tmp_path / 'config.toml'} TMPDIR={tmp_path} "
        f"{sys.executable} -m ticker --demo & echo $! > {pid}; wait $!; echo $? > {status}"
    )
    tmux(
        socket,
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "100",
        "-y",
        "30",
        f"bash -c {shlex.quote(command)}; sleep 30",
    )
    try:
        deadline = time.monotonic() + 30
        while not re.search(r"\d\d:\d\d .* \S", tmux(socket, "capture-pane", "-p").stdout):
            assert time.monotonic() < deadline, tmux(socket, "capture-pane", "-p").stdout
            time.sleep(0.1)  # waiting on a condition (headlines on screen), bounded
        assert list(tmp_path.glob("ticker-demo-*"))  # the demo's store, while it runs
        os.kill(int(pid.read_text()), signum)
        deadline = time.monotonic() + 15
        while not status.exists() or not status.read_text().strip():
            assert time.monotonic() < deadline, (
                f"the app did not quit on {signal.Signals(signum).name}"
            )
            time.sleep(0.1)
        shown = tmux(socket, "capture-pane", "-p").stdout
    finally:
        tmux(socket, "kill-server")
    assert status.read_text().strip() == str(code)
    assert "Traceback" not in shown
    assert list(tmp_path.glob("ticker-demo-*")) == []


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_read_exits_quietly(tmp_path: Path, signum: int, status: int) -> None:
    """`ticker read` of a page that never answers, interrupted once its request is out."""
    env = {
        **os.environ,
        "TICKER_CONFIG": str(tmp_path / "config.toml"),
        "TICKER_DATA_DIR": str(tmp_path / "data"),
        "PYTHONWARNINGS": "always",
    }
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(30)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/story"
        process = subprocess.Popen(
            [sys.executable, "-m", "ticker", "read", url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        connection, _ = server.accept()  # the request is on its way: ticker is waiting
        with connection:
            # ticker, and the child it forked to import the extractor when a CPU was free
            # (ticker/extract_child.py)
            forked = len(running(url)) == 2
            process.send_signal(signum)
            out, err = process.communicate(timeout=30)
    assert (process.returncode, out, err) == (status, "", "")
    assert running(url) == [], f"forked: {forked}"  # no child outlives the command


def running(text: str) -> list[int]:
    """The processes whose command line holds `text` (a zombie's is empty)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # ended meanwhile
            pass
    return found
