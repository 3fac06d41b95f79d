"""Keys in a real terminal: from a keypress to the frame that shows it, written to the pty.

ticker runs on a pseudo-terminal of 120x40 that this script owns, as it would under a terminal
emulator or sshd. A key is written to the pty's master at t0; every byte the app writes back is
timestamped as it is read; after the burst the bytes are replayed into a terminal emulator
(pyte) one read at a time, and the key's time is when the read that completed the frame showing
its effect arrived (the selected headline changed, or the article's first words are on screen).
Replaying after the burst keeps the emulator's own cost out of the times.

Measures (issue 5):
- scrolling: `j` and PgDn over 100,000 stored headlines, idle app (median, p99);
- input during a poll: `j`/`k` while 1000 slow feeds (200 ms a request) are polled cold;
- reader: Enter to the article painted (fetch + extraction + render) on demo articles.

    python bench/keys.py [--runs 5] [--keys 100] [--articles 10] [--only scroll,poll,reader]

Needs pyte (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import select
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

try:
    import pyte
except ImportError:
    raise SystemExit("bench/keys.py needs pyte: pip install -e '.[bench]'") from None

sys.path.insert(0, str(Path(__file__).parent))
from app import DEAD_SOURCE, build_store
from common import TICKER, demo_server, download, peak_rss_mb

COLS, ROWS = 120, 40
QUIET = 0.03  # a burst of output ends after this long without a byte
PGDN = b"\x1b[6~"
Expect = Callable[[pyte.Screen], Callable[[pyte.Screen], bool]]


class Term:
    """A command on a pty of our own, with an emulator that sees what the command wrote."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        full = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", **env)
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=full, start_new_session=True
        )
        os.close(slave)
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def read_burst(self, first_wait: float, longest: float = 1.0) -> list[tuple[float, bytes]]:
        """Reads until QUIET passes without output (waiting first_wait for the first byte)."""
        chunks: list[tuple[float, bytes]] = []
        start = time.perf_counter()
        while True:
            wait = first_wait if not chunks else QUIET
            if time.perf_counter() - start > longest and chunks:
                return chunks
            ready, _, _ = select.select([self.master], [], [], wait)
            if not ready:
                return chunks
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:  # the app exited
                return chunks
            chunks.append((time.perf_counter(), data))

    def settle(self, seconds: float = 0.3, deadline: float = 30.0) -> None:
        """Feeds the emulator until the app has written nothing for `seconds`."""
        end = time.perf_counter() + deadline
        while time.perf_counter() < end:
            chunks = self.read_burst(seconds)
            if not chunks:
                return
            for _, data in chunks:
                self.stream.feed(data)
        raise SystemExit("the app never went quiet")

    def wait_screen(self, ready: Callable[[pyte.Screen], bool], timeout: float = 30.0) -> float:
        """Feeds output until `ready(screen)`; returns the time the deciding read arrived."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            for stamp, data in self.read_burst(0.05):
                self.stream.feed(data)
                if ready(self.screen):
                    return stamp
        raise SystemExit("timed out waiting for the screen")

    def drain(self) -> None:
        """Feeds whatever the app has written already, so that no old frame counts as new."""
        while select.select([self.master], [], [], 0)[0]:
            try:
                self.stream.feed(os.read(self.master, 1 << 16))
            except OSError:
                return

    def press(self, key: bytes, expect: Expect, timeout: float = 10.0) -> float:
        """Seconds from writing `key` to the end of the frame that shows what `expect` wants.

        `expect` sees the screen before the key and returns the test for the screen after.
        """
        self.drain()
        changed = expect(self.screen)
        t0 = time.perf_counter()
        os.write(self.master, key)
        end = t0 + timeout
        while time.perf_counter() < end:
            chunks = self.read_burst(timeout, longest=0.5)
            for i, (_, data) in enumerate(chunks):
                self.stream.feed(data)
                if changed(self.screen):
                    # The frame may span more reads of the same write: take its last one.
                    last = i
                    while last + 1 < len(chunks) and chunks[last + 1][0] - chunks[last][0] < 0.002:
                        last += 1
                    for _, rest in chunks[i + 1 :]:
                        self.stream.feed(rest)
                    return chunks[last][0] - t0
        raise SystemExit(f"no frame showed {key!r} within {timeout} s")

    def close(self) -> float:
        """Quits the app; returns its peak RSS (VmHWM) in MB, read before it exits."""
        peak = peak_rss_mb(self.proc.pid)
        with contextlib.suppress(OSError):
            os.write(self.master, b"q")
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        return peak


def selected(screen: pyte.Screen) -> str | None:
    """The text of the selected headline row: the pane's one row with the cursor's colours."""
    backgrounds = [screen.buffer[y][3].bg for y in range(ROWS - 2)]
    common = max(set(backgrounds), key=backgrounds.count)
    rows = [y for y, bg in enumerate(backgrounds) if bg != common]
    return screen.display[rows[0]].rstrip() if len(rows) == 1 else None


def headline_rows(screen: pyte.Screen) -> int:
    return sum(1 for line in screen.display if line[1:3].isdigit() and line[3] == ":")


def moved(before: pyte.Screen) -> Callable[[pyte.Screen], bool]:
    """After the key, another headline is selected."""
    old = selected(before)
    return lambda screen: (now := selected(screen)) is not None and now != old


def shows(words: str) -> Expect:
    return lambda _: lambda screen: any(words in line for line in screen.display)


def summary(name: str, values: list[float], target: str = "") -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f}"
        f" | {p99:.2f} | {len(values)} | {target} |"
    )


def ms(values: list[float]) -> list[float]:
    return [v * 1000 for v in values]


# -- the measures ---------------------------------------------------------------------------


def scrolling(tmp: Path, runs: int, keys: int, headlines: int) -> dict[str, list[float]]:
    data, config = tmp / "scroll", tmp / "scroll.toml"
    data.mkdir()
    config.write_text("[poll]\ntimeout = 2\n")
    build_store(data, headlines)
    results: dict[str, list[float]] = {"j": [], "pgdn": [], "peak_mb": []}
    for _ in range(runs):
        term = Term(
            [TICKER, "--data-dir", str(data), "--source", DEAD_SOURCE],
            {"TICKER_CONFIG": str(config)},
        )
        term.wait_screen(lambda s: headline_rows(s) >= 10 and selected(s) is not None)
        term.settle(0.5)  # every row loaded, the first poll failed, nothing else to draw
        for key, name in ((b"j", "j"), (PGDN, "pgdn")):
            for _ in range(keys):
                results[name].append(term.press(key, moved))
                term.settle(0.02)
        results["peak_mb"].append(term.close())
    return results


def poll_input(tmp: Path, feeds: int, latency: int, pace: float) -> dict[str, float | list[float]]:
    data, config, opml = tmp / "poll", tmp / "poll.toml", tmp / "poll.opml"
    data.mkdir()
    config.write_text("[poll]\ntimeout = 20\n")
    build_store(data, 2000)  # something to move over while the poll fills the store
    with demo_server("--feeds", str(feeds), "--latency", str(latency)) as base:
        download(base + "/load.opml", opml)
        term = Term(
            [TICKER, "--data-dir", str(data), "--opml", str(opml)],
            {"TICKER_CONFIG": str(config)},
        )
        started = term.wait_screen(lambda s: headline_rows(s) >= 10 and selected(s) is not None)
        # Away from the top, so rows the poll inserts above leave the selection where it is.
        term.press(b"G", moved)
        expected = 2000 + feeds * 50
        db = sqlite3.connect(f"file:{data / 'ticker.db'}?mode=ro", uri=True)
        delays: list[float] = []
        during: list[float] = []
        keys = [b"k", b"j"]
        while True:
            stored = int(db.execute("SELECT count(*) FROM items").fetchone()[0])
            delay = term.press(keys[len(delays) % 2], moved)
            delays.append(delay)
            if stored < expected:
                during.append(delay)
            else:
                break
            time.sleep(pace)  # a key every `pace` seconds, like a user reading and moving
        poll_seconds = time.perf_counter() - started
        db.close()
        term.close()
    return {"during": during, "all": delays, "poll_seconds": poll_seconds}


def reader(tmp: Path, articles: int) -> list[float]:
    data, config, probe = tmp / "reader", tmp / "reader.toml", tmp / "probe"
    data.mkdir()
    probe.mkdir()
    config.write_text("[poll]\ntimeout = 5\ninterval = 3600\n")
    env = {"TICKER_CONFIG": str(config)}
    with demo_server() as base:
        feed = base + "/feeds/world.rss"
        listing = subprocess.run(
            [TICKER, "headlines", "--data-dir", str(data), "--source", feed, "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, **env),
        ).stdout
        by_title = [json.loads(line) for line in listing.splitlines()]
        term = Term([TICKER, "--data-dir", str(data), "--source", feed], env)
        term.wait_screen(lambda s: headline_rows(s) >= 5 and selected(s) is not None)
        term.settle(0.5)
        times = []
        for _ in range(articles):
            row = selected(term.screen) or ""
            item = next(h for h in by_title if h["title"][:40] in row)
            body = subprocess.run(
                [TICKER, "read", item["url"], "--data-dir", str(probe), "--format", "json"],
                capture_output=True,
                text=True,
                check=True,
                env=dict(os.environ, **env),
            ).stdout
            words = " ".join(json.loads(body)["body"].split()[:4])
            times.append(term.press(b"\r", shows(words)))
            term.settle(0.2)
            term.press(b"q", lambda _: lambda s: selected(s) is not None)
            term.settle(0.2)
            term.press(b"j", moved)
        term.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="app launches for scrolling")
    parser.add_argument("--keys", type=int, default=100, help="j and PgDn presses per launch")
    parser.add_argument("--headlines", type=int, default=100_000)
    parser.add_argument("--feeds", type=int, default=1000, help="slow feeds polled for input")
    parser.add_argument("--latency", type=int, default=200, help="ms each slow feed takes")
    parser.add_argument("--pace", type=float, default=0.05, help="s between keys in the poll")
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--only", default="scroll,poll,reader")
    options = parser.parse_args()
    only = set(options.only.split(","))
    header = "| measure | median ms | min | max | p99 | n | target |\n" + "| --- " * 7 + "|"
    rows = []
    with tempfile.TemporaryDirectory(prefix="ticker-bench-keys-") as name:
        tmp = Path(name)
        if "scroll" in only:
            got = scrolling(tmp, options.runs, options.keys, options.headlines)
            rows.append(
                summary("`j`, key to frame written", ms(got["j"]), "median <= 5, p99 <= 20")
            )
            rows.append(
                summary("PgDn, key to frame written", ms(got["pgdn"]), "median <= 5, p99 <= 20")
            )
            peaks = got["peak_mb"]
            print(
                f"app peak RSS over {options.runs} launches with {options.headlines} headlines "
                f"and {options.keys} j + {options.keys} PgDn: median {statistics.median(peaks):.0f}"
                f" MB (max {max(peaks):.0f}), target <= 200 MB"
            )
        if "poll" in only:
            got = poll_input(tmp, options.feeds, options.latency, options.pace)
            during = ms(got["during"])  # type: ignore[arg-type]
            rows.append(
                summary(
                    f"`j`/`k` during a cold poll of {options.feeds} feeds x {options.latency} ms",
                    during,
                    "worst <= 50",
                )
            )
            print(
                f"poll of {options.feeds} slow feeds took {got['poll_seconds']:.1f} s; "
                f"{len(during)} keys during it, worst {max(during):.1f} ms"
            )
        if "reader" in only:
            times = ms(reader(tmp, options.articles))
            rows.append(summary("Enter to article painted (demo article)", times, "median <= 300"))
    print(header)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
