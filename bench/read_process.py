"""`ticker read URL` timed as a whole process against `ticker demo-server` on 127.0.0.1.

    python bench/read_process.py [--runs 9] [--importtime] [--compare DIR] [--python PY]...

Each run is a new `python -m ticker read URL` (interpreter start, imports, fetch, extraction,
store write, output) on a different article of the demo newsroom. "first read" gives every run
an empty data directory, so the page is fetched and extracted and the store made; "new page"
reads a page not yet saved into a store that exists (what a user of ticker has); "saved copy"
reads an article already in the store (what a second `ticker read` of the same URL costs).
Median and p95 of wall-clock seconds, and the median CPU (user + sys) of the process and its
children, which a busy machine disturbs less; where a CPU is free, a read forks a child that
imports the extractor while the parent fetches (ticker/extract_child.py), so its CPU is more
than its wall time. Bytecode is written by a first run, as an installed package has it.
`--importtime` prints the slowest imports of one first read (cumulative microseconds per
`python -X importtime`, top-level modules only). `--compare DIR` also runs the `ticker` package
found in DIR (a copy of the tree before a change), run for run in turn with this checkout's,
so that both meet the same load. `--python PY` times the `ticker` installed for the interpreter
PY instead of this checkout (what a user runs: a wheel, not an editable install); repeat it to
time several installs in turn.
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
from dataclasses import dataclass
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
    """The articles of the world feed, then the science feed's (both RSS-style <link>s)."""
    found: list[str] = []
    for feed in ("world.rss", "science.rdf"):
        with urllib.request.urlopen(f"{base}/feeds/{feed}", timeout=10) as response:
            found += _ARTICLE.findall(response.read().decode("utf-8"))
    return list(dict.fromkeys(found))


# Any value of PYTHONDONTWRITEBYTECODE stops Python writing bytecode: every run would compile
# the modules edited since the last write again (a few ms each).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Case:
    """An interpreter and the directory `python -m ticker` runs in: a checkout's own package
    comes first on the path there, an installed one is found from any other directory."""

    python: str
    cwd: Path


def read(url: str, data_dir: str, case: Case) -> tuple[float, float]:
    """Wall and CPU seconds of one `ticker read` process; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [case.python, "-m", "ticker", "read", "--data-dir", data_dir, url],
        capture_output=True,
        text=True,
        cwd=case.cwd,
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


def measure(urls: list[str], cases: dict[str, Case], runs: int) -> None:
    """First reads, new pages and saved copies for each case, the cases taking turns."""
    first: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    new: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    saved: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    order = list(cases)
    with tempfile.TemporaryDirectory() as stores:
        for name, case in cases.items():
            read(urls[0], f"{stores}/{name}", case)  # bytecode written; the saved copy stored
            with tempfile.TemporaryDirectory() as warm:
                read(urls[1], warm, case)
        for run, url in enumerate(urls[:runs]):
            for name in order if run % 2 == 0 else order[::-1]:
                store = f"{stores}/{name}"
                with tempfile.TemporaryDirectory() as data_dir:
                    first[name].append(read(url, data_dir, cases[name]))
                new[name].append(read(urls[1 + run], store, cases[name]))  # not yet in `store`
                saved[name].append(read(urls[0], store, cases[name]))
    for name in cases:
        label = "" if len(cases) == 1 else f" ({name})"
        print(summary(f"first read{label}", first[name]))
        print(summary(f"new page{label}", new[name]))
        print(summary(f"saved copy{label}", saved[name]))


def importtime(url: str, case: Case) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        command = ["-X", "importtime", "-m", "ticker", "read", "--data-dir", data_dir, url]
        done = subprocess.run(
            [case.python, *command],
            capture_output=True,
            text=True,
            cwd=case.cwd,
            env=_ENV,
        )
    top = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        top_level = len(parts) == 3 and parts[2].startswith(" ") and parts[2][1:2] != " "
        if top_level and parts[1].strip().isdigit():
            top.append((int(parts[1]), parts[2].strip()))
    top.sort(reverse=True)
    print(f"slowest top-level imports of one first read, {case.python} in {case.cwd}")
    print("(cumulative us, -X importtime):")
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
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="PY",
        help="time the ticker installed for this interpreter instead of this checkout",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as elsewhere:
        cases = {"this": Case(sys.executable, _ROOT)}
        if options.python:
            cases = {
                f"installed {i}" if len(options.python) > 1 else "installed": Case(
                    python, Path(elsewhere)
                )
                for i, python in enumerate(options.python, 1)
            }
        if options.compare is not None:
            if not (options.compare / "ticker" / "__main__.py").is_file():
                raise SystemExit(f"no ticker package in {options.compare}")
            cases["compared"] = Case(sys.executable, options.compare.resolve())
        run_cases(cases, options.runs, options.importtime)
    return 0


def run_cases(cases: dict[str, Case], runs: int, importtimes: bool) -> None:
    server, base = start_server()
    try:
        urls = article_urls(base)
        if len(urls) < runs + 1:
            raise SystemExit(f"the demo feed has only {len(urls)} articles")
        print(f"`ticker read URL` as a process, demo-server at {base}")
        for name, case in cases.items():
            print(f"  {name}: {case.python} -m ticker, in {case.cwd}")
        measure(urls, cases, runs)
        if importtimes:
            for case in cases.values():
                importtime(urls[1], case)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
