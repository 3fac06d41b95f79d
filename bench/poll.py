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
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


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


def run_ticker(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one ticker process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"ticker failed ({proc.returncode}): {err[:2000]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def summary(values: list[float], unit: str) -> str:
    return f"{statistics.median(values):8.3f} {unit} ({min(values):.3f}-{max(values):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.0, help="ms added per request")
    parser.add_argument("--ticker", default=str(Path(sys.executable).with_name("ticker")))
    options = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [
            options.ticker,
            "demo-server",
            "--port",
            str(port),
            "--feeds",
            str(options.feeds),
            "--items",
            str(options.items),
            "--latency",
            str(options.latency),
            "--tick",
            "0",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/load.opml")
        with tempfile.TemporaryDirectory(prefix="ticker-bench-") as tmp:
            work = Path(tmp)
            opml = work / "load.opml"
            with urllib.request.urlopen(f"{base}/load.opml") as answer:
                opml.write_bytes(answer.read())
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
                results["cold"].append(run_ticker(command, env))
                stored = (
                    sqlite3.connect(data / "ticker.db")
                    .execute("SELECT count(*) FROM items")
                    .fetchone()[0]
                )
                if stored != expected:
                    raise SystemExit(f"cold run {run}: stored {stored} items, expected {expected}")
                results["warm"].append(run_ticker(command, env))

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
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
