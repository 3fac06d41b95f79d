"""Idle cost on a dashboard: CPU and bytes written to the terminal while nothing is due.

ticker (and newsboat, when installed) runs in a 120x40 tmux pane over a demo newsroom that
does not tick; after the first poll has settled, for `--seconds` (default 60) nothing is due.
The process's CPU comes from /proc/PID/stat, the bytes from `tmux pipe-pane`. Targets: at most
1 % of a core and 1 KB per minute.

    python bench/idle.py [--seconds 60] [--runs 5]

ticker and newsboat idle side by side, over the same window, in panes of their own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import TICKER, cpu_seconds, demo_server, descendants, download


class Idler:
    """A command in a 120x40 pane of its own tmux server, its output piped to a file."""

    def __init__(self, name: str, command: str, work: Path) -> None:
        self.tmux = ["tmux", "-L", f"ticker-idle-{name}-{os.getpid()}"]
        self.log = work / f"{name}.out"
        self.log.unlink(missing_ok=True)
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", "idle", "-x", "120", "-y", "40", command],
            check=True,
        )

    def start(self) -> None:
        pane_pid = int(
            subprocess.run(
                [*self.tmux, "display", "-p", "-t", "idle", "#{pane_pid}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        self.pids = [pane_pid, *descendants(pane_pid)]
        subprocess.run(
            [*self.tmux, "pipe-pane", "-o", "-t", "idle", f"cat >> {self.log}"], check=True
        )
        self.before = sum(cpu_seconds(p) for p in self.pids)

    def stop(self, seconds: float) -> tuple[float, int]:
        """CPU share of a core and bytes written since `start`."""
        after = sum(cpu_seconds(p) for p in self.pids if Path(f"/proc/{p}").exists())
        subprocess.run([*self.tmux, "pipe-pane", "-t", "idle"], check=True)
        written = self.log.stat().st_size if self.log.exists() else 0
        return (after - self.before) / seconds * 100, written

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False)


def idle_together(
    commands: dict[str, str], seconds: float, work: Path
) -> dict[str, tuple[float, int]]:
    """Every command idle over the same window (they are idle: they do not disturb each other)."""
    idlers = {name: Idler(name, command, work) for name, command in commands.items()}
    try:
        time.sleep(8)  # start-up and the first poll (settling, not synchronisation of a test)
        for idler in idlers.values():
            idler.start()
        time.sleep(seconds)
        return {name: idler.stop(seconds) for name, idler in idlers.items()}
    finally:
        for idler in idlers.values():
            idler.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    results: dict[str, list[tuple[float, int]]] = {}
    with (
        demo_server("--tick", "0", "--feeds", "20") as base,
        tempfile.TemporaryDirectory(prefix="ticker-idle-") as tmp,
    ):
        work = Path(tmp)
        opml = download(f"{base}/load.opml", work / "load.opml")
        (work / "ticker.toml").write_text("[poll]\ninterval = 3600\n")
        commands = {
            "ticker": f"TICKER_CONFIG={work / 'ticker.toml'} {TICKER} --opml {opml}"
            f" --data-dir {work / 'data'}"
        }
        newsboat = shutil.which("newsboat")
        if newsboat:
            urls = work / "urls"
            urls.write_text("".join(f"{base}/load/{i}.rss\n" for i in range(20)))
            (work / "nb.conf").write_text("reload-time 60\n")
            commands["newsboat"] = (
                f"HOME={work} {newsboat} -r -u {urls} -c {work / 'nb.db'} -C {work / 'nb.conf'}"
            )
        else:
            print("newsboat not found (apt-get install -y newsboat): measuring ticker alone")
        for run in range(options.runs):
            for name, measured in idle_together(commands, options.seconds, work).items():
                results.setdefault(name, []).append(measured)
            print(
                f"run {run + 1}: "
                + ", ".join(f"{n} {c[-1][0]:.3f} % {c[-1][1]} B" for n, c in results.items())
            )
    print(
        f"idle for {options.seconds:g} s in a 120x40 tmux pane, 20 feeds, nothing due,"
        f" {options.runs} runs (median, min-max)"
    )
    print("| program | CPU, % of a core | bytes written | bytes per minute |")
    print("| --- | --- | --- | --- |")
    for name, measured in results.items():
        cpu = [c for c, _ in measured]
        written = [w for _, w in measured]
        print(
            f"| {name} | {statistics.median(cpu):.3f} ({min(cpu):.3f}-{max(cpu):.3f})"
            f" | {statistics.median(written):.0f} ({min(written)}-{max(written)})"
            f" | {statistics.median(written) / options.seconds * 60:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
