"""Poll benchmark: `ticker headlines --format json` against `ticker demo-server --feeds N`.

Cold runs start from an empty store (every feed answers 200 and is parsed and stored); warm runs
poll a store that already holds everything (every feed answers 304). Prints the median (min-max)
of wall time, CPU time (user+sys) and peak RSS of the ticker process, and checks that every item
was stored.

    python bench/poll.py [--feeds 1000] [--items 50] [--runs 5] [--latency 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from common import TICKER, count, demo_server, download, measure


def summary(values: list[float], unit: str) -> str:
    return f"{statistics.median(values):8.3f} {unit} ({min(values):.3f}-{max(values):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.0, help="ms added per request")
    parser.add_argument("--ticker", default=TICKER)
    options = parser.parse_args()

    load = (
        "--feeds",
        str(options.feeds),
        "--items",
        str(options.items),
        "--latency",
        str(options.latency),
        "--tick",
        "0",
    )
    with demo_server(*load) as base:
        with tempfile.TemporaryDirectory(prefix="ticker-bench-") as tmp:
            work = Path(tmp)
            opml = download(f"{base}/load.opml", work / "load.opml")
            env = dict(os.environ, TICKER_CONFIG=str(work / "config.toml"))
            expected = options.feeds * options.items
            results: dict[str, list[tuple[float, float, float]]] = {"cold": [], "warm": []}
            for run in range(options.runs):
                data = work / f"data{run}"
                command = [
                    options.ticker,
                    "headlines",
                    "--opml",
                    str(opml),
                    "--format",
                    "json",
                    "--data-dir",
                    str(data),
                ]
                results["cold"].append(measure(command, env))
                stored = count(data / "ticker.db", "items")
                if stored != expected:
                    raise SystemExit(f"cold run {run}: stored {stored} items, expected {expected}")
                results["warm"].append(measure(command, env))

        print(
            f"ticker headlines --format json, {options.feeds} feeds x {options.items} items,"
            f" {options.latency:g} ms latency, {options.runs} runs; every item stored"
        )
        print(f"{'':6} {'wall':>26} {'cpu':>26} {'peak rss':>28}")
        for kind, rows in results.items():
            walls, cpus, rss = zip(*rows, strict=True)
            print(
                f"{kind:6} {summary(list(walls), 's')} {summary(list(cpus), 's')}"
                f" {summary(list(rss), 'MB')}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
