"""Poll: ticker against newsboat on the same feeds, in the same run, pair by pair.

`ticker demo-server --feeds N --items 50 --latency MS` serves N static feeds on 127.0.0.1.
Each run polls them cold (empty store / cache: every feed 200) and then warm (every feed 304):
`ticker headlines --format json` against `newsboat -x reload` with `reload-threads` equal to
ticker's concurrency (16). Wall time, CPU (user+sys, children included) and peak RSS come from
wait4; both must have stored every item. Prints medians (min-max) and the ticker/newsboat ratio
of each pair. Without newsboat (`apt-get install -y newsboat`) it says so and measures ticker.

    python bench/vs_newsboat_poll.py [--feeds 50 200 1000] [--latency 0 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import TICKER, count, demo_server, download, measure

CONCURRENCY = 16
ITEMS = 50


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} ({min(values):.3f}-{max(values):.3f})"


def bench(feeds: int, latency: float, runs: int, newsboat: str | None) -> None:
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    options = (
        "--feeds",
        str(feeds),
        "--items",
        str(ITEMS),
        "--latency",
        str(latency),
        "--tick",
        "0",
    )
    with (
        demo_server(*options) as base,
        tempfile.TemporaryDirectory(prefix="ticker-vs-newsboat-") as tmp,
    ):
        work = Path(tmp)
        opml = download(f"{base}/load.opml", work / "load.opml")
        urls = work / "urls"
        urls.write_text("".join(f"{base}/load/{i}.rss\n" for i in range(feeds)))
        config = work / "newsboat.conf"
        config.write_text(f"reload-threads {CONCURRENCY}\n")
        ticker_config = work / "ticker.toml"
        ticker_config.write_text(f"[poll]\nconcurrency = {CONCURRENCY}\n")
        env = dict(os.environ, HOME=str(work), TICKER_CONFIG=str(ticker_config))
        expected = feeds * ITEMS
        for run in range(runs):
            data = work / f"ticker{run}"
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
            for phase in ("cold", "warm"):
                results.setdefault(("ticker", phase), []).append(measure(command, env))
                stored = count(data / "ticker.db", "items")
                if stored != expected:
                    raise SystemExit(f"ticker stored {stored} of {expected} items")
            if newsboat is None:
                continue
            cache = work / f"newsboat{run}.db"
            nb = [
                newsboat,
                "-u",
                str(urls),
                "-c",
                str(cache),
                "-C",
                str(config),
                "-x",
                "reload",
            ]
            for phase in ("cold", "warm"):
                results.setdefault(("newsboat", phase), []).append(measure(nb, env))
                stored = count(cache, "rss_item")
                if stored != expected:
                    raise SystemExit(f"newsboat stored {stored} of {expected} items")

    print(
        f"\n{feeds} feeds x {ITEMS} items, {latency:g} ms latency, {runs} runs, every item stored"
    )
    print(f"{'':18} {'wall s':>22} {'cpu s':>22} {'peak RSS MB':>24}")
    for (who, phase), rows in results.items():
        walls, cpus, rss = (list(column) for column in zip(*rows, strict=True))
        print(f"{who + ' ' + phase:18} {summary(walls):>22} {summary(cpus):>22} {summary(rss):>24}")
    if newsboat is not None:
        for phase in ("cold", "warm"):
            pairs = zip(results[("ticker", phase)], results[("newsboat", phase)], strict=True)
            ratios = [t[0] / n[0] for t, n in pairs]
            print(
                f"ticker/newsboat wall, {phase}: median {statistics.median(ratios):.3f}"
                f" ({min(ratios):.3f}-{max(ratios):.3f})"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 50.0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        print("newsboat not found (apt-get install -y newsboat): measuring ticker alone")
    print(
        f"machine: {os.cpu_count()} cores; ticker concurrency = newsboat reload-threads = "
        f"{CONCURRENCY}"
    )
    for latency in options.latency:
        for feeds in options.feeds:
            bench(feeds, latency, options.runs, newsboat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
