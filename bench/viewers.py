"""Cheap viewers: one poller and ten viewers on one store, measured (issue 13, point 5).

A `ticker demo-server` serves load feeds that do not change unless the script publishes to
them (`POST /_demo/publish`), and counts the requests for each feed (`GET /_demo/requests`).
`ticker serve` polls the first `--feeds` of them every `--interval` seconds into a store; ten
`ticker --viewer` apps show that store, each in a 120x40 pane of one tmux server, their output
copied by `tmux pipe-pane` into a FIFO of their own that this script reads and timestamps.

- requests: over an idle window of `--idle` seconds, each feed's requests (the server's
  times): per feed per interval (the interval over the feed's mean gap between requests), and
  the gaps shorter than 0.9 interval (a second fetch: a viewer or a second poller) or longer
  than 1.5 (an interval skipped); both must be 0;
- idle viewers over the same window: CPU (/proc), RSS (VmRSS) and bytes written to the pane;
- commit to screen: a new item is published to a feed with a unique title; the commit is when
  this script's own read-only connection sees the row (its `PRAGMA data_version` looked at
  every 2 ms); each viewer's time is when the read that completed a frame showing the title
  arrived, found by replaying its bytes into a terminal emulator (pyte) after the sample;
- keys: a `ticker --viewer` on a pty this script owns (bench/keys.py's `Term`) while `ticker
  serve` polls `--cold-feeds` feeds cold into its store: `j`/`k` every `--pace` s, from writing
  a key to the end of the frame showing its effect (p99 target 20 ms: a viewer does no polling
  work). `--control` also times keys while the poll goes into another store (the same CPU
  contention, nothing to show), and for the slowest keys /proc's schedstat tells how long the
  viewer's threads (and this script) waited for a CPU; `--profile DIR` samples the viewer
  with py-spy.

    python bench/viewers.py [--feeds 200] [--viewers 10] [--interval 10] [--idle 60]
        [--samples 10] [--cold-feeds 1000] [--cold-runs 3] [--latency 0] [--control]

Needs tmux and pyte (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import os
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyte

sys.path.insert(0, str(Path(__file__).parent))
from app import build_store
from common import TICKER, cpu_model, cpu_seconds, demo_server, descendants, download
from keys import COLS, ROWS, Term, headline_rows, moved, selected

from ticker.hub.lock import PollerLock

COMMIT_LOOK = 0.002  # seconds between this script's looks at the store for a commit
SHOWN_WITHIN = 5.0  # seconds a viewer has to show a committed headline
FRAME_GAP = 0.002  # reads closer than this belong to one frame


def rss_mb(pid: int) -> float:
    """A live process's resident set (VmRSS), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        value: dict[str, object] = json.load(answer)
        return value


def publish(base: str, feed: int, title: str) -> None:
    query = urllib.parse.urlencode({"feed": feed, "title": title})
    request = urllib.request.Request(f"{base}/_demo/publish?{query}", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def request_times(base: str, feeds: int) -> dict[int, list[float]]:
    """The server's times of the latest requests for each load feed."""
    paths = get_json(f"{base}/_demo/requests")["paths"]
    assert isinstance(paths, dict)
    out: dict[int, list[float]] = {i: [] for i in range(feeds)}
    for i in range(feeds):
        entry = paths.get(f"/load/{i}.rss")
        if entry is not None:
            out[i] = list(entry["latest"])
    return out


@dataclass
class Viewer:
    """A `ticker --viewer` in a pane of the shared tmux server, its output read from a FIFO."""

    name: str
    pid: int
    fifo: Path
    fd: int = -1
    reads: list[tuple[float, bytes]] = field(default_factory=list)
    screen: pyte.Screen = field(default_factory=lambda: pyte.Screen(COLS, ROWS))
    fed: int = 0  # reads replayed into the screen so far

    def __post_init__(self) -> None:
        self.stream = pyte.ByteStream(self.screen)

    def pids(self) -> list[int]:
        return [self.pid, *descendants(self.pid)]

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.pids() if Path(f"/proc/{p}").exists())

    def rss(self) -> float:
        return sum(rss_mb(p) for p in self.pids() if Path(f"/proc/{p}").exists())

    def bytes_since(self, start: float) -> int:
        return sum(len(data) for stamp, data in self.reads if stamp >= start)

    def shown_at(self, text: str, after: float) -> float | None:
        """The time of the read completing the first frame after `after` that shows `text`."""
        reads = self.reads
        while self.fed < len(reads):
            stamp, data = reads[self.fed]
            self.stream.feed(data)
            self.fed += 1
            if stamp >= after and any(text in line for line in self.screen.display):
                last = self.fed - 1
                while last + 1 < len(reads) and reads[last + 1][0] - reads[last][0] < FRAME_GAP:
                    last += 1
                    self.stream.feed(reads[last][1])
                self.fed = last + 1
                return reads[last][0]
        return None


class Panes:
    """One tmux server with a 120x40 session per viewer."""

    def __init__(self, work: Path) -> None:
        self.tmux = ["tmux", "-L", f"ticker-viewers-{os.getpid()}", "-f", "/dev/null"]
        self.work = work
        self.viewers: list[Viewer] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> Viewer:
        options = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        subprocess.run(
            [
                *self.tmux,
                *("new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS)),
                *options,
                *command,
            ],
            check=True,
        )
        pid = int(self._tmux("display", "-p", "-t", name, "#{pane_pid}"))
        viewer = Viewer(name, pid, self.work / f"{name}.fifo")
        self.viewers.append(viewer)
        return viewer

    def shows(self, viewer: Viewer, text: str) -> bool:
        return text in self._tmux("capture-pane", "-p", "-t", viewer.name)

    def pipe(self) -> None:
        """Copy every pane's output into its FIFO from now on."""
        for viewer in self.viewers:
            os.mkfifo(viewer.fifo)
            # Open for reading without a writer yet; `cat` opens the other end.
            viewer.fd = os.open(viewer.fifo, os.O_RDONLY | os.O_NONBLOCK)
            self._tmux("pipe-pane", "-o", "-t", viewer.name, f"exec cat > {viewer.fifo}")

    def read(self, seconds: float, until: float | None = None) -> None:
        """Read and timestamp the panes' output for `seconds` (select wakes at most every
        `until` seconds when given, so that the caller's loop can look at something else)."""
        end = time.perf_counter() + seconds
        by_fd = {v.fd: v for v in self.viewers if v.fd >= 0}
        while (left := end - time.perf_counter()) > 0:
            ready, _, _ = select.select(list(by_fd), [], [], min(left, until or left))
            stamp = time.perf_counter()
            for fd in ready:
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if data:
                    by_fd[fd].reads.append((stamp, data))
            if until is not None:
                return

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)
        for viewer in self.viewers:
            if viewer.fd >= 0:
                os.close(viewer.fd)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            [*self.tmux, *args], capture_output=True, text=True, check=True
        ).stdout.strip()


def wait_until(test: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not test():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextlib.contextmanager
def poller(
    data: Path, opml: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`ticker serve` on `data`, its log lines in `log`; stopped with SIGTERM."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [TICKER, "serve", "--data-dir", str(data), "--opml", str(opml)],
            stdout=out,
            stderr=out,
            env=dict(os.environ, **env),
            start_new_session=True,  # as a service manager starts it (systemd: a unit)
        )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rounds(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if " polled " in line)


# -- one poller, many viewers ---------------------------------------------------------------


@dataclass
class Dashboard:
    """What one run of the poller and its viewers gave."""

    idle_seconds: float
    idle_cpu: list[float]  # % of a core, per viewer
    serve_cpu: float
    idle_bytes: list[int]
    rss: list[float]
    per_interval: list[float]  # per feed
    gaps: list[float]
    requests: int
    delays: list[float]  # commit to screen, s, per viewer and sample
    found_after: list[float]  # publish to commit, s


def dashboard(base: str, work: Path, options: argparse.Namespace) -> Dashboard:
    feeds, interval = options.feeds, options.interval
    data, config, opml = work / "dash", work / "dash.toml", work / "dash.opml"
    config.write_text(f"[poll]\ninterval = {interval}\ntimeout = 5\n")
    opml.write_text(
        '<?xml version="1.0"?>\n<opml version="2.0"><head><title>load</title></head><body>\n'
        + "".join(
            f'<outline type="rss" text="Load {i}" xmlUrl="{base}/load/{i}.rss"/>\n'
            for i in range(feeds)
        )
        + "</body></opml>\n"
    )
    env = {"TICKER_CONFIG": str(config)}
    log = work / "serve.log"
    store = data / "ticker.db"
    panes = Panes(work)
    with poller(data, opml, env, log) as serve:
        try:
            wait_until(lambda: rounds(log) >= 1, 120, "the poller's first round")
            command = [TICKER, "--viewer", "--data-dir", str(data), "--opml", str(opml)]
            for k in range(options.viewers):
                panes.start(f"v{k}", command, env)
            for viewer in panes.viewers:
                wait_until(
                    functools.partial(panes.shows, viewer, "viewing"),
                    60,
                    f"viewer {viewer.name} to show the store",
                )
            time.sleep(3)  # start-up work done (settling before a measure, not a test's sync)
            panes.pipe()

            # Idle: nothing new for anyone; the poller fetches every feed every interval.
            seen = rounds(log)
            wait_until(lambda: rounds(log) > seen, interval + 30, "a poll round")
            cpu_before = [v.cpu() for v in panes.viewers]
            serve_before = cpu_seconds(serve.pid) + sum(
                cpu_seconds(p) for p in descendants(serve.pid)
            )
            t0_wall, t0 = time.time(), time.perf_counter()
            panes.read(options.idle)
            t1_wall, t1 = time.time(), time.perf_counter()
            seconds = t1 - t0
            idle_cpu = [
                (v.cpu() - c) / seconds * 100
                for v, c in zip(panes.viewers, cpu_before, strict=True)
            ]
            serve_cpu = (
                (
                    cpu_seconds(serve.pid)
                    + sum(cpu_seconds(p) for p in descendants(serve.pid))
                    - serve_before
                )
                / seconds
                * 100
            )
            idle_bytes = [v.bytes_since(t0) for v in panes.viewers]
            if options.dump is not None:  # what the viewers wrote while idle, to look at
                options.dump.mkdir(parents=True, exist_ok=True)
                for v in panes.viewers:
                    with (options.dump / f"{v.name}.idle").open("wb") as out:
                        for stamp, chunk in v.reads:
                            if t0 <= stamp < t1:
                                out.write(f"\n@{stamp - t0:.3f}\n".encode() + chunk)
            rss = [v.rss() for v in panes.viewers]
            times = request_times(base, feeds)
            in_window = {i: [t for t in ts if t0_wall <= t < t1_wall] for i, ts in times.items()}
            # Once an interval: neither twice within one (a viewer or a second poller fetching)
            # nor skipping one; a feed's own period may run a little over the interval.
            per_interval = [
                (len(ts) - 1) * interval / (ts[-1] - ts[0])
                for ts in in_window.values()
                if len(ts) > 1
            ]
            gaps = [b - a for ts in in_window.values() for a, b in itertools.pairwise(ts)]

            # Commit to screen.
            delays: list[float] = []
            found_after: list[float] = []
            db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
            for sample in range(options.samples):
                title = f"Viewer bench mark {sample:03d} {os.getpid() % 1000:03d}"
                version = db.execute("PRAGMA data_version").fetchone()[0]
                published = time.perf_counter()
                publish(base, sample % feeds, title)
                committed = None
                deadline = published + 2 * interval + 10
                while committed is None:
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"the poller never stored {title!r}")
                    panes.read(COMMIT_LOOK, until=COMMIT_LOOK)
                    now = db.execute("PRAGMA data_version").fetchone()[0]
                    if now != version:
                        version = now
                        row = db.execute("SELECT 1 FROM items WHERE title = ?", (title,))
                        if row.fetchone() is not None:
                            committed = time.perf_counter()
                found_after.append(committed - published)
                panes.read(SHOWN_WITHIN)
                for viewer in panes.viewers:
                    shown = viewer.shown_at(title, committed)
                    if shown is None:
                        raise SystemExit(f"{viewer.name} never showed {title!r}")
                    delays.append(shown - committed)
            db.close()
        finally:
            panes.close()
    return Dashboard(
        seconds,
        idle_cpu,
        serve_cpu,
        idle_bytes,
        rss,
        per_interval,
        gaps,
        sum(len(ts) for ts in in_window.values()),
        delays,
        found_after,
    )


# -- keys in a viewer during a cold poll ------------------------------------------------------


@dataclass
class ColdPoll:
    """Keys in a viewer during one cold poll."""

    keys: list[float]  # s from a key to its frame
    seconds: float  # the poll's wall time
    viewer_cpu: float  # s of CPU the viewer used during it
    waited: float  # s the viewer's threads spent runnable but not running (schedstat)
    # Per key, over its press: the main thread's run-queue wait and CPU, the other threads' CPU.
    main_wait: list[float] = field(default_factory=list)
    main_cpu: list[float] = field(default_factory=list)
    others_cpu: list[float] = field(default_factory=list)
    others_wait: list[float] = field(default_factory=list)
    bench_wait: list[float] = field(default_factory=list)  # this script's own run-queue wait


def run_queue_wait(pid: int) -> float:
    """Seconds all threads of a process have waited on a run queue (CPU starvation)."""
    return sum(wait for _, wait in thread_times(pid).values())


def thread_times(pid: int) -> dict[int, tuple[float, float]]:
    """CPU and run-queue wait, s, of each thread of a process (/proc/.../schedstat)."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            cpu, wait, _ = (task / "schedstat").read_text().split()
            out[int(task.name)] = (int(cpu) / 1e9, int(wait) / 1e9)
    return out


def keys_during_cold_poll(
    base: str, work: Path, name: str, options: argparse.Namespace, *, same_store: bool = True
) -> ColdPoll:
    """`j`/`k` in a viewer while `ticker serve` polls the load feeds cold: into the viewer's
    store, or (`same_store=False`, the control) into another one, so that the viewer shares
    the CPU but has nothing to show."""
    data, config = work / name, work / "cold.toml"
    opml = work / "cold.opml"
    if not opml.exists():
        download(f"{base}/load.opml", opml)
    config.write_text("[poll]\ntimeout = 20\n")
    data.mkdir()
    build_store(data, 2000)  # rows to move over before the poll brings its own
    polled = data
    if not same_store:
        polled = work / f"{name}-other"
        polled.mkdir()
    env = {"TICKER_CONFIG": str(config)}
    viewer = [*options.viewer_command.split(), "--viewer", "--data-dir", str(data)]
    # The viewer's store's poller lock is held here while the viewer starts, so that it
    # starts as a viewer whatever the order of start-ups; `ticker serve` takes it once the
    # viewer views (in the control, the lock stays here: no one polls the viewer's store).
    lock = PollerLock(data / "ticker.db")
    if not lock.acquire():
        raise SystemExit(f"another process polls {data}")
    term = Term([*viewer, "--opml", str(opml)], env)
    try:
        term.wait_screen(
            lambda s: (
                headline_rows(s) >= 10
                and selected(s) is not None
                and any("viewing" in line for line in s.display)
            )
        )
        term.settle(0.5)
        term.press(b"G", moved)  # rows stored above leave the selection where it is
        expected = options.cold_feeds * 50 + (2000 if same_store else 0)
        during: list[float] = []
        main_wait: list[float] = []
        main_cpu: list[float] = []
        others_cpu: list[float] = []
        others_wait: list[float] = []
        bench_wait: list[float] = []
        keys = [b"k", b"j"]
        pid = term.proc.pid
        if same_store:
            lock.release()
        cpu, wait = cpu_seconds(term.proc.pid), run_queue_wait(term.proc.pid)
        profile = None
        if options.profile is not None and same_store:
            # Sampled without stopping the viewer (--nonblocking), every thread, idle ones too.
            out = options.profile / f"{name}.txt"
            options.profile.mkdir(parents=True, exist_ok=True)
            profile = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(term.proc.pid),
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--threads",
                    "--idle",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        with poller(polled, opml, env, work / f"{name}.log"):
            started = time.perf_counter()
            wait_until((polled / "ticker.db").exists, 30, "the poller's store")
            db = sqlite3.connect(f"file:{polled / 'ticker.db'}?mode=ro", uri=True, timeout=5)
            while True:
                if count_items(db) >= expected:
                    break
                before, bench = thread_times(pid), run_queue_wait(os.getpid())
                during.append(term.press(keys[len(during) % 2], moved))
                after = thread_times(pid)
                bench_wait.append(run_queue_wait(os.getpid()) - bench)
                main_cpu.append(after[pid][0] - before[pid][0])
                main_wait.append(after[pid][1] - before[pid][1])
                others_cpu.append(
                    sum(c - before.get(t, (0.0, 0.0))[0] for t, (c, _) in after.items() if t != pid)
                )
                others_wait.append(
                    sum(w - before.get(t, (0.0, 0.0))[1] for t, (_, w) in after.items() if t != pid)
                )
                time.sleep(options.pace)  # a key every `pace` seconds, as a person moves
            took = time.perf_counter() - started
            db.close()
        cpu = cpu_seconds(term.proc.pid) - cpu
        if profile is not None:
            profile.send_signal(signal.SIGINT)  # py-spy writes its samples and exits
            profile.wait(30)
        wait = run_queue_wait(term.proc.pid) - wait
    finally:
        lock.release()
        term.close()
    return ColdPoll(
        during, took, cpu, wait, main_wait, main_cpu, others_cpu, others_wait, bench_wait
    )


def count_items(db: sqlite3.Connection) -> int:
    try:
        return int(db.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:  # the poller is creating the schema
        return 0


# -- report ---------------------------------------------------------------------------------


def spread(values: list[float], digits: int = 1) -> str:
    if not values:
        return "none"
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def report_dashboard(got: Dashboard, options: argparse.Namespace) -> None:
    print(
        f"\n1 `ticker serve` (interval {options.interval:g} s) + {options.viewers}"
        f" `ticker --viewer` in 120x40 tmux panes, {options.feeds} feeds; idle window"
        f" {got.idle_seconds:.0f} s, {options.samples} headlines timed to every screen"
    )
    per_minute = [b * 60 / got.idle_seconds for b in got.idle_bytes]
    delays = [d * 1000 for d in got.delays]
    rows = [
        (
            "requests per feed per interval (interval / the feed's mean gap)",
            f"{spread(got.per_interval, 2)}; {got.requests} requests of {options.feeds} feeds",
            "1",
        ),
        (
            "a feed's two requests within one interval / an interval skipped",
            f"{sum(g < options.interval * 0.9 for g in got.gaps)}"
            f" / {sum(g > options.interval * 1.5 for g in got.gaps)}",
            "0 / 0",
        ),
        ("seconds between two requests of a feed", spread(got.gaps, 2), ""),
        ("viewer RSS, MB", spread(got.rss, 0), ""),
        ("viewer idle CPU, % of a core", spread(got.idle_cpu, 2), ""),
        ("bytes to a viewer's terminal per idle minute", spread(per_minute, 0), "<= 100"),
        (
            "commit to a viewer's screen, ms",
            f"median {statistics.median(delays):.0f}, max {max(delays):.0f}"
            f" (min {min(delays):.0f}, n {len(delays)})",
            "within 2000",
        ),
        ("publish to commit, s (the poll schedule)", spread(got.found_after, 1), ""),
        ("the poller's CPU over the idle window, % of a core", f"{got.serve_cpu:.1f}", ""),
    ]
    print("| measure | median (min-max) | target |\n| --- | --- | --- |")
    for row in rows:
        print(f"| {' | '.join(row)} |")


def report_keys(polls: dict[str, list[ColdPoll]], options: argparse.Namespace) -> None:
    print(
        f"\n`j`/`k` every {options.pace:g} s in a `ticker --viewer` (a pty of 120x40) while"
        f" `ticker serve` polls {options.cold_feeds} feeds ({options.latency} ms each) cold;"
        f" {options.cold_runs} polls each"
    )
    print(
        "| the poll stores into | median ms | p99 | max | keys | poll s | viewer CPU s |"
        " run-queue wait s | target |"
    )
    print("| --- " * 9 + "|")
    names = {"same": "the viewer's store", "other": "another store (control)"}
    for kind, runs in polls.items():
        if not runs:
            continue
        keys = [k * 1000 for run in runs for k in run.keys]
        if not keys:
            continue
        print(
            f"| {names[kind]} | {statistics.median(keys):.1f} | {p99(keys):.1f} |"
            f" {max(keys):.1f} | {len(keys)} | {statistics.median(r.seconds for r in runs):.1f} |"
            f" {statistics.median(r.viewer_cpu for r in runs):.2f} |"
            f" {statistics.median(r.waited for r in runs):.2f} |"
            f" {'p99 <= 20' if kind == 'same' else ''} |"
        )
    print(
        "\nThe slowest keys (ms), and over each press (ms): the viewer's main thread waiting for"
        " a CPU (run queue) and running; its other threads (input, output, store looks and"
        " reloads) waiting and running; this script waiting for a CPU"
    )
    print(
        "| store | key | main waiting | main CPU | others waiting | others CPU | script waiting |"
    )
    print("| --- " * 7 + "|")
    for kind, runs in polls.items():
        rows = [
            values
            for run in runs
            for values in zip(
                run.keys,
                run.main_wait,
                run.main_cpu,
                run.others_wait,
                run.others_cpu,
                run.bench_wait,
                strict=True,
            )
        ]
        for values in sorted(rows, reverse=True)[: options.slowest]:
            print(f"| {kind} | " + " | ".join(f"{v * 1000:.1f}" for v in values) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--viewers", type=int, default=10)
    parser.add_argument("--interval", type=float, default=10.0, help="poll interval, s (>= 10)")
    parser.add_argument("--idle", type=float, default=60.0, help="idle window, s")
    parser.add_argument("--samples", type=int, default=10, help="headlines timed to the screen")
    parser.add_argument("--cold-feeds", type=int, default=1000)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument(
        "--server-nice",
        type=int,
        default=10,
        help="the demo server's niceness in the keys measure: it stands in for 1000 sites on"
        " other hosts, whose CPU a viewer on this one never waits for (0: as before)",
    )
    parser.add_argument("--latency", type=int, default=0, help="ms each feed request takes")
    parser.add_argument("--pace", type=float, default=0.05, help="s between keys")
    parser.add_argument("--only", default="dashboard,keys")
    parser.add_argument(
        "--control",
        action="store_true",
        help="also time keys while the poll goes into another store (CPU contention only)",
    )
    parser.add_argument(
        "--profile", type=Path, help="py-spy the viewer during each poll into its store, here"
    )
    parser.add_argument(
        "--viewer-command",
        default=TICKER,
        help="the viewer of the keys measure (to try a changed viewer: `python script.py`)",
    )
    parser.add_argument("--slowest", type=int, default=5, help="slow keys to explain")
    parser.add_argument("--dump", type=Path, help="write the viewers' idle output here")
    options = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("bench/viewers.py needs tmux")
    only = set(options.only.split(","))
    server_feeds = max(options.feeds, options.cold_feeds)
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores ({cpu_model()}),"
        f" load average {os.getloadavg()[0]:.2f} at the start"
    )
    with tempfile.TemporaryDirectory(prefix="ticker-bench-viewers-") as name:
        work = Path(name)
        if "dashboard" in only:
            with demo_server(
                "--tick", "0", "--feeds", str(options.feeds), "--latency", str(options.latency)
            ) as base:
                got = dashboard(base, work, options)
            report_dashboard(got, options)
        if "keys" in only:
            with demo_server(
                "--tick",
                "0",
                "--feeds",
                str(server_feeds),
                "--latency",
                str(options.latency),
                nice=options.server_nice,
            ) as base:
                polls: dict[str, list[ColdPoll]] = {"same": [], "other": []}
                for run in range(options.cold_runs):
                    for kind in ("same", "other") if options.control else ("same",):
                        got_poll = keys_during_cold_poll(
                            base, work, f"cold{run}-{kind}", options, same_store=kind == "same"
                        )
                        polls[kind].append(got_poll)
                        if not got_poll.keys:
                            print(f"cold poll {run + 1} ({kind} store): over before a key")
                            continue
                        print(
                            f"cold poll {run + 1} ({kind} store): {got_poll.seconds:.1f} s,"
                            f" {len(got_poll.keys)} keys, worst {max(got_poll.keys) * 1000:.1f}"
                            f" ms; viewer CPU {got_poll.viewer_cpu:.2f} s, run-queue wait"
                            f" {got_poll.waited:.2f} s"
                        )
            report_keys(polls, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
