"""Article extraction: quality (shingle P/R/F1) and speed on tests/fixtures/articles.

For each extractor: precision, recall and F1 averaged over the fixture pages (the scoring of the
public extraction benchmarks: 4-token shingles of word-character runs), and the median and p95
time per page, in process, excluding the fetch. ticker's own `extract` is the last row.

    python bench/extract.py [--runs 5] [--pages]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from articles import EXTRACTORS, fixtures, page_score, run_ticker, score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed passes over the fixtures")
    parser.add_argument("--pages", action="store_true", help="print each page's P/R per extractor")
    parser.add_argument("--only", help="only this extractor (name as printed)")
    options = parser.parse_args()

    pages = fixtures()
    candidates = dict(EXTRACTORS, ticker=run_ticker)
    if options.only:
        candidates = {options.only: candidates[options.only]}
    print(f"{len(pages)} fixture pages, {options.runs} timed runs each")
    print(f"{'extractor':26} {'P':>6} {'R':>6} {'F1':>6} {'median ms':>10} {'p95 ms':>8}")
    per_page: dict[str, list[tuple[float, float]]] = {}
    for name, run in candidates.items():
        for page in pages:  # warm up: imports, caches
            run(page)
        times: list[float] = []
        outputs: dict[str, str] = {}
        for _ in range(options.runs):
            for page in pages:
                start = time.perf_counter()
                outputs[page.name] = run(page)
                times.append((time.perf_counter() - start) * 1000)
        pairs = [(outputs[p.name], str(p.expect["body"])) for p in pages]
        result = score(pairs)
        per_page[name] = [page_score(got, want) for got, want in pairs]
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(
            f"{name:26} {result.precision:6.3f} {result.recall:6.3f} {result.f1:6.3f}"
            f" {statistics.median(times):10.2f} {p95:8.2f}"
        )
    if options.pages:
        names = list(per_page)
        print()
        print(f"{'page':34} " + " ".join(f"{n[:14]:>15}" for n in names))
        for i, page in enumerate(pages):
            cells = " ".join(f"{per_page[n][i][0]:6.2f}/{per_page[n][i][1]:<6.2f}  " for n in names)
            print(f"{page.name:34} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
