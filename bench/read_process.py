"""`ticker read URL` timed as a whole process against `ticker demo-server` on 127.0.0.1.

    python bench/read_process.py [--runs 9] [--importtime] [--compare DIR]

Each run is a new `python -m ticker read URL` (interpreter start, imports, fetch, extraction,
store write, output) on a different article of the demo newsroom. "first read" gives every run
an empty data directory, so the page is fetched and extracted; "saved copy" reads an article
already in the store (what a second `ticker read` of the same URL costs). Median and p95 of
wall-clock seconds, and the median CPU (user + sys) of the process, which a busy machine
disturbs less. Bytecode is written by a first run, as an installed package has it.
`--importtime` prints the slowest imports of one first read (cumulative microseconds per
`python -X importtime`, top-level modules only). `--compare DIR` also runs the `ticker` package
found in DIR (a copy of the tree before a change), run for run in turn with this checkout's,
so that both meet the same load.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
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


# Any value of PYTHONDONTWRITEBYTECODE stops Python writing bytecode: every run would compile
# the modules edited since the last write again (a few ms each).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def read(url: str, data_dir: str, root: Path = _ROOT) -> tuple[float, float]:
    """Wall and CPU seconds of one `ticker read` process run in `root`; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ticker", "read", "--data-dir", data_dir, url],
        capture_output=True,
        text=True,
        cwd=root,
        env=_ENV,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"ticker read {url} failed ({done.returncode}): {done.stderr[-500:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def summary(name: str, runs: list[tuple[float, float]]) -> str:
    seconds = [wall for wall, _ in runs]
    p95 = statistics.quantiles(seconds, n=20)[-1] if len(seconds) > 1 else seconds[0]
    cpu = statistics.median(cpu for _, cpu in runs)
    return (
        f"{name:18} median {statistics.median(seconds):.3f} s   p95 {p95:.3f} s"
        f"   min {min(seconds):.3f} s   cpu {cpu:.3f} s   ({len(seconds)} runs)"
    )


def measure(urls: list[str], roots: dict[str, Path], runs: int) -> None:
    """First reads and saved copies for each tree, the trees taking turns run by run."""
    first: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    saved: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    order = list(roots)
    with tempfile.TemporaryDirectory() as stores:
        for name, root in roots.items():
            read(urls[0], f"{stores}/{name}", root)  # bytecode written; the saved copy stored
            with tempfile.TemporaryDirectory() as warm:
                read(urls[1], warm, root)
        for run, url in enumerate(urls[:runs]):
            for name in order if run % 2 == 0 else order[::-1]:
                with tempfile.TemporaryDirectory() as data_dir:
                    first[name].append(read(url, data_dir, roots[name]))
                saved[name].append(read(urls[0], f"{stores}/{name}", roots[name]))
    for name in roots:
        label = "" if len(roots) == 1 else f" ({name})"
        print(summary(f"first read{label}", first[name]))
        print(summary(f"saved copy{label}", saved[name]))


def importtime(url: str, root: Path = _ROOT) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        command = ["-X", "importtime", "-m", "ticker", "read", "--data-dir", data_dir, url]
        done = subprocess.run(
            [sys.executable, *command],
            capture_output=True,
            text=True,
            cwd=root,
            env=_ENV,
        )
    top = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        top_level = len(parts) == 3 and parts[2].startswith(" ") and parts[2][1:2] != " "
        if top_level and parts[1].strip().isdigit():
            top.append((int(parts[1]), parts[2].strip()))
    top.sort(reverse=True)
    print(f"slowest top-level imports of one first read in {root} (cumulative us, -X importtime):")
    for micros, module in top[:12]:
        print(f"  {micros:8d}  {module}")
    print(f"  {sum(m for m, _ in top):8d}  all top-level imports")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="processes per case (>= 7)")
    parser.add_argument("--importtime", action="store_true", help="also list the slow imports")
    parser.add_argument(
        "--compare", type=Path, metavar="DIR", help="a directory holding another `ticker` package"
    )
    options = parser.parse_args()
    roots = {"this": _ROOT}
    if options.compare is not None:
        if not (options.compare / "ticker" / "__main__.py").is_file():
            raise SystemExit(f"no ticker package in {options.compare}")
        roots["compared"] = options.compare.resolve()
    server, base = start_server()
    try:
        urls = article_urls(base)
        if len(urls) < max(options.runs, 2):
            raise SystemExit(f"the demo feed has only {len(urls)} articles")
        print(f"`ticker read URL` as a process, demo-server at {base}")
        for name, root in roots.items():
            print(f"  {name}: {root}")
        measure(urls, roots, options.runs)
        if options.importtime:
            for root in roots.values():
                importtime(urls[1], root)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
