"""ticker's parsing over feed test suites nobody here wrote, item counts against feedparser's.

    .venv/bin/python bench/feedparser_suite.py             # both corpora, from git mirrors
    .venv/bin/python bench/feedparser_suite.py --list      # and every file whose count differs
    .venv/bin/python bench/feedparser_suite.py --subset    # the subset in tests/fixtures/
    .venv/bin/python bench/feedparser_suite.py --record    # EXPECTED.toml lines for that subset

The corpora, re-created byte for byte from git at a fixed commit:
  feedparser  kurtmckee/feedparser @ a22c5521cbb1, tests/ (BSD-2-Clause): ~2100 small feeds,
              each testing one field (an `Expect:` comment in its header), every format and
              encoding, well-formed and ill-formed
  feed-rs     feed-rs/feed-rs @ b64d2aa08d37, feed-rs/fixture/ (MIT): ~70 feeds, many taken
              from real sites (BBC, Reddit, YouTube, podcasts), with feed-rs's expected parse
Each is read from a bare git mirror, by default /work/.mirror/<owner>+<name>/repo (--mirrors
DIR). Without one: `git clone --bare https://github.com/<owner>/<name> DIR/<owner>+<name>/repo`.

For every file: ticker.feeds.parse and ticker.feeds.headlines (a dummy Source) on its bytes,
and feedparser.parse(io.BytesIO(body)) on the same bytes. A FeedError is a clean refusal; any
other exception out of ticker is a failure. Skipped: the suites' Python test code (*.py) and
feed-rs's expected outputs (*.serde.json, whose entry count is reported as a third opinion).
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import re
import subprocess
import sys
import tarfile
import time
import tomllib
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUBSET = REPO / "tests" / "fixtures" / "feedparser_suite"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Corpus:
    name: str
    repo: str  # owner/name on GitHub
    commit: str
    path: str  # the folder the feeds are under


CORPORA = (
    Corpus(
        "feedparser", "kurtmckee/feedparser", "a22c5521cbb109871f1a2318948581901bd47e26", "tests"
    ),
    Corpus(
        "feed-rs", "feed-rs/feed-rs", "b64d2aa08d377778b0978aa63f05d56bcedb279e", "feed-rs/fixture"
    ),
)


def skip_reason(path: str) -> str | None:
    if path.endswith(".py"):
        return "Python test code"
    if path.endswith(".serde.json"):
        return "feed-rs's expected output"
    return None


def read_corpus(corpus: Corpus, mirrors: Path) -> dict[str, bytes]:
    """Every file under the corpus's folder at its commit: path -> bytes."""
    git_dir = mirrors / corpus.repo.replace("/", "+") / "repo"
    if not git_dir.exists():
        sys.exit(
            f"no mirror of {corpus.repo} at {git_dir}: git clone --bare "
            f"https://github.com/{corpus.repo} {git_dir}"
        )
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", corpus.commit, corpus.path],
        check=True,
        capture_output=True,
    ).stdout
    files = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                files[member.name.removeprefix(corpus.path + "/")] = handle.read()
    return files


def read_subset() -> dict[str, dict[str, bytes]]:
    """The committed subset: corpus name -> path (as in the corpus) -> bytes."""
    found: dict[str, dict[str, bytes]] = collections.defaultdict(dict)
    for corpus in CORPORA:
        root = SUBSET / corpus.name
        for file in sorted(root.rglob("*")):
            if file.is_file() and file.name not in ("LICENSE", "LICENSE-MIT"):
                found[corpus.name][str(file.relative_to(root))] = file.read_bytes()
    return found


# ------------------------------------------------------------------------------------------------
# One file


@dataclass
class Row:
    corpus: str
    path: str
    size: int
    skipped: str | None = None
    feedparser: int = 0
    feedparser_version: str = ""
    feed_rs: int | None = None  # feed-rs's own count, from its expected output
    ticker: int | None = None  # None: refused or raised
    refusal: str | None = None
    raised: str | None = None
    headlines: int | None = None
    headlines_raised: str | None = None
    title_from: collections.Counter[str] = field(default_factory=collections.Counter)
    seconds: float = 0.0
    cause: str | None = None


def run_file(corpus: str, path: str, body: bytes, serde: bytes | None) -> Row:
    import feedparser

    from ticker import feeds
    from ticker.errors import FeedError
    from ticker.model import Source

    row = Row(corpus, path, len(body))
    row.skipped = skip_reason(path)
    if row.skipped:
        return row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = feedparser.parse(io.BytesIO(body))
    row.feedparser = len(parsed.entries)
    row.feedparser_version = str(parsed.get("version") or "")
    if serde is not None:
        row.feed_rs = len(json.loads(serde).get("entries") or [])
    url = f"http://127.0.0.1/suite/{corpus}/{path}"
    started = time.perf_counter()
    try:
        row.ticker = len(feeds.parse(body, url).entries)
    except FeedError as error:
        row.refusal = str(error)
    except Exception as error:  # what this script is here to find
        row.raised = f"{type(error).__name__}: {error}"[:160]
    try:
        items = feeds.headlines(body, Source("suite", url), now=NOW)
        row.headlines = len(items)
        row.title_from.update(h.title_from or "own" for h in items)
        if any(not h.title for h in items):
            row.headlines_raised = "an empty title"
    except FeedError:
        pass
    except Exception as error:
        row.headlines_raised = f"{type(error).__name__}: {error}"[:160]
    row.seconds = time.perf_counter() - started
    row.cause = classify(row, body)
    return row


# ------------------------------------------------------------------------------------------------
# Why ticker's count differs from feedparser's

_POSITION = re.compile(r"\d+:\d+: ")  # "8:15: undefined entity": one line per kind of refusal
_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")


def declared_encoding(body: bytes) -> str:
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or body[:2] in (b"\x00<", b"<\x00"):
        return "utf-16/32"
    match = _ENCODING.match(body.lstrip(b"\xef\xbb\xbf"))
    return match.group(1).decode("ascii", "replace").lower() if match else "utf-8"


def classify(row: Row, body: bytes) -> str | None:
    """The cause of a count difference between ticker and feedparser; None when they agree."""
    from ticker.feeds import MAX_ENTRIES

    if row.raised:
        return "ticker raised (a crash: must be none)"
    if row.headlines_raised:
        return f"headlines failed ({row.headlines_raised})"
    if row.ticker is not None and row.headlines != row.ticker:
        return "headlines dropped items parse kept"
    ticker = row.ticker or 0
    if ticker == row.feedparser:
        return None
    if body.lstrip().startswith((b"{", b"[")) and not row.feedparser_version:
        return "JSON Feed: feedparser 6.0 reads none"
    if row.refusal is not None:
        if _HTML.match(body.lstrip(b"\xef\xbb\xbf")):
            return "HTML page: feedparser counts items ticker refuses to read"
        return "feedparser counts an entry in a document ticker refuses as not-a-feed"
    if ticker == MAX_ENTRIES and row.feedparser > MAX_ENTRIES:
        return f"ticker keeps the first {MAX_ENTRIES} items"
    if declared_encoding(body) not in ("utf-8", "us-ascii", "iso-8859-1"):
        return f"encoding ({declared_encoding(body)}): ticker {ticker}, feedparser {row.feedparser}"
    if ticker < row.feedparser:
        return "ticker finds fewer items (a loss)"
    return "ticker finds more items than feedparser"


# ------------------------------------------------------------------------------------------------
# Report


def table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))


def report(rows: list[Row], listing: bool) -> None:
    by_corpus: dict[str, list[Row]] = collections.defaultdict(list)
    for row in rows:
        by_corpus[row.corpus].append(row)
    summary = []
    for name, group in by_corpus.items():
        feeds = [r for r in group if not r.skipped]
        summary.append(
            [
                name,
                str(len(group)),
                str(len(group) - len(feeds)),
                str(len(feeds)),
                str(sum(1 for r in feeds if r.raised or r.headlines_raised)),
                str(sum(1 for r in feeds if r.refusal is not None)),
                str(sum(1 for r in feeds if r.refusal is not None and r.feedparser == 0)),
                str(sum(1 for r in feeds if r.cause)),
                str(sum(r.ticker or 0 for r in feeds)),
                str(sum(r.headlines or 0 for r in feeds)),
                str(sum(r.feedparser for r in feeds)),
            ]
        )
    print("== Files ==")
    table(
        summary,
        [
            "corpus",
            "files",
            "skipped",
            "feeds",
            "raised",
            "refused (FeedError)",
            "of which feedparser: 0 items",
            "count differs",
            "items: parse",
            "headlines",
            "feedparser",
        ],
    )
    skipped = collections.Counter((r.corpus, r.skipped) for r in rows if r.skipped)
    print("  skipped: " + "; ".join(f"{c}: {n} {why}" for (c, why), n in skipped.items()))

    causes: dict[tuple[str, str], list[Row]] = collections.defaultdict(list)
    for row in rows:
        if row.cause:
            causes[(row.corpus, row.cause)].append(row)
    print("\n== Count differences by cause ==")
    if causes:
        table(
            [
                [
                    c,
                    cause,
                    str(len(rs)),
                    f"{rs[0].path} (ticker {rs[0].ticker}, fp {rs[0].feedparser})",
                ]
                for (c, cause), rs in sorted(causes.items())
            ],
            ["corpus", "cause", "files", "example"],
        )
    else:
        print("  none")

    refusals = collections.Counter(
        (r.corpus, _POSITION.sub("", r.refusal)) for r in rows if r.refusal is not None
    )
    print("\n== Clean refusals (FeedError), by message ==")
    table(
        [[c, msg, str(n)] for (c, msg), n in refusals.most_common()], ["corpus", "message", "files"]
    )

    crashes = [r for r in rows if r.raised or r.headlines_raised]
    print(f"\n== Exceptions out of ticker: {len(crashes)} ==")
    for r in crashes:
        print(f"  {r.corpus}/{r.path}: {r.raised or r.headlines_raised}")

    titles: collections.Counter[str] = collections.Counter()
    for row in rows:
        titles.update(row.title_from)
    print("\n== Where headline titles came from (all files) ==")
    print("  " + ", ".join(f"{k} {v}" for k, v in titles.most_common()))
    disagree_rs = [r for r in rows if r.feed_rs is not None and r.feed_rs != (r.ticker or 0)]
    print(f"  feed-rs's expected count differs from ticker's on {len(disagree_rs)} files")
    for r in disagree_rs:
        print(f"    {r.path}: feed-rs {r.feed_rs}, ticker {r.ticker}")
    slowest = max((r for r in rows if not r.skipped), key=lambda r: r.seconds)
    total = sum(r.seconds for r in rows)
    slowest_ms = slowest.seconds * 1000
    print(f"  ticker time: {total:.2f} s in all; slowest {slowest.path} {slowest_ms:.1f} ms")

    if listing:
        print("\n== Every file whose count differs ==")
        for (c, cause), rs in sorted(causes.items()):
            print(f"  [{c}] {cause}")
            for r in rs:
                print(
                    f"    {r.path}: ticker {r.ticker}, feedparser {r.feedparser} {r.refusal or ''}"
                )


def record(rows: list[Row]) -> None:
    """EXPECTED.toml tables for the subset, from this run: what the tests then assert."""
    for row in rows:
        if row.skipped:
            continue
        print(f'["{row.corpus}/{row.path}"]')
        print(f"items = {row.ticker or 0}")
        print(f"feedparser = {row.feedparser}")
        if row.refusal is not None:
            print(f"refused = {json.dumps(_POSITION.sub('', row.refusal))}")
        if row.cause:
            print(f"cause = {json.dumps(row.cause)}")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--subset", action="store_true", help="the committed subset only")
    parser.add_argument("--list", action="store_true", help="every file whose count differs")
    parser.add_argument("--record", action="store_true", help="EXPECTED.toml for --subset")
    args = parser.parse_args()

    import feedparser

    print(f"feedparser {feedparser.__version__}; python {sys.version.split()[0]}")
    rows = []
    started = time.perf_counter()
    for corpus in CORPORA:
        if args.subset:
            files = read_subset()[corpus.name]
            print(
                f"{corpus.name}: {len(files)} files from {SUBSET.relative_to(REPO)}/{corpus.name}"
            )
        else:
            files = read_corpus(corpus, args.mirrors)
            where = f"{corpus.repo} @ {corpus.commit[:12]}, {corpus.path}/"
            print(f"{corpus.name}: {where}: {len(files)} files")
        for path in sorted(files):
            serde = None
            if corpus.name == "feed-rs":
                serde = files.get(re.sub(r"\.(xml|json)$", ".serde.json", path))
            rows.append(run_file(corpus.name, path, files[path], serde))
    if args.record:
        record(rows)
        return
    report(rows, args.list)
    if args.subset:
        expected = tomllib.loads((SUBSET / "EXPECTED.toml").read_text())
        wrong = [
            f"{r.corpus}/{r.path}"
            for r in rows
            if not r.skipped
            and expected.get(f"{r.corpus}/{r.path}", {}).get("items") != (r.ticker or 0)
        ]
        print(f"\n  subset: {len(wrong)} files differ from EXPECTED.toml {wrong}")
    print(f"\n(total {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
