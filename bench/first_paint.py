"""First paint and peak RSS: ticker against newsboat on the same 100,000 cached items.

Both caches are filled once per invocation, in a temp dir, from `ticker demo-server --feeds
1000 --items 100` (100,000 items): `ticker headlines --opml load.opml` fills ticker's store and
`newsboat -x reload` (reload-threads 16) fills newsboat's cache; each is checked to hold every
item (sqlite3 count of `items` and of `rss_item`). Then the demo server stops and a listener
takes its port, counting every connection: first paint is offline, and neither program may poll
on start (ticker: every source was polled a moment ago with `interval = 86400`, so none is due;
newsboat: no `auto-reload`, no `-r`). The count is printed and must stay 0.

First paint: each program is started in a 120x40 pane of a tmux server of our own (`respawn-pane`
with the command's argv, no shell, so the pane's pid is the program's), and `capture-pane -p` is
polled every 5 ms. The time runs from just before `respawn-pane` to the first capture showing:

  ticker    >= 10 headline rows, lines starting with an HH:MM time;
  newsboat  >= 10 rows of its feed list, lines like `   1 N   (100/100) Load desk 0` (the
            screen it shows once "Loading articles from cache..." is done).

Runs alternate in pairs (ticker first in even pairs, newsboat first in odd ones), after one
warm-up launch of each that is printed but not counted. The ratio is taken pair by pair.

Memory: in the same launch, after first paint, 50 PgDn then `G` then `g` (newsboat: 50 PgDn,
End, Home: its `g`/`G` sort the list), each step waited out until the screen holds still, then
VmHWM (peak RSS) from /proc/<pane pid>/status, the app process alone; its child processes'
VmHWM is printed beside it.

    python bench/first_paint.py [--runs 5] [--feeds 1000] [--items-per-feed 100] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app import ROW  # ticker's headline row: an HH:MM time first
from common import TICKER, count, cpu_model, demo_server, descendants, download
from common import peak_rss_mb as hwm_mb

CONCURRENCY = 16
WIDTH, HEIGHT = 120, 40
POLL_EVERY = 0.005  # s between two captures of the pane
FEED_ROW = re.compile(r"^\s*\d+\s+N?\s+\(\d+/\d+\)\s")  # newsboat: "   1 N   (100/100) title"
NEWSBOAT_LOADING = "Loading articles from cache"
SCROLL_PAGES = 50
TARGET_PAINT_S, TARGET_RATIO, TARGET_RSS_MB = 0.4, 0.05, 200


@dataclass
class Launch:
    paint: float  # s from respawn-pane to the first screen that counts
    hwm_at_paint: float  # MB, the app process, read right after that screen
    hwm: float = 0.0  # MB, the app process, after scrolling through
    children_hwm: float = 0.0  # MB, summed over its child processes
    children: int = 0
    loading: float | None = None  # newsboat: when "Loading articles from cache" was first seen
    quit: float = 0.0  # s from `q` to the process gone
    scrolled: bool = False  # the screen after the end key differed from the first one


@dataclass
class Program:
    name: str
    argv: list[str]
    rows: re.Pattern[str]
    end_keys: tuple[str, str]  # to the last row, back to the first
    launches: list[Launch] = field(default_factory=list)


class Tripwire:
    """Listens on the demo server's old port and counts connections (polls) while it runs."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class Pane:
    """One 120x40 pane in a tmux server of our own; dead panes stay until respawned."""

    def __init__(self) -> None:
        self.tmux = ["tmux", "-L", f"ticker-first-paint-{os.getpid()}"]
        self.target = "paint"
        self.run("new-session", "-d", "-s", self.target, "-x", str(WIDTH), "-y", str(HEIGHT))
        self.socket = Path(self.display("#{socket_path}"))
        self.run("set-option", "-t", self.target, "remain-on-exit", "on")
        size = self.display("#{pane_width}x#{pane_height}")
        if size != f"{WIDTH}x{HEIGHT}":
            raise SystemExit(f"tmux pane is {size}, not {WIDTH}x{HEIGHT}")

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.tmux, *args], capture_output=True, text=True, check=True
        ).stdout

    def display(self, fmt: str) -> str:
        return self.run("display", "-p", "-t", self.target, fmt).strip()

    def capture(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.target)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.target, *keys)

    def dead(self) -> bool:
        return self.display("#{pane_dead}") == "1"

    def settle(self, seconds: float = 15.0) -> str:
        """The screen once three captures 100 ms apart agree."""
        deadline = time.perf_counter() + seconds
        last, same = self.capture(), 0
        while same < 2 and time.perf_counter() < deadline:
            time.sleep(0.1)
            screen = self.capture()
            same = same + 1 if screen == last else 0
            last = screen
        return last

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, check=False)
        self.socket.unlink(missing_ok=True)


def launch(pane: Pane, program: Program, env: dict[str, str]) -> Launch:
    """Start `program` in the pane, time its first paint, scroll, read its peak RSS, quit."""
    argv = ["env", *(f"{k}={v}" for k, v in env.items()), *program.argv]  # env execs: same pid
    start = time.perf_counter()
    pane.run("respawn-pane", "-k", "-t", pane.target, *argv)
    pid = int(pane.display("#{pane_pid}"))
    loading = None
    deadline = start + 120
    while True:
        screen = pane.capture()
        now = time.perf_counter()
        if sum(1 for line in screen.splitlines() if program.rows.match(line)) >= 10:
            break
        if loading is None and NEWSBOAT_LOADING in screen:
            loading = now - start
        if now > deadline or pane.dead():
            pane.kill()
            raise SystemExit(f"{program.name}: no rows on screen; the pane shows:\n{screen}")
        time.sleep(POLL_EVERY)
    result = Launch(paint=now - start, hwm_at_paint=hwm_mb(pid), loading=loading)
    first = pane.settle()
    pane.keys(*["PageDown"] * SCROLL_PAGES)
    pane.settle()
    pane.keys(program.end_keys[0])
    last = pane.settle()
    pane.keys(program.end_keys[1])
    pane.settle()
    result.scrolled = last != first
    result.hwm = hwm_mb(pid)
    children = [c for c in descendants(pid) if Path(f"/proc/{c}").exists()]
    result.children = len(children)
    result.children_hwm = sum(hwm_mb(c) for c in children)
    quit_at = time.perf_counter()
    pane.keys("q")
    while not pane.dead():
        if time.perf_counter() - quit_at > 60:
            raise SystemExit(f"{program.name} did not quit within 60 s of `q`")
        time.sleep(0.01)
    result.quit = time.perf_counter() - quit_at
    status = pane.display("#{pane_dead_status}")
    if status not in ("", "0"):
        raise SystemExit(f"{program.name} exited with status {status}")
    return result


def fill(work: Path, feeds: int, items: int, newsboat: str | None) -> tuple[int, dict[str, Path]]:
    """Serve the load feeds, fill both caches, check them; returns the server's port and paths."""
    paths = {
        "opml": work / "load.opml",
        "urls": work / "urls",
        "ticker_config": work / "ticker.toml",
        "data": work / "ticker-data",
        "newsboat_config": work / "newsboat.conf",
        "cache": work / "newsboat-cache.db",
    }
    env = dict(os.environ, HOME=str(work))
    with demo_server("--feeds", str(feeds), "--items", str(items), "--tick", "0") as base:
        download(f"{base}/load.opml", paths["opml"])
        paths["urls"].write_text("".join(f"{base}/load/{i}.rss\n" for i in range(feeds)))
        # Polled now, due again in a day: the app finds nothing due on start.
        paths["ticker_config"].write_text(
            f"[poll]\nconcurrency = {CONCURRENCY}\ninterval = 86400\n"
        )
        paths["newsboat_config"].write_text(f"reload-threads {CONCURRENCY}\n")
        expected = feeds * items
        started = time.perf_counter()
        subprocess.run(
            [
                TICKER,
                "headlines",
                "--opml",
                str(paths["opml"]),
                "--config",
                str(paths["ticker_config"]),
                "--data-dir",
                str(paths["data"]),
                "--format",
                "json",
                "--limit",
                "1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        stored = count(paths["data"] / "ticker.db", "items")
        print(f"ticker store filled in {time.perf_counter() - started:.1f} s: {stored} items")
        if stored != expected:
            raise SystemExit(f"ticker stored {stored} of {expected} items")
        if newsboat is not None:
            started = time.perf_counter()
            subprocess.run(
                [
                    newsboat,
                    "-u",
                    str(paths["urls"]),
                    "-c",
                    str(paths["cache"]),
                    "-C",
                    str(paths["newsboat_config"]),
                    "-x",
                    "reload",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                check=True,
            )
            stored = count(paths["cache"], "rss_item")
            print(f"newsboat cache filled in {time.perf_counter() - started:.1f} s: {stored} items")
            if stored != expected:
                raise SystemExit(f"newsboat stored {stored} of {expected} items")
    return int(base.rsplit(":", 1)[1]), paths


def ticker_polls(data: Path) -> tuple[float, int]:
    """Sum of the sources' last attempts and failures: unchanged if the app polled nothing."""
    import sqlite3

    with sqlite3.connect(data / "ticker.db") as db:
        attempts, failures = db.execute(
            "SELECT total(last_attempt), total(failures) FROM sources"
        ).fetchone()
    return float(attempts), int(failures)


def spread(values: list[float], fmt: str = "{:.3f}") -> str:
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}-{fmt.format(max(values))})"
    )


def version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True).stdout
    except OSError:
        return "?"
    return out.splitlines()[0].split(" - ")[0] if out else "?"


def report(programs: list[Program], feeds: int, items: int, runs: int, trips: int) -> None:
    ticker = programs[0]
    newsboat = programs[1] if len(programs) > 1 else None
    print()
    for program in programs:
        for i, r in enumerate(program.launches):
            extra = ""
            if r.loading is not None:
                extra = f"  'Loading articles from cache' seen at {r.loading:.3f} s"
            print(
                f"{program.name:9} run {i}: first paint {r.paint:.3f} s  VmHWM at paint "
                f"{r.hwm_at_paint:.0f} MB, after scrolling {r.hwm:.0f} MB  children "
                f"{r.children} ({r.children_hwm:.0f} MB)  quit {r.quit:.2f} s"
                f"  scrolled {'yes' if r.scrolled else 'NO'}{extra}"
            )
    print()
    for program in programs:
        paints = [r.paint for r in program.launches]
        print(
            f"{program.name:9} first paint s: median {statistics.median(paints):.3f}"
            f"  min {min(paints):.3f}  max {max(paints):.3f}  (n={len(paints)})"
        )
    paint_ratio = rss_ratio = None
    if newsboat is not None:
        pairs = list(zip(ticker.launches, newsboat.launches, strict=True))
        paint_ratios = [t.paint / n.paint for t, n in pairs]
        rss_ratios = [t.hwm / n.hwm for t, n in pairs]
        paint_ratio, rss_ratio = statistics.median(paint_ratios), statistics.median(rss_ratios)
        print(
            "ticker/newsboat first paint, pair by pair: "
            + " ".join(f"{r:.3f}" for r in paint_ratios)
            + f"  median {paint_ratio:.3f}"
        )
    print(f"connections to the feeds' port while the programs ran: {trips}")

    paint = statistics.median(r.paint for r in ticker.launches)
    hwm = statistics.median(r.hwm for r in ticker.launches)
    print(
        f"\n### First paint and memory (`bench/first_paint.py --runs {runs}`, "
        f"{date.today().isoformat()})\n"
    )
    print(
        f"Machine: {os.cpu_count()} cores (`nproc`), {cpu_model()} (`lscpu`), Linux "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"{version(['tmux', '-V'])}"
        + (f", {version([shutil.which('newsboat') or 'newsboat', '-v'])}" if newsboat else "")
        + "."
    )
    print(
        f"\n{feeds} feeds x {items} items = {feeds * items:,} cached items"
        + (" in both" if newsboat else "")
        + f", offline "
        f"({trips} connections to the feeds' port); {WIDTH}x{HEIGHT} tmux pane, "
        f"{runs} runs in alternating pairs after a warm-up launch each.\n"
    )
    columns = ["measure", "ticker median (min-max)", "newsboat median (min-max)"]
    print("| " + " | ".join([*columns, "ticker/newsboat", "target"]) + " |")
    print("| --- | --- | --- | --- | --- |")

    def cells(getter, fmt: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        t = spread([getter(r) for r in ticker.launches], fmt)
        n = spread([getter(r) for r in newsboat.launches], fmt) if newsboat else "n/a"
        return t, n

    t, n = cells(lambda r: r.paint, "{:.3f}")
    ratio = f"{paint_ratio:.3f}" if paint_ratio is not None else "n/a"
    ok = paint <= TARGET_PAINT_S and (paint_ratio is None or paint_ratio <= TARGET_RATIO)
    print(
        f"| first paint, s (launch to >= 10 rows on screen) | {t} | {n} | {ratio} | "
        f"<= {TARGET_PAINT_S} s, <= {TARGET_RATIO}x ({'met' if ok else 'NOT met'}) |"
    )
    t, n = cells(lambda r: r.hwm_at_paint, "{:.0f}")
    print(f"| VmHWM at first paint, MB | {t} | {n} | | |")
    t, n = cells(lambda r: r.hwm, "{:.0f}")
    ratio = f"{rss_ratio:.2f}" if rss_ratio is not None else "n/a"
    print(
        f"| peak RSS (VmHWM) after {SCROLL_PAGES} PgDn, end, home, MB | {t} | {n} | {ratio} | "
        f"<= {TARGET_RSS_MB} MB ({'met' if hwm <= TARGET_RSS_MB else 'NOT met'}) |"
    )
    t, n = cells(lambda r: r.children_hwm, "{:.0f}")
    kids = f"{statistics.median(r.children for r in ticker.launches):.0f}"
    if newsboat:
        n += f" ({statistics.median(r.children for r in newsboat.launches):.0f})"
    print(f"| child processes' VmHWM summed, MB (count) | {t} ({kids}) | {n} | | |")
    t, n = cells(lambda r: r.quit, "{:.2f}")
    print(f"| `q` to process gone, s | {t} | {n} | | |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items-per-feed", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    options = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux not found: first paint cannot be measured")
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        print("newsboat not found (apt-get install -y newsboat): measuring ticker alone")
    # A SIGTERM or SIGHUP unwinds like Ctrl-C, so the finally blocks clean up.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)

    work = Path(tempfile.mkdtemp(prefix="ticker-first-paint-"))
    pane: Pane | None = None
    tripwire: Tripwire | None = None
    try:
        port, paths = fill(work, options.feeds, options.items_per_feed, newsboat)
        tripwire = Tripwire(port)
        programs = [
            Program(
                "ticker",
                [
                    TICKER,
                    "--opml",
                    str(paths["opml"]),
                    "--config",
                    str(paths["ticker_config"]),
                    "--data-dir",
                    str(paths["data"]),
                ],
                ROW,
                ("G", "g"),
            )
        ]
        if newsboat is not None:
            programs.append(
                Program(
                    "newsboat",
                    [
                        newsboat,
                        "-u",
                        str(paths["urls"]),
                        "-c",
                        str(paths["cache"]),
                        "-C",
                        str(paths["newsboat_config"]),
                    ],
                    FEED_ROW,
                    ("End", "Home"),
                )
            )
        env = {"HOME": str(work)}
        polled_before = ticker_polls(paths["data"])
        pane = Pane()
        for program in programs:
            warm = launch(pane, program, env)
            print(f"{program.name} warm-up launch (not counted): first paint {warm.paint:.3f} s")
        for run in range(options.runs):
            order = programs if run % 2 == 0 else programs[::-1]
            for program in order:
                program.launches.append(launch(pane, program, env))
            print(
                f"pair {run}: "
                + "  ".join(f"{p.name} {p.launches[-1].paint:.3f} s" for p in programs),
                flush=True,
            )
        if ticker_polls(paths["data"]) != polled_before:
            print("WARNING: ticker's sources show new poll attempts: it polled on start")
        report(programs, options.feeds, options.items_per_feed, options.runs, tripwire.connections)
    finally:
        if pane is not None:
            pane.kill()
        if tripwire is not None:
            tripwire.close()
        if options.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
