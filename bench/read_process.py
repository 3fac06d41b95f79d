"""`ticker read URL` timed as a whole process against `ticker demo-server` on 127.0.0.1.

    python bench/read_process.py [--runs 9] [--importtime]

Each run is a new `python -m ticker read URL` (interpreter start, imports, fetch, extraction,
store write, output) on a different article of the demo newsroom. "first read" gives every run
an empty data directory, so the page is fetched and extracted; "saved copy" reads an article
already in the store (what a second `ticker read` of the same URL costs). Median and p95 of
wall-clock seconds. `--importtime` prints the slowest imports of one first read (cumulative
microseconds per `python -X importtime`, top-level modules only).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
_ANNOUNCE = re.compile(r"at (http://127\.0\.0\.1:\d+)/")
_ARTICLE = re.compile(r"<link>(http://127\.0\.0\.1:\d+/articles/[^<]+)</link>")


def start_server() -> tuple[subprocess.Popen[str], str]:
    """`ticker demo-server` on a free loopback port, and its base URL once it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "ticker", "demo-server", "--port", "0", "--tick", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=_ROOT,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    match = _ANNOUNCE.search(line)
    if match is None:
        server.kill()
        raise SystemExit(f"demo-server did not start: {line!r}")
    return server, match.group(1)


def article_urls(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/feeds/world.rss", timeout=10) as response:
        feed = response.read().decode("utf-8")
    return list(dict.fromkeys(_ARTICLE.findall(feed)))


def read(url: str, data_dir: str, *extra: str) -> float:
    """Seconds for one `ticker read` process; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *extra, "-m", "ticker", "read", "--data-dir", data_dir, url],
        capture_output=True,
        text=True,
        cwd=_ROOT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "0"},
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"ticker read {url} failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds


def summary(name: str, seconds: list[float]) -> str:
    p95 = statistics.quantiles(seconds, n=20)[-1] if len(seconds) > 1 else seconds[0]
    return (
        f"{name:11} median {statistics.median(seconds):.3f} s   p95 {p95:.3f} s"
        f"   min {min(seconds):.3f} s   ({len(seconds)} runs)"
    )


def importtime(url: str) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        command = ["-X", "importtime", "-m", "ticker", "read", "--data-dir", data_dir, url]
        done = subprocess.run(
            [sys.executable, *command],
            capture_output=True,
            text=True,
            cwd=_ROOT,
        )
    top = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        top_level = len(parts) == 3 and parts[2].startswith(" ") and parts[2][1:2] != " "
        if top_level and parts[1].strip().isdigit():
            top.append((int(parts[1]), parts[2].strip()))
    top.sort(reverse=True)
    print("slowest top-level imports of one first read (cumulative us, with -X importtime):")
    for micros, module in top[:12]:
        print(f"  {micros:8d}  {module}")
    print(f"  {sum(m for m, _ in top):8d}  all top-level imports")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="processes per case (>= 7)")
    parser.add_argument("--importtime", action="store_true", help="also list the slow imports")
    options = parser.parse_args()
    server, base = start_server()
    try:
        urls = article_urls(base)
        if len(urls) < options.runs:
            raise SystemExit(f"the demo feed has only {len(urls)} articles")
        with tempfile.TemporaryDirectory() as warm:
            read(urls[0], warm)  # bytecode compiled, files in the page cache
        first = []
        for url in urls[: options.runs]:
            with tempfile.TemporaryDirectory() as data_dir:
                first.append(read(url, data_dir))
        saved = []
        with tempfile.TemporaryDirectory() as data_dir:
            read(urls[0], data_dir)
            saved = [read(urls[0], data_dir) for _ in range(options.runs)]
        print(f"`ticker read URL` as a process, demo-server at {base}")
        print(summary("first read", first))
        print(summary("saved copy", saved))
        if options.importtime:
            importtime(urls[1])
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
