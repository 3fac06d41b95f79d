"""Idle cost on a dashboard: CPU and bytes written to the terminal while nothing is due.

ticker (and newsboat, when installed) runs in a 120x40 tmux pane over a demo newsroom that
does not tick; after the first poll has settled, for `--seconds` (default 60) nothing is due.
The process's CPU comes from /proc/PID/stat, the bytes from `tmux pipe-pane`. Targets: at most
1 % of a core and 1 KB per minute.

    python bench/idle.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICKS


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split()]
    return children + [g for c in children for g in descendants(c)]


def idle(name: str, command: str, seconds: float, work: Path) -> tuple[float, int]:
    """CPU share of a core and bytes written while `command` sits idle in tmux."""
    tmux = ["tmux", "-L", f"ticker-idle-{os.getpid()}"]
    log = work / f"{name}.out"
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "idle", "-x", "120", "-y", "40", command], check=True
    )
    try:
        time.sleep(8)  # start-up and the first poll (settling, not synchronisation of a test)
        pane_pid = int(
            subprocess.run(
                [*tmux, "display", "-p", "-t", "idle", "#{pane_pid}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        pids = [pane_pid, *descendants(pane_pid)]
        subprocess.run([*tmux, "pipe-pane", "-o", "-t", "idle", f"cat >> {log}"], check=True)
        before = sum(cpu_seconds(p) for p in pids)
        time.sleep(seconds)
        after = sum(cpu_seconds(p) for p in pids if Path(f"/proc/{p}").exists())
        subprocess.run([*tmux, "pipe-pane", "-t", "idle"], check=True)
        written = log.stat().st_size if log.exists() else 0
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    return (after - before) / seconds * 100, written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    options = parser.parse_args()
    ticker = str(Path(sys.executable).with_name("ticker"))
    port = free_port()
    server = subprocess.Popen(
        [ticker, "demo-server", "--port", str(port), "--tick", "0", "--feeds", "20"],
        stdout=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/load.opml", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        with tempfile.TemporaryDirectory(prefix="ticker-idle-") as tmp:
            work = Path(tmp)
            opml = work / "load.opml"
            opml.write_bytes(urllib.request.urlopen(f"{base}/load.opml").read())
            (work / "ticker.toml").write_text("[poll]\ninterval = 3600\n")
            command = (
                f"TICKER_CONFIG={work / 'ticker.toml'} {ticker} --opml {opml}"
                f" --data-dir {work / 'data'}"
            )
            rows = [("ticker", *idle("ticker", command, options.seconds, work))]
            newsboat = shutil.which("newsboat")
            if newsboat:
                urls = work / "urls"
                urls.write_text("".join(f"{base}/load/{i}.rss\n" for i in range(20)))
                (work / "nb.conf").write_text("reload-time 60\n")
                nb = (
                    f"HOME={work} {newsboat} -r -u {urls} -c {work / 'nb.db'} -C {work / 'nb.conf'}"
                )
                rows.append(("newsboat", *idle("newsboat", nb, options.seconds, work)))
            else:
                print("newsboat not found (apt-get install -y newsboat): measuring ticker alone")
    finally:
        server.terminate()
        server.wait(10)
    print(f"idle for {options.seconds:g} s in a 120x40 tmux pane, 20 feeds, nothing due")
    for name, cpu, written in rows:
        per_minute = written / options.seconds * 60
        print(
            f"{name:10} CPU {cpu:6.3f} % of a core   written {written} bytes"
            f" ({per_minute:.0f} bytes/minute)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
