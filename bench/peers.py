"""Peers: ticker against other Textual feed readers, on the same poll and first-paint measures.

For each N (demo feeds of 50 items from `ticker demo-server --feeds N`, 0 ms latency), every
run pairs ticker with each peer that runs here:

- poll: from an empty store to every item stored. ticker is `ticker headlines --opml FILE
  --format json` (wall, CPU and peak RSS from wait4, children included, as in poll.py). A peer
  without a headless refresh runs in a 120x40 tmux pane until its own database holds all N x 50
  items (sqlite count polled every 50 ms); its CPU and peak RSS come from /proc/PID at that
  moment (utime+stime, VmHWM). Setup steps a peer needs before it can fetch items (an OPML
  import) are measured on their own and added to its total.
- first paint: the stores the last poll left (N x 50 items), launched in a 120x40 pane of a tmux
  server of our own (`respawn-pane`, as bench/app.py does), time from launch to at least 10
  headline rows on screen (`capture-pane -p` every 10 ms).

Prints medians (min-max), the ticker/peer ratio pair by pair, and a markdown table with the
date, nproc, CPU model and what each peer needed to run. A peer that cannot run is reported in
one line with the reason and ticker is measured alone.

Peers live in venvs of their own, never in ticker's: lazyfeed in /work/peer-venvs/lazyfeed
(`python3.12 -m venv ...; pip install lazyfeed 'selectolax<1' 'textual<2'`, see LazyFeed).

    python bench/peers.py [--feeds 50 200 1000] [--runs 5] [--lazyfeed-venv DIR]

A full run takes about 50 minutes on 2 cores, most of it lazyfeed at 1000 feeds (about 6
minutes a run; its store is 870 MB then, so only the last run's is kept).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app import DEAD_SOURCE, ROW  # bench helpers, read-only
from common import (
    TICKER,
    count,
    cpu_model,
    cpu_seconds,
    demo_server,
    download,
    measure,
    peak_rss_mb,
)

ITEMS = 50
COLS, LINES = 120, 40
PAINT_ROWS = 10

Sample = tuple[float, float, float]  # wall s, CPU s, peak RSS MB


class PeerFailed(Exception):
    """A peer that started but did not do the job (the bench goes on without it)."""


# --------------------------------------------------------------------------- helpers


def proc_usage(pid: int) -> tuple[float, float]:
    """CPU seconds (user+sys, waited-for children included) and peak RSS MB of a live pid."""
    return cpu_seconds(pid), peak_rss_mb(pid)


def med(values: list[float], digits: int = 3) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


class Tmux:
    """A tmux server of our own with one 120x40 pane that keeps its process's exit."""

    def __init__(self) -> None:
        self.base = ["tmux", "-L", f"ticker-peers-{os.getpid()}"]
        self.session = "peers"
        self.run("new-session", "-d", "-s", self.session, "-x", str(COLS), "-y", str(LINES))
        self.run("set-option", "-g", "remain-on-exit", "on")

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], check=True, capture_output=True, text=True
        ).stdout

    def launch(self, command: str) -> None:
        self.run("respawn-pane", "-k", "-t", self.session, command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def dead(self) -> bool:
        return self.run("display-message", "-p", "-t", self.session, "#{pane_dead}").strip() == "1"

    def stop(self, quit_keys: str = "q", seconds: float = 5.0) -> None:
        """Quit the pane's program by its keys; kill it if it is still there after `seconds`."""
        self.killed = False
        if not self.dead():
            self.run("send-keys", "-t", self.session, quit_keys)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not self.dead():
                time.sleep(0.02)
        if not self.dead():
            self.killed = True
            pid = self.pid()
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not self.dead():
                time.sleep(0.02)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], check=False, capture_output=True)


def first_paint(tmux: Tmux, command: str, row: re.Pattern[str], seconds: float) -> float | None:
    """Launch to >= PAINT_ROWS headline rows on screen; None if they never came."""
    start = time.perf_counter()
    tmux.launch(command)
    deadline = start + seconds
    result = None
    while time.perf_counter() < deadline:
        if sum(1 for line in tmux.screen().splitlines() if row.search(line)) >= PAINT_ROWS:
            result = time.perf_counter() - start
            break
        time.sleep(0.01)
    return result


# --------------------------------------------------------------------------- ticker


def ticker_poll(opml: Path, data: Path, env: dict[str, str], expected: int) -> Sample:
    command = [
        TICKER,
        "headlines",
        "--opml",
        str(opml),
        "--format",
        "json",
        "--data-dir",
        str(data),
    ]
    sample = measure(command, env)
    stored = count(data / "ticker.db", "items")
    if stored != expected:
        raise SystemExit(f"ticker stored {stored} of {expected} items")
    return sample


def ticker_paint_command(data: Path, config: Path) -> str:
    return f"exec env TICKER_CONFIG={config} {TICKER} --data-dir {data} --source {DEAD_SOURCE}"


# --------------------------------------------------------------------------- peers


@dataclass
class PeerPoll:
    """One peer poll: its phases (name -> sample) and the total."""

    phases: dict[str, Sample] = field(default_factory=dict)

    @property
    def total(self) -> Sample:
        walls, cpus, rss = zip(*self.phases.values(), strict=True)
        return sum(walls), sum(cpus), max(rss)


class Peer:
    """What bench needs from a peer feed reader. Subclass it to add one."""

    name = "peer"
    row: re.Pattern[str] = re.compile(r"$^")  # a headline row on its screen

    def problem(self) -> str | None:
        """None if it can run here, else one line saying why not."""
        raise NotImplementedError

    def paint_problem(self) -> str | None:
        """None if its screen shows headlines, else why first paint is not measured."""
        return None

    def needed(self) -> str:
        """What it needed to run (versions, pins, workarounds)."""
        raise NotImplementedError

    def poll(self, tmux: Tmux, opml: Path, home: Path, feeds: int) -> PeerPoll:
        raise NotImplementedError

    def paint_command(self, home: Path) -> str:
        raise NotImplementedError

    def stored_items(self, home: Path) -> int:
        raise NotImplementedError


class LazyFeed(Peer):
    """lazyfeed (PyPI), a Textual RSS/Atom reader.

    What its source (0.5.9) does: config and its SQLite database both live in
    click.get_app_dir("lazyfeed") ($XDG_CONFIG_HOME/lazyfeed: config.toml, lazyfeed.db). Feeds
    are added through a modal in the app or by piping an OPML file to `lazyfeed` (stdin not a
    tty): that fetches every feed once (all at once) and stores only the feed rows. Items are
    fetched only in the app, by `R` or at start with `auto_load = true`: feeds one after
    another, and for each new item its article page too (the demo server serves them),
    converted to Markdown, one commit per feed. There is no headless refresh, so the poll runs
    the app in tmux until the item table holds N x 50 rows.

    What it needed: Python >= 3.12 (every release says so); `selectolax<1` (selectolax 1.0
    removed `selectolax.parser`, lazyfeed's import fails); `textual<2` (with any Textual from
    2.0 its screen stays blank apart from the header and footer; 1.0.0 is the only 1.x);
    and a config.toml written before its first run: the template it copies on first run has a
    `[client]` table its settings model forbids (pydantic "Extra inputs are not permitted"), so
    every start crashes; the table is `[http_client]`. At 1000 feeds its OPML import also
    needed `connect_timeout` raised from 10 s to 300 s (the total timeout): it gathers every
    feed at once over aiohttp's pool of 100 connections, and the wait for a pooled connection
    counts against the connect timeout, so with 10 s it dropped 99-117 of 1000 feeds
    ("Connection timeout to host"). The bench uses 300 s at every N; below 1000 feeds no
    request came near 10 s.
    """

    name = "lazyfeed"
    row = re.compile(r"││\s+[^\s│]")  # a row of the items panel, right of the feeds panel
    SETTINGS = (
        "name",
        "version",
        "http_client",
        "theme",
        "auto_read",
        "auto_load",
        "confirm_before_read",
        "sort_by",
        "sort_order",
    )

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.exe = venv / "bin" / "lazyfeed"
        self.python = venv / "bin" / "python"
        self._versions: dict[str, str] | None = None

    def versions(self) -> dict[str, str]:
        if self._versions is None:
            script = (
                "import sys, importlib.metadata as m\n"
                "print('python', sys.version.split()[0])\n"
                "for d in ('lazyfeed', 'textual', 'selectolax', 'feedparser', 'aiohttp',"
                " 'sqlalchemy', 'pydantic-settings'):\n"
                "    try: print(d, m.version(d))\n"
                "    except m.PackageNotFoundError: print(d, 'missing')\n"
            )
            out = subprocess.run(
                [str(self.python), "-c", script], capture_output=True, text=True, check=False
            ).stdout
            self._versions = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
        return self._versions

    def problem(self) -> str | None:
        if not self.exe.exists():
            return (
                f"lazyfeed not installed at {self.venv} (needs Python >= 3.12:"
                f" python3.12 -m venv {self.venv}; {self.venv}/bin/pip install lazyfeed"
                " 'selectolax<1' 'textual<2')"
            )
        check = subprocess.run(
            [str(self.python), "-c", "import lazyfeed.main"], capture_output=True, text=True
        )
        if check.returncode != 0:
            last = (check.stderr.strip().splitlines() or ["?"])[-1]
            return f"lazyfeed does not import: {last[:200]}"
        return None

    def paint_problem(self) -> str | None:
        textual = self.versions().get("textual", "0")
        if int(textual.split(".")[0]) >= 2:
            return f"lazyfeed's screen is blank with textual {textual} (needs textual<2)"
        return None

    def needed(self) -> str:
        v = self.versions()
        return (
            f"lazyfeed {v.get('lazyfeed')} in its own venv on Python {v.get('python')} (it"
            f" requires >= 3.12), selectolax {v.get('selectolax')} (`selectolax<1`: 1.0 removed"
            f" the module it imports), textual {v.get('textual')} (`textual<2`: blank screen"
            " from 2.0), a config.toml written before the first run with `[http_client]` in"
            " place of its template's `[client]` (its own first-run config fails validation),"
            " and `connect_timeout = 300` (with its 10 s its import lost ~10 % of 1000 feeds to"
            " connection timeouts waiting for its 100-connection pool),"
            " feeds imported by piping the OPML to `lazyfeed`, items fetched only in the app"
            " (`auto_load = true`), each item's article page fetched too"
        )

    def env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k.lower() not in self.SETTINGS}
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CACHE_HOME=str(home / ".cache"),
        )
        return env

    def app_dir(self, home: Path) -> Path:
        return home / ".config" / "lazyfeed"

    def configure(self, home: Path, auto_load: bool) -> None:
        directory = self.app_dir(home)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "config.toml").write_text(
            'theme = "dracula"\n'
            "auto_read = false\n"
            f"auto_load = {'true' if auto_load else 'false'}\n"
            "confirm_before_read = true\n"
            'sort_by = "published_at"\n'
            'sort_order = "descending"\n'
            # connect_timeout: 10 in its template; see the class's doc
            "\n[http_client]\ntimeout = 300\nconnect_timeout = 300\n"
        )

    def shell_env(self, home: Path) -> str:
        return (
            f"HOME={home} XDG_CONFIG_HOME={home}/.config XDG_DATA_HOME={home}/.local/share"
            f" XDG_CACHE_HOME={home}/.cache"
        )

    def poll(self, tmux: Tmux, opml: Path, home: Path, feeds: int) -> PeerPoll:
        expected = feeds * ITEMS
        db = self.app_dir(home) / "lazyfeed.db"
        self.configure(home, auto_load=True)
        result = PeerPoll()
        # 1. feeds: `lazyfeed < OPML` (headless; fetches each feed once for its title)
        log = home / "import.log"
        start = time.perf_counter()
        with opml.open("rb") as stdin, log.open("wb") as out:
            proc = subprocess.Popen(
                [str(self.exe)], env=self.env(home), stdin=stdin, stdout=out, stderr=out
            )
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        said = " ".join(log.read_text(errors="replace").split())  # rich wraps at 80 columns
        if os.waitstatus_to_exitcode(status) != 0:
            raise PeerFailed(f"`lazyfeed < OPML` failed: {said[-300:]}")
        result.phases["import"] = (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
        if (stored := count(db, "feed")) != feeds:
            first = said.find("❌")
            why = f" (first error: {said[first : first + 160]})" if first >= 0 else ""
            raise PeerFailed(f"its OPML import stored {stored} of {feeds} feeds{why}")
        # 2. items: the app with auto_load, until its database holds every item
        start = time.perf_counter()
        tmux.launch(f"exec env {self.shell_env(home)} {self.exe}")
        pid = tmux.pid()
        deadline = start + 120 + feeds * 2.0
        cpu = rss = 0.0
        while True:
            stored = count(db, "item")
            if stored >= expected:
                wall = time.perf_counter() - start
                cpu, rss = proc_usage(pid)
                break
            if tmux.dead():
                raise PeerFailed(f"the app exited having stored {stored} of {expected} items")
            if time.perf_counter() > deadline:
                tmux.stop()
                raise PeerFailed(
                    f"the app stored {stored} of {expected} items in {deadline - start:.0f} s"
                )
            time.sleep(0.05)
        tmux.stop("q")
        if tmux.killed:
            print("  note: lazyfeed did not quit on q after its fetch; killed", flush=True)
        if stored != expected:
            raise PeerFailed(f"the app stored {stored} of {expected} items")
        result.phases["fetch"] = (wall, cpu, rss)
        self.configure(home, auto_load=False)  # first paint must not fetch
        return result

    def paint_command(self, home: Path) -> str:
        return f"exec env {self.shell_env(home)} {self.exe}"

    def stored_items(self, home: Path) -> int:
        return count(self.app_dir(home) / "lazyfeed.db", "item")


# --------------------------------------------------------------------------- the bench


def bench(
    feeds: int, runs: int, peers: list[Peer], paint_peers: list[Peer], tmux: Tmux
) -> dict[str, Any]:
    expected = feeds * ITEMS
    peers, paint_peers = list(peers), list(paint_peers)  # a failure drops a peer for this N
    failures: dict[str, str] = {}
    polls: dict[str, list[Any]] = {"ticker": [], **{p.name: [] for p in peers}}
    paints: dict[str, list[float | None]] = {"ticker": [], **{p.name: [] for p in paint_peers}}
    load = ("--feeds", str(feeds), "--items", str(ITEMS), "--latency", "0", "--tick", "0")
    with (
        demo_server(*load) as base,
        tempfile.TemporaryDirectory(prefix="ticker-peers-") as tmp,
    ):
        work = Path(tmp)
        opml = download(f"{base}/load.opml", work / "load.opml")
        config = work / "ticker.toml"
        config.write_text("[poll]\ntimeout = 10\n")
        env = dict(os.environ, HOME=str(work), TICKER_CONFIG=str(config))
        for run in range(runs):
            data = work / f"ticker{run}"
            polls["ticker"].append(ticker_poll(opml, data, env, expected))
            for peer in list(peers):
                home = work / f"{peer.name}{run}"
                try:
                    polls[peer.name].append(peer.poll(tmux, opml, home, feeds))
                except PeerFailed as error:
                    print(
                        f"{peer.name} failed at {feeds} feeds, run {run + 1}: {error};"
                        f" measuring ticker alone at {feeds} feeds",
                        flush=True,
                    )
                    failures[peer.name] = f"failed in run {run + 1}: {error}"
                    del polls[peer.name]
                    peers.remove(peer)
                    if peer in paint_peers:
                        paint_peers.remove(peer)
                    del paints[peer.name]
                if run < runs - 1:  # only the last run's store is painted (lazyfeed's
                    shutil.rmtree(home, ignore_errors=True)  # is 870 MB at 1000 feeds)
            walls = [f"ticker {polls['ticker'][-1][0]:.2f} s"] + [
                f"{p.name} {polls[p.name][-1].total[0]:.2f} s" for p in peers
            ]
            print(f"  poll run {run + 1}/{runs}: {', '.join(walls)}", flush=True)
        last = runs - 1
        # first paint over the stores the last poll left
        config.write_text("[poll]\ntimeout = 2\n")
        for _ in range(runs):
            took = first_paint(tmux, ticker_paint_command(work / f"ticker{last}", config), ROW, 60)
            tmux.stop("q")
            paints["ticker"].append(took)
            for peer in paint_peers:
                took = first_paint(
                    tmux, peer.paint_command(work / f"{peer.name}{last}"), peer.row, 300
                )
                tmux.stop("q")
                paints[peer.name].append(took)
        for peer in paint_peers:  # the rows counted were the stored items, no more
            if peer.stored_items(work / f"{peer.name}{last}") != expected:
                raise SystemExit(f"{peer.name}'s store changed during first paint")
            if None in paints[peer.name]:
                print(f"{peer.name} showed no headline rows in 300 s in a first-paint run")
    return {"polls": polls, "paints": paints, "failures": failures}


def report(feeds: int, runs: int, results: dict[str, Any], peers: list[Peer]) -> list[list[str]]:
    polls, paints = results["polls"], results["paints"]
    rows: list[list[str]] = []
    print(
        f"\n{feeds} feeds x {ITEMS} items = {feeds * ITEMS} items, 0 ms latency, {runs} runs;"
        " every item stored in every run"
    )
    print(f"{'poll':28} {'wall s':>22} {'cpu s':>22} {'peak RSS MB':>22}")
    t_walls, t_cpus, t_rss = (list(c) for c in zip(*polls["ticker"], strict=True))
    print(f"{'ticker headlines':28} {med(t_walls):>22} {med(t_cpus):>22} {med(t_rss, 0):>22}")
    rows.append([f"poll, {feeds} feeds", "ticker", med(t_walls), med(t_cpus), med(t_rss, 0), ""])
    for name, why in results["failures"].items():
        print(f"{name}: {why}")
        rows.append([f"poll, {feeds} feeds", name, why.replace("|", "/"), "", "", ""])
    for peer in peers:
        if peer.name not in polls:
            continue
        samples: list[PeerPoll] = polls[peer.name]
        for phase in samples[0].phases:
            w, c, r = (list(x) for x in zip(*(s.phases[phase] for s in samples), strict=True))
            print(f"{peer.name + ' ' + phase:28} {med(w):>22} {med(c):>22} {med(r, 0):>22}")
            rows.append(
                [f"poll, {feeds} feeds", f"{peer.name} {phase}", med(w), med(c), med(r, 0), ""]
            )
        w, c, r = (list(x) for x in zip(*(s.total for s in samples), strict=True))
        ratios = [t / p for t, p in zip(t_walls, w, strict=True)]
        fetch = [t / s.phases["fetch"][0] for t, s in zip(t_walls, samples, strict=True)]
        print(f"{peer.name + ' total':28} {med(w):>22} {med(c):>22} {med(r, 0):>22}")
        print(
            f"ticker/{peer.name} poll wall, pair by pair: total {med(ratios)},"
            f" fetch phase alone {med(fetch)}"
        )
        rows.append(
            [f"poll, {feeds} feeds", f"{peer.name} total", med(w), med(c), med(r, 0), med(ratios)]
        )
    t_paint = paints["ticker"]
    print(f"first paint ({feeds * ITEMS} stored items, {COLS}x{LINES} tmux, >= {PAINT_ROWS} rows)")
    if None in t_paint:
        raise SystemExit("ticker showed no headlines in a first-paint run")
    print(f"{'ticker':28} {med(t_paint):>22} s")
    rows.append([f"first paint, {feeds * ITEMS} items", "ticker", med(t_paint), "", "", ""])
    for name, values in paints.items():
        if name == "ticker":
            continue
        if None in values:
            print(f"{name:28} no headline rows in {values.count(None)} of {len(values)} runs")
            continue
        ratios = [t / p for t, p in zip(t_paint, values, strict=True)]
        print(f"{name:28} {med(values):>22} s   ticker/{name} pair by pair {med(ratios)}")
        rows.append(
            [
                f"first paint, {feeds * ITEMS} items",
                name,
                med(values),
                "",
                "",
                med(ratios),
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lazyfeed-venv", type=Path, default=Path("/work/peer-venvs/lazyfeed"))
    options = parser.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux not found (apt-get install -y tmux): peers and first paint need it")

    candidates: list[Peer] = [LazyFeed(options.lazyfeed_venv)]
    peers: list[Peer] = []
    for peer in candidates:
        if (why := peer.problem()) is not None:
            print(f"{peer.name} cannot run: {why}; measuring ticker alone")
        else:
            peers.append(peer)
    paint_peers = []
    for peer in peers:
        if (why := peer.paint_problem()) is not None:
            print(f"{peer.name} first paint not measured: {why}")
        else:
            paint_peers.append(peer)
    print(f"machine: {os.cpu_count()} cores ({cpu_model()}); ticker concurrency 16 (default)")

    table: list[list[str]] = []
    tmux = Tmux()
    try:
        for feeds in options.feeds:
            results = bench(feeds, options.runs, peers, paint_peers, tmux)
            table += report(feeds, options.runs, results, peers)
    finally:
        tmux.close()

    print(
        f"\n{date.today().isoformat()}, nproc {os.cpu_count()}, {cpu_model()},"
        f" {options.runs} runs, medians (min-max)\n"
    )
    print("| measure | who | wall s | CPU s | peak RSS MB | ticker/peer wall, pair by pair |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in table:
        print("| " + " | ".join(row) + " |")
    for peer in candidates:
        if peer in peers:
            print(f"\nWhat {peer.name} needed to run: {peer.needed()}.")
        else:
            print(f"\n{peer.name} could not run: {peer.problem()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
