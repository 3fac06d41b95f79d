"""What the benchmark scripts share: the demo server, timed commands, /proc readings."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

TICKER = str(Path(sys.executable).with_name("ticker"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextlib.contextmanager
def demo_server(*options: str, nice: int = 0) -> Iterator[str]:
    """`ticker demo-server` with `options` on a free port; yields its base URL once it answers.

    `nice`: the server's niceness, for a measure where it stands in for sites elsewhere whose
    CPU is not this host's."""
    port = free_port()
    server = subprocess.Popen(
        [TICKER, "demo-server", "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: nice_session(nice)) if nice else None,
        start_new_session=bool(nice),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/")
        yield base
    finally:
        server.terminate()
        server.wait(10)


def nice_session(niceness: int) -> None:
    """In a child that leads its own session: this niceness for it and for its session's
    scheduling group (Linux autogroups: a nice value alone counts only within a session)."""
    os.nice(niceness)
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
        group.write(str(niceness))


def download(url: str, path: Path) -> Path:
    with urllib.request.urlopen(url) as answer:
        path.write_bytes(answer.read())
    return path


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall s, CPU s (children included) and peak RSS MB of one command, which must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[0]} failed: {err[:1000]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def count(db: Path, table: str) -> int:
    """Rows in `table`, read-only; 0 while the file or the table does not exist yet."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.Error:
        return 0


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split()]
    return children + [g for c in children for g in descendants(c)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process and its waited-for children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """A live process's peak RSS (VmHWM), MB; 0 once it is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"
