"""The app with 100,000 stored headlines: first paint in a real terminal, and keypress cost.

First paint: `ticker` starts in a 120x40 tmux pane; the time is from launch to the first
headline rows on screen (`tmux capture-pane -p` polled every 10 ms). Keypresses: the app runs
headless (App.run_test) at 120x40 and each `j` and PgDn costs the CPU time the process spends
from the key to the refreshed screen (Pilot's press, then pause until idle; Pilot's own idle
detection sleeps in 20 ms steps, so wall time would measure Pilot, not ticker). Both print
median, min, max and p99 of the runs. Nothing is fetched from outside: the only source is a
closed port on 127.0.0.1.

    python bench/app.py [--headlines 100000] [--runs 5] [--keys 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROW = re.compile(r"^\s*\d\d:\d\d\s")
DEAD_SOURCE = "http://127.0.0.1:9/feed"  # nothing listens on the discard port


def build_store(data: Path, count: int) -> None:
    from ticker.model import Badge, Headline, Source
    from ticker.store import PollRecord, Store

    now = datetime.now(UTC)
    sources = [Source(f"Desk {i:02d}", f"http://127.0.0.1:9/desk/{i}") for i in range(20)]
    with Store(data / "ticker.db") as store:
        per = count // len(sources)
        records = []
        for s, source in enumerate(sources):
            records.append(
                PollRecord(
                    source,
                    time.time(),
                    [
                        Headline(
                            source.url,
                            f"{s}-{i}",
                            f"Headline {i} from desk {s}: council approves the harbour plan",
                            f"http://127.0.0.1:9/{s}/{i}",
                            now - timedelta(seconds=(i * len(sources) + s) * 17),
                            badges=Badge(1 << (i % 9)) if i % 9 < 8 else Badge(0),
                        )
                        for i in range(per)
                    ],
                )
            )
        store.save(records)


def first_paint(data: Path, config: Path, runs: int) -> list[float]:
    ticker = str(Path(sys.executable).with_name("ticker"))
    tmux = ["tmux", "-L", f"ticker-bench-{os.getpid()}"]  # a server of our own
    session = "paint"
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "40"], check=True)
    times = []
    try:
        for _ in range(runs):
            command = f"TICKER_CONFIG={config} {ticker} --data-dir {data} --source {DEAD_SOURCE}"
            start = time.perf_counter()
            subprocess.run([*tmux, "respawn-pane", "-k", "-t", session, command], check=True)
            deadline = start + 20
            while time.perf_counter() < deadline:
                screen = subprocess.run(
                    [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True
                ).stdout
                if sum(1 for line in screen.splitlines() if ROW.match(line)) >= 10:
                    times.append(time.perf_counter() - start)
                    break
                time.sleep(0.01)
            else:
                raise SystemExit("no headlines on screen after 20 s")
            subprocess.run([*tmux, "send-keys", "-t", session, "q"], check=True)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    return times


async def keypresses(data: Path, config: Path, keys: int) -> dict[str, list[float]]:
    os.environ["TICKER_CONFIG"] = str(config)
    from ticker import config as settings_module
    from ticker.app.app import TickerApp
    from ticker.model import Source
    from ticker.session import Session

    settings = settings_module.load(config)
    session = Session(data / "ticker.db", [Source("Dead", DEAD_SOURCE)], settings)
    app = TickerApp(session, poll=False)
    results: dict[str, list[float]] = {"j": [], "pagedown": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key in ("j", "pagedown"):
            for _ in range(keys):
                start = time.process_time()
                await pilot.press(key)
                await pilot.pause()
                results[key].append((time.process_time() - start) * 1000)
            await pilot.press("g")
            await pilot.pause()
    return results


def line(name: str, values: list[float], unit: str) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:22} median {statistics.median(values):8.3f} {unit}  min {min(values):8.3f}"
        f"  max {max(values):8.3f}  p99 {p99:8.3f}  (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headlines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=200)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ticker-bench-app-") as tmp:
        data, config = Path(tmp) / "data", Path(tmp) / "config.toml"
        data.mkdir()
        config.write_text("[poll]\ntimeout = 2\n")
        started = time.perf_counter()
        build_store(data, options.headlines)
        print(f"{options.headlines} headlines stored in {time.perf_counter() - started:.1f} s")
        if shutil.which("tmux"):
            print(line("first paint (tmux)", first_paint(data, config, options.runs), "s"))
        else:
            print("tmux not found: first paint not measured")
        results = asyncio.run(keypresses(data, config, options.keys))
        print(line("j (CPU, headless)", results["j"], "ms"))
        print(line("PgDn (CPU, headless)", results["pagedown"], "ms"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
