"""Article extraction on real pages with other people's ground truth: two peer corpora.

    python bench/corpora.py                      # once: copies the corpora to ~/.cache
    python bench/extract_real.py [--dir DIR] [--corpus readability|trafilatura]
        [--only ticker,trafilatura] [--fresh] [--label NAME] [--pages] [--metadata]
    python bench/extract_real.py --ab ROUNDS [--against CHECKOUT]   # speed only, interleaved
    python bench/extract_real.py --alternate RUNS --against CHECKOUT  # process CPU, in turn

mozilla/readability's test pages: 4-gram word-shingle precision and recall of the body against
the expected article's text, per page, averaged over pages; F1 of the two means; an empty output
scores 0/0. adbar/trafilatura's evaluation set: "with" snippets found are true positives,
"without" snippets found false positives, summed over pages as trafilatura's own evaluation
counts them (P = tp/(tp+fp), R = tp/(tp+fn)); "absent" is the share of "without" snippets
kept out. Median and p95 ms per page are the extraction alone, in process, on text decoded once
by ticker's `decode` (the same text for every extractor).

Outputs of the other extractors are cached in DIR/results/ by extractor version; ticker runs
every time (its output is saved under --label, default "ticker", for before/after comparisons:
`--compare LABEL` prints the pages whose score moved). Point 2 of issue 12 is checked on every
page where trafilatura alone extracts >= 100 words: ticker must give an article of at least half
as many words.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from articles import html_text, markdown_text, page_score, snippets

DEFAULT_DIR = Path.home() / ".cache" / "ticker-corpora"
MOZILLA_URL = "http://fakehost/test/page.html"  # what readability's own tests pass
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    corpus: str
    id: str
    url: str
    html: bytes
    expected_text: str = ""
    with_: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    metadata: dict[str, Any] | None = None


def mozilla_pages(root: Path) -> list[Page]:
    """mozilla/readability's test pages: source, expected article text, expected metadata."""
    pages = []
    for folder in sorted((root / "readability" / "test" / "test-pages").iterdir()):
        source = folder / "source.html"
        if not source.exists():
            continue
        expected = (folder / "expected.html").read_text(encoding="utf-8")
        meta_file = folder / "expected-metadata.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        pages.append(
            Page(
                "readability",
                folder.name,
                MOZILLA_URL,
                source.read_bytes(),
                expected_text=html_text(expected),
                metadata=meta,
            )
        )
    return pages


def trafilatura_pages(root: Path) -> list[Page]:
    """adbar/trafilatura's evaluation set: each page with its must-have and must-not snippets."""
    base = root / "trafilatura" / "tests"
    data = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url in sorted(data):
        item = data[url]
        # trafilatura's own evaluation reads tests/cache/ first, then tests/eval/
        path = next(
            p for p in (base / "cache" / item["file"], base / "eval" / item["file"]) if p.is_file()
        )
        pages.append(
            Page(
                "trafilatura",
                item["file"],
                url,
                path.read_bytes(),
                with_=tuple(item["with"]),
                without=tuple(item["without"]),
            )
        )
    return pages


# -- the extractors: (decoded html, url) -> (text, metadata or None) ---------------------------

Meta = dict[str, Any]
Runner = Callable[[str, str], tuple[str, Meta | None]]


def run_ticker(html: str, url: str) -> tuple[str, Meta | None]:
    from ticker.errors import TickerError
    from ticker.extract import extract

    try:
        article = extract(html, url)
    except TickerError:
        return "", {}
    meta = {
        "title": article.title or None,
        "byline": article.byline,
        "published": article.published.isoformat() if article.published else None,
        "lang": article.lang,
    }
    return article.body, meta


_TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True}


def run_trafilatura(html: str, url: str, **options: Any) -> tuple[str, Meta | None]:
    import trafilatura

    return trafilatura.extract(html, url=url, **_TRAFILATURA_OPTIONS, **options) or "", None


def trafilatura_metadata(html: str, url: str) -> Meta:
    """trafilatura's metadata of a page (out of the timed run: `extract` leaves it out)."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, **_TRAFILATURA_OPTIONS)
    if doc is None:
        return {}
    return {"title": doc.title, "byline": doc.author, "published": doc.date, "lang": doc.language}


def run_readability(html: str, url: str) -> tuple[str, Meta | None]:
    from readability import Document

    try:
        document = Document(html)
        text = html_text(document.summary(html_partial=True))
        title = document.title()
    except Exception:  # readability raises bare Exceptions on pages it cannot read
        return "", {}
    return text, {"title": title, "byline": None, "published": None, "lang": None}


def run_resiliparse(html: str, url: str) -> tuple[str, Meta | None]:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return str(extract_plain_text(HTMLTree.parse(html), main_content=True)), None


_STOPLIST: frozenset[str] | None = None


def run_justext(html: str, url: str) -> tuple[str, Meta | None]:
    import justext
    from trafilatura.external import jt_stoplist_init

    global _STOPLIST
    if _STOPLIST is None:
        _STOPLIST = frozenset(jt_stoplist_init())  # the stopwords of every language jusText has
    try:
        paragraphs = justext.justext(html, _STOPLIST)
    except Exception:  # jusText raises on pages lxml cannot parse
        return "", None
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate), None


_GOOSE: Any = None


def run_goose(html: str, url: str) -> tuple[str, Meta | None]:
    from goose3 import Goose

    global _GOOSE
    if _GOOSE is None:
        _GOOSE = Goose({"enable_image_fetching": False})
    try:
        return str(_GOOSE.extract(raw_html=html).cleaned_text or ""), None
    except Exception:  # goose3 raises on pages it cannot parse
        return "", None


def run_boilerpipe(html: str, url: str) -> tuple[str, Meta | None]:
    from boilerpy3 import extractors

    try:
        return str(extractors.ArticleExtractor().get_content(html) or ""), None
    except Exception:  # boilerpy3 raises on markup its parser rejects
        return "", None


def run_html_text(html: str, url: str) -> tuple[str, Meta | None]:
    import html_text as html_text_module

    try:
        return str(html_text_module.extract_text(html, guess_layout=False)), None
    except Exception:  # lxml refuses some documents
        return "", None


# name: (runner, package whose version keys the cache, output is Markdown)
EXTRACTORS: dict[str, tuple[Runner, str, bool]] = {
    "ticker": (run_ticker, "", True),
    "trafilatura": (run_trafilatura, "trafilatura", False),
    "trafilatura (precision)": (
        lambda h, u: run_trafilatura(h, u, favor_precision=True),
        "trafilatura",
        False,
    ),
    "trafilatura (recall)": (
        lambda h, u: run_trafilatura(h, u, favor_recall=True),
        "trafilatura",
        False,
    ),
    "readability-lxml": (run_readability, "readability-lxml", False),
    "resiliparse": (run_resiliparse, "resiliparse", False),
    "justext": (run_justext, "justext", False),
    "goose3": (run_goose, "goose3", False),
    "boilerpy3": (run_boilerpipe, "boilerpy3", False),
    "html-text (whole page)": (run_html_text, "html-text", False),
}


@dataclass
class Output:
    text: str  # as a reader shows it: Markdown rendered to text
    ms: float
    meta: Meta | None


def decoded(page: Page) -> str:
    from ticker.extract import decode

    return decode(page.html, None)


def run(name: str, pages: list[Page], cache: Path, fresh: bool, label: str) -> dict[str, Output]:
    """Each page's output of one extractor, from the cache when its version already ran."""
    runner, package, markdown = EXTRACTORS[name]
    version = importlib.metadata.version(package) if package else ""
    slug = re.sub(r"\W+", "-", label if name == "ticker" else name).strip("-")
    path = cache / f"{pages[0].corpus}-{slug}.json"
    if package and not fresh and path.exists():
        stored = json.loads(path.read_text())
        if stored["version"] == version and len(stored["pages"]) == len(pages):
            return {k: Output(**v) for k, v in stored["pages"].items()}
    runner(decoded(pages[0]), pages[0].url)  # warm up: imports, caches
    outputs = {}
    for page in pages:
        html = decoded(page)
        start = time.perf_counter()
        try:
            text, meta = runner(html, page.url)
        except RecursionError:
            text, meta = "", None
        ms = (time.perf_counter() - start) * 1000
        if name == "trafilatura" and page.corpus == "readability":
            meta = trafilatura_metadata(html, page.url)
        outputs[page.id] = Output(markdown_text(text) if markdown else text, ms, meta)
    cache.mkdir(parents=True, exist_ok=True)
    stored = {"version": version, "pages": {k: vars(v) for k, v in outputs.items()}}
    path.write_text(json.dumps(stored, ensure_ascii=False))
    return outputs


# -- scores -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    precision: float
    recall: float
    f1: float
    extra: float  # mozilla: pages with no output; trafilatura: share of "without" kept out
    median_ms: float
    p95_ms: float


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def page_scores(pages: list[Page], outputs: dict[str, Output]) -> dict[str, tuple[float, float]]:
    """Per page precision and recall (mozilla shingles; trafilatura snippets, per page)."""
    scores = {}
    for page in pages:
        text = outputs[page.id].text
        if page.corpus == "readability":
            scores[page.id] = page_score(text, page.expected_text)
        else:
            tp, fp, fn, _ = snippets(text, list(page.with_), list(page.without))
            scores[page.id] = (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn))
    return scores


def row(pages: list[Page], outputs: dict[str, Output]) -> Row:
    times = [outputs[p.id].ms for p in pages]
    median, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
    if pages[0].corpus == "readability":
        scores = page_scores(pages, outputs).values()
        p = sum(s[0] for s in scores) / len(pages)
        r = sum(s[1] for s in scores) / len(pages)
        empty = sum(1 for page in pages if not _WORD.search(outputs[page.id].text))
        return Row(p, r, _f1(p, r), empty, median, p95)
    tp = fp = fn = tn = 0
    for page in pages:
        counts = snippets(outputs[page.id].text, list(page.with_), list(page.without))
        tp, fp, fn, tn = tp + counts[0], fp + counts[1], fn + counts[2], tn + counts[3]
    p, r = tp / (tp + fp), tp / (tp + fn)
    return Row(p, r, 2 * tp / (2 * tp + fp + fn), tn / (tn + fp), median, p95)


def print_table(corpus: str, pages: list[Page], results: dict[str, dict[str, Output]]) -> None:
    extra = "empty" if corpus == "readability" else "absent"
    print(f"\n{corpus}: {len(pages)} pages")
    print(f"| extractor | P | R | F1 | {extra} | median ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, outputs in results.items():
        r = row(pages, outputs)
        shown = f"{r.extra:.0f}" if corpus == "readability" else f"{r.extra:.3f}"
        print(
            f"| {name} | {r.precision:.4f} | {r.recall:.4f} | **{r.f1:.4f}** | {shown}"
            f" | {r.median_ms:.1f} | {r.p95_ms:.1f} |"
        )


def words(text: str) -> int:
    return len(_WORD.findall(text))


def point2(pages: list[Page], ticker: dict[str, Output], alone: dict[str, Output]) -> list[str]:
    """Pages where trafilatura alone has >= 100 words and ticker less than half as many."""
    failures = []
    for page in pages:
        theirs, ours = words(alone[page.id].text), words(ticker[page.id].text)
        if theirs >= 100 and ours < theirs / 2:
            failures.append(f"{page.corpus}/{page.id}: ticker {ours} words, trafilatura {theirs}")
    return failures


# -- metadata ---------------------------------------------------------------------------------


def _tokens(value: Any) -> str:
    return " ".join(_WORD.findall(str(value or "").lower()))


def _byline(value: Any) -> str:
    return re.sub(r"^by ", "", _tokens(value))


def _parse_time(value: Any) -> tuple[str | None, datetime | None]:
    """The day a timestamp names (as written) and its instant when it has a zone."""
    text = str(value or "").strip()
    if not text:
        return None, None
    day = text[:10]
    text = text.replace("Z", "+00:00").replace(" ", "T")
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return day, None
    return day, when.astimezone(UTC) if when.tzinfo else None


def _same_time(got: Any, want: Any) -> bool:
    want_day, want_instant = _parse_time(want)
    got_day, got_instant = _parse_time(got)
    if want_instant and got_instant:
        return abs((want_instant - got_instant).total_seconds()) < 60
    if want_instant and got_day and got_instant is None:
        return got_day == want_day  # a date alone: right when it is the page's day
    return got_day == want_day


FIELDS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    # field: (key in expected-metadata.json, same)
    "title": ("title", lambda got, want: _tokens(got) == _tokens(want)),
    "byline": ("byline", lambda got, want: _byline(got) == _byline(want)),
    "published": ("publishedTime", _same_time),
    "lang": ("lang", lambda got, want: _tokens(got).split(" ")[0] == _tokens(want).split(" ")[0]),
}


def print_metadata(pages: list[Page], results: dict[str, dict[str, Output]]) -> None:
    """Right, wrong and missing per field, over the pages whose expected value is not null."""
    print("\nmetadata against expected-metadata.json (right / wrong / missing; 'extra': given")
    print("where the expected value is null)")
    print("| extractor | field | pages | right | wrong | missing | accuracy | extra |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, outputs in results.items():
        if not any(o.meta for o in outputs.values()):
            continue
        for field, (key, same) in FIELDS.items():
            right = wrong = missing = extra = 0
            for page in pages:
                want = (page.metadata or {}).get(key)
                got = (outputs[page.id].meta or {}).get(field)
                if not want:
                    extra += bool(got)
                elif not got:
                    missing += 1
                elif same(got, want):
                    right += 1
                else:
                    wrong += 1
            total = right + wrong + missing
            print(
                f"| {name} | {field} | {total} | {right} | {wrong} | {missing}"
                f" | {right / total:.3f} | {extra} |"
            )


# -- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="bench/corpora.py's --dir")
    parser.add_argument("--corpus", choices=["readability", "trafilatura"], action="append")
    parser.add_argument("--only", help="comma-separated extractor names (as printed)")
    parser.add_argument("--fresh", action="store_true", help="run cached extractors again")
    parser.add_argument("--label", default="ticker", help="name ticker's saved outputs")
    parser.add_argument("--compare", help="a saved ticker label: print the pages that moved")
    parser.add_argument("--pages", action="store_true", help="ticker vs trafilatura, per page")
    parser.add_argument("--metadata", action="store_true", help="metadata table (mozilla)")
    parser.add_argument(
        "--ab", type=int, metavar="ROUNDS", help="only time ticker against trafilatura, interleaved"
    )
    parser.add_argument(
        "--against", type=Path, metavar="CHECKOUT", help="with --ab: also that checkout's ticker"
    )
    parser.add_argument(
        "--alternate",
        type=int,
        metavar="RUNS",
        help="with --against: whole passes of each checkout in turn, process CPU",
    )
    options = parser.parse_args()
    if options.alternate and not options.against:
        parser.error("--alternate needs --against CHECKOUT")
    logging.disable(logging.CRITICAL)  # the extractors log every page they struggle with
    if not (options.dir / "readability" / "COMMIT").exists():
        print(f"no corpora in {options.dir}: run bench/corpora.py first", file=sys.stderr)
        return 1
    names = options.only.split(",") if options.only else list(EXTRACTORS)
    for required in ("ticker", "trafilatura"):
        if required not in names:
            names.append(required)
    cache = options.dir / "results"
    for corpus in options.corpus or list(LOADERS):
        if options.alternate:
            here = Path(__file__).resolve().parent.parent
            alternated(corpus, options.dir, [here, options.against.resolve()], options.alternate)
            continue
        pages = LOADERS[corpus](options.dir)
        if options.ab:
            interleaved(pages, options.ab, options.dir, options.against)
            continue
        results = {}
        for name in names:
            with contextlib.redirect_stdout(sys.stderr):
                results[name] = run(name, pages, cache, options.fresh, options.label)
        print_table(corpus, pages, results)
        failures = point2(pages, results["ticker"], results["trafilatura"])
        print(
            f"\npoint 2 ({corpus}): {len(failures)} pages where ticker has < half the words"
            " of trafilatura alone (>= 100)"
        )
        for failure in failures:
            print("  " + failure)
        if options.compare:
            compare(pages, results["ticker"], cache, options.compare)
        if options.pages:
            per_page(pages, results["ticker"], results["trafilatura"])
        if options.metadata and corpus == "readability":
            print_metadata(pages, results)
    return 0


def _saved(cache: Path, corpus: str, label: str) -> dict[str, Output]:
    slug = re.sub(r"\W+", "-", label).strip("-")
    path = cache / f"{corpus}-{slug}.json"
    return {k: Output(**v) for k, v in json.loads(path.read_text())["pages"].items()}


def compare(pages: list[Page], ticker: dict[str, Output], cache: Path, label: str) -> None:
    """The pages whose F1 moved since the saved run `label`."""
    before = _saved(cache, pages[0].corpus, label)
    old, new = page_scores(pages, before), page_scores(pages, ticker)
    r = row(pages, before)
    print(f"\n{label}: P {r.precision:.3f} R {r.recall:.3f} F1 {r.f1:.3f}; pages that moved:")
    for page in pages:
        a, b = _f1(*old[page.id]), _f1(*new[page.id])
        if abs(a - b) > 0.01:
            print(f"  {page.id}: {a:.2f} -> {b:.2f}")


def per_page(pages: list[Page], ticker: dict[str, Output], alone: dict[str, Output]) -> None:
    ours, theirs = page_scores(pages, ticker), page_scores(pages, alone)
    print("\npage: ticker P/R (words) | trafilatura P/R (words), worst difference first")
    for page in sorted(pages, key=lambda p: _f1(*ours[p.id]) - _f1(*theirs[p.id])):
        a, b = ours[page.id], theirs[page.id]
        print(
            f"  {page.id}: {a[0]:.2f}/{a[1]:.2f} ({words(ticker[page.id].text)})"
            f" | {b[0]:.2f}/{b[1]:.2f} ({words(alone[page.id].text)})"
        )


def interleaved(pages: list[Page], rounds: int, root: Path, against: Path | None = None) -> None:
    """ms per page of ticker and of trafilatura alone, timed page by page in turn, so that a
    shared machine's load falls on both alike; with `against`, also the ticker of that
    checkout, in a worker process of its own fed the same page in the same turn."""
    times: dict[str, list[float]] = {"ticker": [], "trafilatura": []}
    texts = [(decoded(page), page.url) for page in pages]
    for name in times:
        EXTRACTORS[name][0](*texts[0])  # warm up
    worker = _worker(against, pages[0].corpus, root) if against else None
    if worker:
        times[f"ticker {against}"] = []
        _ask(worker, 0)  # warm up
    for _ in range(rounds):
        for index, (html, url) in enumerate(texts):
            for name in ("ticker", "trafilatura"):
                start = time.perf_counter()
                EXTRACTORS[name][0](html, url)
                times[name].append((time.perf_counter() - start) * 1000)
            if worker:
                times[f"ticker {against}"].append(_ask(worker, index))
    if worker:
        worker.stdin.close()
        worker.wait()
    print(f"\n{pages[0].corpus}: {len(pages)} pages x {rounds}, interleaved")
    for name, values in times.items():
        p95 = statistics.quantiles(values, n=20)[-1]
        # Each page's best of its rounds, as timeit takes the best: what the code costs, with
        # less of whatever else the shared machine ran at that moment.
        best = [min(values[page :: len(texts)]) for page in range(len(texts))]
        print(
            f"{name:12} median {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms"
            f"   pages' best: median {statistics.median(best):6.1f} ms"
            f"   p95 {statistics.quantiles(best, n=20)[-1]:6.1f} ms"
        )


# Another checkout's ticker in a process of its own, on one corpus. "serve": reads a page's
# index, prints the ms its extraction took; "pass": extracts every page once, prints the process
# CPU seconds of all and the median page's ms.
_CHILD = """
import sys, time, statistics, logging
checkout, here, corpus, root, mode = sys.argv[1:6]
sys.path[:0] = [checkout, here]
logging.disable(logging.CRITICAL)
import extract_real as bench
import ticker
assert ticker.__file__.startswith(checkout), ticker.__file__
texts = [(bench.decoded(page), page.url) for page in bench.LOADERS[corpus](bench.Path(root))]
if mode == "serve":
    for line in sys.stdin:
        html, url = texts[int(line)]
        start = time.perf_counter()
        bench.run_ticker(html, url)
        print((time.perf_counter() - start) * 1000, flush=True)
else:
    bench.run_ticker(*texts[0])
    times = []
    for html, url in texts:
        start = time.process_time()
        bench.run_ticker(html, url)
        times.append(time.process_time() - start)
    print(sum(times), statistics.median(times) * 1000)
"""


def _child(checkout: Path, corpus: str, root: Path, mode: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a `_CHILD` running `checkout`'s ticker."""
    here, checkout = Path(__file__).resolve().parent, checkout.resolve()
    command = [sys.executable, "-c", _CHILD, str(checkout), str(here), corpus, str(root), mode]
    return command, {**os.environ, "PYTHONPATH": str(checkout)}


def alternated(corpus: str, root: Path, checkouts: list[Path], runs: int) -> None:
    """Each checkout's ticker over the whole corpus, a process at a time, in turn, `runs`
    times: medians of process CPU, which a shared machine's load disturbs less than wall time."""
    results: dict[Path, list[tuple[float, float]]] = {checkout: [] for checkout in checkouts}
    for _ in range(runs):
        for checkout in checkouts:
            command, env = _child(checkout, corpus, root, "pass")
            out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
            total, median = out.stdout.split()
            results[checkout].append((float(total), float(median)))
    print(f"\n{corpus}: process CPU of ticker's extraction, {runs} runs in turn")
    for checkout, values in results.items():
        totals, medians = [v[0] for v in values], [v[1] for v in values]
        print(
            f"{checkout!s:30} all pages {statistics.median(totals):6.2f} s"
            f" (min {min(totals):.2f})   median page {statistics.median(medians):5.1f} ms"
            f" (min {min(medians):.1f})"
        )


def _worker(checkout: Path, corpus: str, root: Path) -> subprocess.Popen[str]:
    command, env = _child(checkout, corpus, root, "serve")
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )


def _ask(worker: subprocess.Popen[str], index: int) -> float:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(f"{index}\n")
    worker.stdin.flush()
    return float(worker.stdout.readline())


LOADERS = {"readability": mozilla_pages, "trafilatura": trafilatura_pages}


def iter_pages(root: Path) -> Iterator[Page]:
    """Every page of both corpora (for the tests and ad-hoc scripts)."""
    yield from mozilla_pages(root)
    yield from trafilatura_pages(root)


if __name__ == "__main__":
    sys.exit(main())
