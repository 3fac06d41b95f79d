"""Compare the feed parsers ticker could use (fastfeedparser, feedparser, feedparser-rs) and
ticker's own parse, ticker.feeds.parse, which routes between the first two.

    /work/venv/bin/python bench/parsers.py [--quick]

Three parts, all printed with plain print:
  1. speed: a generated 50-item RSS 2.0, Atom 1.0 and JSON Feed, parsed from bytes many times,
     plus ticker.feeds.headlines (parse, badges, ids: what one poll of one feed costs);
  2. robustness: every file in tests/fixtures/feeds/ against its MANIFEST.toml entry, each parse
     in a child process (time limit, memory limit) while a listener on 127.0.0.1:8766 catches
     any parser that fetches the DTDs and entities the hostile fixtures name;
  3. the fields each parser fills (links and xml:base, dates, guid, categories, title markup),
     which is what ticker/feeds.py has to map.
A fourth candidate, "ticker", is ticker.feeds.parse(body, FEED_URL) itself: its Entry objects
(already cleaned, titles as text, links absolute) are mapped onto the same checks, and only its
FeedError counts as a clean refusal.

Every parser is always given bytes (or a BytesIO): fastfeedparser.parse and feedparser.parse
FETCH when given a str that starts with http://, and feedparser.parse opens a local file when
given bytes that name one.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import html
import http.server
import importlib
import io
import multiprocessing as mp
import os
import random
import re
import resource
import statistics
import sys
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import urljoin
from xml.parsers import expat

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "feeds"
FEED_URL = "http://127.0.0.1/feeds/x"  # the URL every fixture is "fetched" from
TRAP_PORT = 8766  # the hostile fixtures' DTDs and entities point here
PARSE_TIMEOUT = 15.0  # seconds for one fixture parse before the child is killed
CHILD_MEMORY = 4 << 30  # address-space limit of the child that parses fixtures

FFP, FP, RS, TICKER = "fastfeedparser", "feedparser", "feedparser-rs", "ticker"
HEADLINES = "ticker headlines"  # speed only: ticker.feeds.headlines, parse + badges + ids
MODULES = {FFP: "fastfeedparser", FP: "feedparser", RS: "feedparser_rs"}
SHORT = {FFP: "ffp", FP: "fp", RS: "rs", TICKER: "ticker", HEADLINES: "headlines"}
FORMATS = ("RSS 2.0", "Atom 1.0", "JSON Feed")  # the generated speed feeds
NOW = dt.datetime(2024, 5, 21, tzinfo=dt.UTC)  # the `now` headlines() clamps dates to

# ------------------------------------------------------------------------------------------------
# The parsers, each called the way ticker would call it


def load_parsers() -> dict[str, object]:
    found = {}
    for name, module in MODULES.items():
        try:
            found[name] = importlib.import_module(module)
        except ImportError as exc:
            print(f"  {name}: not installed ({exc}); skipped")
    return found


PARSERS: dict[str, object] = {}


def fp_headers() -> dict[str, str]:
    # What feeds.py would pass on from the HTTP response: Content-Location makes feedparser
    # resolve relative links against the feed URL; without a Content-Type it sets bozo.
    return {"content-location": FEED_URL, "content-type": "application/xml"}


def parse_with(name: str, data: bytes) -> object:
    mod = PARSERS[name]
    if name == FFP:
        return mod.parse(data)
    if name == FP:
        return mod.parse(data, response_headers=fp_headers())
    return mod.parse(data)


def well_formed(data: bytes) -> bool:
    """Expat, no namespaces, no external entities, libexpat's amplification limit."""
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return False
    return True


_RELATIVE = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:)")


# ------------------------------------------------------------------------------------------------
# One view of an entry whatever the parser


def field(obj: object, key: str) -> object:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    getter = getattr(obj, "get", None)
    if callable(getter):
        with contextlib.suppress(Exception):
            value = getter(key)
            if value is not None:
                return value
    return getattr(obj, key, None)


def entries_of(result: object) -> list:
    return list(field(result, "entries") or [])


try:
    sys.path.insert(0, str(REPO))
    from ticker import feeds as ticker_feeds
    from ticker.errors import FeedError
    from ticker.model import Source
    from ticker.sanitize import html_to_text
except Exception:  # the bench must run without the package too
    ticker_feeds = None

    def html_to_text(markup: str) -> str:
        from selectolax.lexbor import LexborHTMLParser

        if "<" not in markup:
            return html.unescape(markup)
        body = LexborHTMLParser(markup).body
        return body.text(deep=True) if body is not None else ""


def shown_title(title: object, title_type: object) -> str | None:
    """What a reader would see: markup reduced to text unless the feed says it is plain.

    `title_type` is only "text/plain" for an Atom type="text" title (entry_view drops
    feedparser's guess for RSS titles, which calls "Tom <3 Jerry ... <em>x</em>" plain text).
    """
    if title is None:
        return None
    text = title if isinstance(title, str) else str(title)
    if title_type != "text/plain":
        text = html_to_text(text)
    return " ".join(text.split())


def utc_iso(parser: str, entry: object) -> str:
    """The entry's instant (published, else updated) as 2024-05-20T12:00:00Z, or ""."""
    try:
        if parser == FFP:
            raw = field(entry, "published") or field(entry, "updated")
            if not raw:
                return ""
            when = dt.datetime.fromisoformat(str(raw))
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parsed = field(entry, "published_parsed") or field(entry, "updated_parsed")
        if not parsed:
            return ""
        stamp = calendar.timegm(tuple(parsed))
        return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, TypeError) as exc:
        return f"<{type(exc).__name__}>"


def entry_view(parser: str, entry: object, resolve: bool, version: str) -> dict:
    detail = field(entry, "title_detail")
    title_type = field(detail, "type")
    if parser == FP and not version.startswith("atom"):
        title_type = None  # feedparser guesses the type of RSS titles, and guesses wrong
    link = field(entry, "link")
    if resolve and isinstance(link, str) and link.strip():
        link = urljoin(FEED_URL, link.strip())
    tags = field(entry, "tags") or []
    return {
        "title": field(entry, "title"),
        "title_type": title_type,
        "raw_type": field(detail, "type"),
        "link": link,
        "guid": field(entry, "id"),
        "published": utc_iso(parser, entry),
        "tags": [field(t, "term") for t in tags] if isinstance(tags, list) else tags,
    }


def ticker_view(entry: object) -> dict:
    """A ticker Entry in entry_view's shape: its title is already text, its link absolute."""
    when = entry.published or entry.updated
    return {
        "title": entry.title,
        "title_type": "text/plain",  # shown as is: reducing it to text again would be wrong
        "raw_type": None,
        "link": entry.link,
        "guid": entry.guid,
        "published": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else "",
        "tags": list(entry.categories),
    }


def ticker_strings(feed: object) -> list[str]:
    """Every string ticker keeps from a feed, for the forbidden-text and expansion checks."""
    out = [feed.title]
    for e in feed.entries:
        out += [e.guid, e.title, e.link, e.summary, *e.categories]
    return out


# Which parser ticker.feeds.parse ended up with; set by the wrappers track_ticker installs.
TICKER_USED: list[str] = [""]


def track_ticker() -> None:
    """In a fixture child only: note which of ticker's two parse paths returned the feed."""

    def tracked(fn, label: str):
        def wrapper(*args, **kwargs):
            result = fn(*args, **kwargs)
            TICKER_USED[0] = label
            return result

        return wrapper

    ticker_feeds._parse_fast = tracked(ticker_feeds._parse_fast, FFP)
    ticker_feeds._parse_tolerant = tracked(ticker_feeds._parse_tolerant, FP)


def all_strings(obj: object, depth: int = 0):
    """Every string in a parse result, for the forbidden-text and expansion checks."""
    if depth > 8 or obj is None or isinstance(obj, (int, float, bool, time.struct_time)):
        return
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, bytes):
        yield obj.decode("latin-1")
    elif isinstance(obj, BaseException):
        yield str(obj)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from all_strings(value, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from all_strings(value, depth + 1)
    elif callable(getattr(obj, "keys", None)):
        for key in list(obj.keys()):
            yield from all_strings(field(obj, key), depth + 1)
    else:
        for name in dir(obj):
            if not name.startswith("_"):
                value = getattr(obj, name, None)
                if not callable(value):
                    yield from all_strings(value, depth + 1)


# ------------------------------------------------------------------------------------------------
# Robustness: fixtures parsed in a child process


def summarize(parser: str, data: bytes, forbid: list[str]) -> dict:
    if parser == TICKER:
        TICKER_USED[0] = "?"
        started = time.perf_counter()
        feed = ticker_feeds.parse(data, FEED_URL)
        elapsed = time.perf_counter() - started
        strings = ticker_strings(feed)
        return {
            "used": TICKER_USED[0],
            "seconds": elapsed,
            "bozo": False,
            "version": "",
            "entries": [ticker_view(e) for e in feed.entries],
            "forbidden": sorted({f for f in forbid for s in strings if f in s}),
            "longest": max((len(s) for s in strings), default=0),
        }
    started = time.perf_counter()
    used, result = parser, parse_with(parser, data)
    elapsed = time.perf_counter() - started
    strings = list(all_strings(result))
    return {
        "used": used,
        "seconds": elapsed,
        "bozo": bool(field(result, "bozo")),
        "version": str(field(result, "version") or ""),
        "entries": [
            entry_view(used, e, False, str(field(result, "version") or ""))
            for e in entries_of(result)
        ],
        "forbidden": sorted({f for f in forbid for s in strings if f in s}),
        "longest": max((len(s) for s in strings), default=0),
    }


def child_main(conn, parser: str) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    if parser == TICKER:
        track_ticker()
    while True:
        job = conn.recv()
        if job is None:
            return
        path, forbid = job
        try:
            conn.send(("ok", summarize(parser, Path(path).read_bytes(), forbid)))
        except BaseException as exc:  # report everything, MemoryError included
            conn.send(("raised", f"{type(exc).__name__}: {str(exc)[:120]}"))


class Child:
    def __init__(self, parser: str) -> None:
        self.parser = parser
        self.conn, theirs = mp.Pipe()
        self.proc = mp.get_context("fork").Process(
            target=child_main, args=(theirs, parser), daemon=True
        )
        self.proc.start()

    def run(self, path: Path, forbid: list[str]) -> tuple[str, object]:
        self.conn.send((str(path), forbid))
        if not self.conn.poll(PARSE_TIMEOUT):
            self.kill()
            return "hung", PARSE_TIMEOUT
        try:
            return self.conn.recv()
        except EOFError:
            self.proc.join(5)
            return "crashed", self.proc.exitcode

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.proc.join(5)
        if self.proc.is_alive():
            self.kill()


class Trap:
    """A loopback listener on TRAP_PORT that records every request: proof of a fetch."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                body = b"root:x:0:0:trap:/root:/bin/sh\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        try:
            self.server = http.server.ThreadingHTTPServer(("127.0.0.1", TRAP_PORT), Handler)
        except OSError as exc:
            print(f"  fetch trap: cannot listen on 127.0.0.1:{TRAP_PORT} ({exc}); fetches unseen")
            self.server = None
            return
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        # Prove the trap sees requests before trusting its silence.
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{TRAP_PORT}/self-test", timeout=5) as r:
            r.read()
        if self.hits != ["/self-test"]:
            raise SystemExit(f"fetch trap self-test failed: {self.hits}")
        self.hits.clear()

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def judge(
    spec: dict, status: str, out: object, fetched: list[str], parser: str
) -> tuple[str, bool]:
    """One table cell, and whether it counts as a pass."""
    if status == "hung":
        return f"HUNG >{PARSE_TIMEOUT:.0f}s", False
    if status == "crashed":
        return f"CRASHED (exit {out})", False
    alarms = []
    if fetched:
        alarms.append("FETCHED!")
    if status == "raised":
        name = str(out).split(":", 1)[0]
        ok = spec.get("min_items", spec["expect_items"]) == 0 and not alarms
        if parser == TICKER and name != FeedError.__name__:
            ok = False  # ticker promises FeedError for what is no feed; anything else is a bug
        return " ".join([*alarms, *(["ok"] if ok else []), f"raised {name}"]), ok
    entries = out["entries"]
    forbidden = out["forbidden"]
    if any("lol" in f for f in forbidden) or out["longest"] > 1_000_000:
        alarms.append("EXPANDED!")
    if "root:" in forbidden or any(f not in ("root:",) and "lol" not in f for f in forbidden):
        alarms.append("READ FILE!")
    expect = spec["expect_items"]
    low, high = spec.get("min_items", expect), spec.get("max_items", expect)
    count_ok = low <= len(entries) <= high
    flags = []
    if entries:
        first = entries[0]
        titles = spec.get("expect_titles")
        if titles:
            got = [shown_title(e["title"], e["title_type"]) for e in entries]
            right = sum(1 for a, b in zip(got, titles, strict=False) if a == b)
            if right < len(titles):
                flags.append(f"titles {right}/{len(titles)}")
        elif "expect_first_title" in spec and (
            shown_title(first["title"], first["title_type"]) != spec["expect_first_title"]
        ):
            flags.append("title!")
        if "expect_first_link" in spec:
            want, link = spec["expect_first_link"], first["link"]
            if not link:
                flags.append("link:empty")
            elif link != want:
                if urljoin(FEED_URL, link.strip()) == want:
                    flags.append("link:rel")
                elif _RELATIVE.match(link):
                    flags.append("link:base-lost")
                else:
                    flags.append("link:bad")
        if "expect_first_guid" in spec and first["guid"] != spec["expect_first_guid"]:
            flags.append("guid!")
        if "expect_published" in spec:
            want = spec["expect_published"]
            right = sum(1 for e, w in zip(entries, want, strict=False) if e["published"] == w)
            if right < len(want):
                flags.append(f"dates {right}/{len(want)}")
    # "link:rel" is not a failure: the feed URL fixes it (feeds.py must urljoin every link).
    failing = [f for f in flags if f != "link:rel"]
    ok = count_ok and not failing and not alarms
    head = "ok " if ok else ""
    cell = f"{head}{len(entries)}/{expect}"
    return " ".join([*alarms, cell, *flags]), ok


def robustness(manifest: dict, names: list[str]) -> dict:
    trap = Trap()
    os.chdir(REPO)  # hostile_body_is_a_path.txt names a path relative to the repo root
    results: dict[str, dict[str, tuple[str, bool, dict | None]]] = {}
    raw: dict[str, dict[str, tuple[str, object]]] = {}
    for parser in names:
        child = Child(parser)
        for fname, spec in manifest.items():
            before = len(trap.hits)
            status, out = child.run(FIXTURES / fname, spec.get("forbid", []))
            time.sleep(0.01)  # let a fetch that raced the reply be counted
            fetched = trap.hits[before:]
            cell, ok = judge(spec, status, out, fetched, parser)
            results.setdefault(fname, {})[parser] = (cell, ok, out if status == "ok" else None)
            raw.setdefault(fname, {})[parser] = (status, out)
            if status in ("hung", "crashed"):
                child = Child(parser)
        child.close()
    trap.close()
    return {
        "cells": results,
        "raw": raw,
        "trap_on": trap.server is not None,
        "hits": list(trap.hits),
    }


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


# ------------------------------------------------------------------------------------------------
# Speed: generated 50-item feeds

# fmt: off
WORDS = [
    "council", "harbour", "budget", "river", "bridge", "market", "school", "festival", "station",
    "rail", "ferry", "museum", "library", "tram", "weather", "storm", "mayor", "minister",
    "union", "strike", "hospital", "clinic", "farmers", "orchestra", "stadium", "airport",
    "runway", "vote", "election", "report", "plan", "review", "housing", "rents", "energy",
    "wind", "solar", "grid", "water", "drought", "flood", "repairs", "opens", "closes", "delays",
    "approves", "announces", "warns", "extends", "cuts", "raises", "record", "first", "new",
    "old", "north", "south", "east", "west", "valley", "coast", "island", "district", "residents",
    "workers", "students", "drivers", "cyclists", "visitors",
]
# fmt: on


def sentence(rng: random.Random, low: int, high: int) -> str:
    target = rng.randint(low, high)
    words = []
    while len(" ".join(words)) < target:
        words.append(rng.choice(WORDS))
    text = " ".join(words)[:target].rstrip()
    return text[0].upper() + text[1:]


def generated_items(n: int = 50, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    start = dt.datetime(2024, 5, 20, 12, 0, tzinfo=dt.UTC)
    items = []
    for i in range(n):
        slug = f"2024/05/20/story-{1000 - i}"
        url = f"http://127.0.0.1:8765/news/{slug}"
        words = sentence(rng, 190, 290).split()
        body = (
            f"<p>{' '.join(words[:4])} <b>{' '.join(words[4:7])}</b> {' '.join(words[7:])}.</p>"
            f'<p><a href="{url}#more">Read more</a></p>'
        )
        items.append(
            {
                "title": sentence(rng, 61, 90),
                "url": url,
                "guid": f"urn:ticker-bench:{1000 - i}",
                "when": start - dt.timedelta(minutes=17 * i),
                "body": body,
                "tags": rng.sample(["Local", "Transport", "Politics", "Weather", "Arts"], 2),
            }
        )
    return items


def gen_rss(items: list[dict]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n<title>Bench Wire</title>\n'
        "<link>http://127.0.0.1:8765/news/</link>\n<description>Generated.</description>\n"
    ]
    for it in items:
        cats = "".join(f"<category>{c}</category>" for c in it["tags"])
        out.append(
            f"<item><title>{html.escape(it['title'])}</title><link>{it['url']}</link>"
            f'<guid isPermaLink="false">{it["guid"]}</guid>'
            f"<pubDate>{it['when'].strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
            f"<dc:creator>Bench Desk</dc:creator>{cats}"
            f"<description>{html.escape(it['body'])}</description></item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode()


def gen_atom(items: list[dict]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<title>Bench Wire</title><id>urn:ticker-bench</id>"
        "<updated>2024-05-20T12:00:00Z</updated>"
        '<link rel="alternate" href="http://127.0.0.1:8765/news/"/>\n'
    ]
    for it in items:
        cats = "".join(f'<category term="{c}"/>' for c in it["tags"])
        stamp = it["when"].strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(
            f"<entry><title>{html.escape(it['title'])}</title>"
            f'<link rel="alternate" type="text/html" href="{it["url"]}"/>'
            f"<id>{it['guid']}</id><published>{stamp}</published><updated>{stamp}</updated>"
            f"<author><name>Bench Desk</name></author>{cats}"
            f'<summary type="html">{html.escape(it["body"])}</summary></entry>\n'
        )
    out.append("</feed>\n")
    return "".join(out).encode()


def gen_json(items: list[dict]) -> bytes:
    import json

    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Bench Wire",
        "home_page_url": "http://127.0.0.1:8765/news/",
        "items": [
            {
                "id": it["guid"],
                "url": it["url"],
                "title": it["title"],
                "content_html": it["body"],
                "date_published": it["when"].isoformat(),
                "tags": it["tags"],
                "authors": [{"name": "Bench Desk"}],
            }
            for it in items
        ],
    }
    return json.dumps(feed, indent=1).encode()


def lxml_check(data: bytes) -> int:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    etree.fromstring(data, parser)
    return 0


def time_call(fn, data: bytes, runs: int, budget: float) -> tuple[list[float], int]:
    """ms per parse for each of `runs` runs of N parses (N sized to `budget` seconds a run)."""
    fn(data)
    started = time.perf_counter()
    fn(data)
    single = max(time.perf_counter() - started, 1e-6)
    n = max(3, int(budget / single))
    per_run = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(n):
            fn(data)
        per_run.append((time.perf_counter() - started) / n * 1000)
    return per_run, n


def speed(names: list[str], runs: int, budget: float) -> dict:
    items = generated_items()
    feeds = {"RSS 2.0": gen_rss(items), "Atom 1.0": gen_atom(items), "JSON Feed": gen_json(items)}
    print(
        "  feeds: 50 items each; "
        + ", ".join(f"{k} {len(v) / 1024:.1f} KiB" for k, v in feeds.items())
    )
    print(f"  {runs} runs of N parses each; ms per parse of the whole feed (median / min / max)")
    rows, table = [], {}
    # (name, the call timed, how many items its result holds)
    candidates = [(n, lambda d, n=n: parse_with(n, d), lambda r: len(entries_of(r))) for n in names]
    if TICKER in names:
        source = Source("Bench Wire", FEED_URL)
        candidates = [c for c in candidates if c[0] != TICKER]
        candidates.append(
            (TICKER, lambda d: ticker_feeds.parse(d, FEED_URL), lambda r: len(r.entries))
        )
        candidates.append((HEADLINES, lambda d: ticker_feeds.headlines(d, source, now=NOW), len))
    for fmt, data in feeds.items():
        for name, fn, count in candidates:
            found = count(fn(data))
            if found != len(items):
                rows.append([fmt, name, "n/a", "", "", "", f"{found} items: unsupported"])
                continue
            per_run, n = time_call(fn, data, runs, budget)
            table[(fmt, name)] = statistics.median(per_run)
            rows.append(
                [
                    fmt,
                    name,
                    f"{statistics.median(per_run):.3f}",
                    f"{min(per_run):.3f}",
                    f"{max(per_run):.3f}",
                    str(n),
                    f"{found} items",
                ]
            )
        if fmt != "JSON Feed":
            for label, fn in (("(expat check)", well_formed), ("(lxml check)", lxml_check)):
                per_run, n = time_call(fn, data, runs, budget)
                table[(fmt, label)] = statistics.median(per_run)
                rows.append(
                    [
                        fmt,
                        label,
                        f"{statistics.median(per_run):.3f}",
                        f"{min(per_run):.3f}",
                        f"{max(per_run):.3f}",
                        str(n),
                        "well-formedness only",
                    ]
                )
    print_table(rows, ["format", "parser", "median ms", "min ms", "max ms", "N", "result"])
    return table


# ------------------------------------------------------------------------------------------------
# Field report


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def first_entry(parser: str, name: str, index: int = 0) -> object:
    entries = entries_of(parse_with(parser, fixture(name)))
    return entries[index] if len(entries) > index else None


def short(value: object, limit: int = 90) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_report(names: list[str], raw: dict, manifest: dict) -> None:
    for parser in names:
        if parser == TICKER:
            continue
        print(f"\n  [{parser}]")
        # links and xml:base
        e = first_entry(parser, "atom10_full.xml")
        links = [(field(x, "rel"), field(x, "href")) for x in (field(e, "links") or [])]
        content = field(e, "content") or []
        bases = {
            "title_detail.base": field(field(e, "title_detail"), "base"),
            "content[0].base": field(content[0], "base") if content else None,
        }
        print(f"    xml:base link   : {short(field(e, 'link'))}")
        print(f"    links           : {short(links, 200)}")
        print(f"    base fields     : {short({k: v for k, v in bases.items() if v}, 200)}")
        e = first_entry(parser, "atom10_relative_nobase.xml")
        print(f"    relative, no base: {short(field(e, 'link'))}")
        e3 = first_entry(parser, "rss20_full.xml", 2)
        print(f"    link from guid  : {short(field(e3, 'link'))} (rss20_full item 3: guid only)")
        # loopback links
        hosts = [
            "http://127.0.0.1/a",
            "http://127.0.0.1:8765/a",
            "http://localhost/a",
            "http://10.1.2.3/a",
            "https://news.example.com/a",
        ]
        kept = []
        for href in hosts:
            doc = (
                f'<rss version="2.0"><channel><title>t</title><link>{href}</link><item>'
                f"<title>x</title><link>{href}</link><guid>g</guid></item></channel></rss>"
            ).encode()
            link = field(entries_of(parse_with(parser, doc))[0], "link")
            kept.append(f"{href.split('/')[2]}:{'kept' if link == href else repr(link)}")
        print(f"    item link hosts : {', '.join(kept)}")
        # dates
        e = first_entry(parser, "rss20_full.xml")
        date_fields = {
            k: field(e, k)
            for k in ("published", "published_parsed", "updated", "updated_parsed")
            if field(e, k) is not None
        }
        for key, value in date_fields.items():
            print(f"    {key:<16}: {type(value).__name__} {short(value, 70)}")
        print_dates(parser, raw, manifest)
        # guid, categories, content
        e = first_entry(parser, "rss20_full.xml")
        print(f"    guid            : id={field(e, 'id')!r} guidislink={field(e, 'guidislink')!r}")
        print(f"    categories      : {short(field(e, 'tags'), 200)}")
        content = field(e, "content") or []
        print(
            "    content:encoded : "
            + short(field(content[0], "value") if content else None, 60)
            + f"; summary={short(field(e, 'summary') or field(e, 'description'), 60)}"
        )
        # titles
        status, out = raw["titles_html.xml"][parser]
        if status == "ok":
            for entry in out["entries"][:3]:
                print(f"    title (raw)     : {short(entry['title'], 70)} type={entry['raw_type']}")
        status, out = raw["titles_atom_types.xml"][parser]
        if status == "ok":
            for entry in out["entries"]:
                print(f"    atom title      : {short(entry['title'], 70)} type={entry['raw_type']}")
        bozo = sum(
            1
            for fname in manifest
            if raw[fname][parser][0] == "ok" and raw[fname][parser][1]["bozo"]
        )
        print(f"    bozo set on     : {bozo} of {len(manifest)} fixtures")
        print_escapes_and_links(parser, raw)


def print_dates(parser: str, raw: dict, manifest: dict) -> None:
    summary = []
    for fname, spec in manifest.items():
        if not fname.startswith("dates_") and fname not in ("rss10_rdf.xml", "atom03.xml"):
            continue
        status, out = raw[fname][parser]
        if status != "ok":
            summary.append(f"{fname}: {status}")
            continue
        want = spec["expect_published"]
        got = [e["published"] for e in out["entries"]]
        wrong = [
            f"#{i + 1}={g or 'none'}"
            for i, (g, w) in enumerate(zip(got, want, strict=False))
            if g != w
        ]
        right = len(want) - len(wrong)
        detail = f" ({', '.join(wrong)})" if wrong else ""
        summary.append(f"{fname} {right}/{len(want)}{detail}")
    print("    dates vs manifest:")
    for line in summary:
        print(f"      {line}")


def print_escapes_and_links(parser: str, raw: dict) -> None:
    escapes = []
    for fname in ("hostile_ansi_ncr.xml", "hostile_ansi_raw.xml", "hostile_jsonfeed_ansi.json"):
        status, out = raw[fname][parser]
        if status != "ok":
            escapes.append(f"{fname} {status}")
            continue
        titles = [e["title"] or "" for e in out["entries"]]
        esc = sum(1 for t in titles if "\x1b" in t or "\x9b" in t)
        escapes.append(f"{fname} {esc}/{len(titles)}")
    print(f"    titles with ESC : {', '.join(escapes)}")
    status, out = raw["hostile_links.xml"][parser]
    if status == "ok":
        links = [e["link"] for e in out["entries"]]
        print(f"    odd-scheme links: {short(links, 200)}")


def ticker_report(raw: dict, manifest: dict) -> None:
    """What ticker.feeds.parse hands on, after its own cleaning (the other parsers' raw output
    is above): dates, escape sequences, link schemes."""
    print(f"\n  [{TICKER}] (ticker.feeds.parse: entries already cleaned)")
    print_dates(TICKER, raw, manifest)
    print_escapes_and_links(TICKER, raw)


# ------------------------------------------------------------------------------------------------


def main() -> None:
    quick = "--quick" in sys.argv
    started = time.perf_counter()
    print("Feed parser comparison for ticker")
    print(f"python {sys.version.split()[0]}, libexpat {expat.EXPAT_VERSION}")
    PARSERS.update(load_parsers())
    for name, mod in PARSERS.items():
        print(f"  {name} {getattr(mod, '__version__', '?')}")
    names = list(PARSERS)
    if ticker_feeds is None:
        print("  ticker: the package cannot be imported; its rows are skipped")
    elif FFP in PARSERS and FP in PARSERS:
        names.append(TICKER)
    manifest = tomllib.loads((FIXTURES / "MANIFEST.toml").read_text("utf-8"))

    print("\n== 1. Speed ==")
    speeds = speed(names, runs=5 if quick else 7, budget=0.05 if quick else 0.15)

    print(f"\n== 2. Robustness: {len(manifest)} fixtures in {FIXTURES.relative_to(REPO)} ==")
    print(
        "  cell: 'ok' when everything checked passed; n/expected items; then any of:\n"
        "  title!/titles k/n (text differs), guid!, dates k/n (published vs manifest),\n"
        "  link:rel (relative; urljoin with the feed URL fixes it, not counted as a failure),\n"
        "  link:base-lost (xml:base ignored), link:empty, link:bad (corrupted),\n"
        "  EXPANDED! (entity expansion), READ FILE! (local file content in the result),\n"
        f"  FETCHED! (request seen on 127.0.0.1:{TRAP_PORT}), raised X, HUNG, CRASHED.\n"
        f"  '{TICKER}' is ticker.feeds.parse(body, {FEED_URL!r}); for it only FeedError counts\n"
        "  as a clean refusal (any other exception is a failure)."
    )
    rob = robustness(manifest, names)
    cells = rob["cells"]
    rows = [[f, *[cells[f][p][0] for p in names]] for f in manifest]
    print_table(rows, ["file", *names])
    passes = {p: sum(1 for f in manifest if cells[f][p][1]) for p in names}
    print("  passed: " + ", ".join(f"{p} {passes[p]}/{len(manifest)}" for p in names))
    used: dict[str, int] = {}
    for f in manifest:
        out = cells[f].get(TICKER, (None, None, None))[2]
        if out:
            used[out["used"]] = used.get(out["used"], 0) + 1
    refused = sum(
        1 for f in manifest if cells[f].get(TICKER, ("",))[0].endswith("raised FeedError")
    )
    if used:
        print(
            f"  {TICKER} used: "
            + ", ".join(f"{k} for {v}" for k, v in sorted(used.items()))
            + f"; refused with FeedError {refused}"
        )
    lol = [
        f"{SHORT[p]} {rob['raw']['hostile_billion_laughs.xml'][p][1]['seconds'] * 1000:.1f} ms"
        for p in names
        if rob["raw"]["hostile_billion_laughs.xml"][p][0] == "ok"
    ]
    print("  billion laughs parse time: " + ", ".join(lol))
    slowest = []
    for p in names:
        times = [
            (rob["raw"][f][p][1]["seconds"], f) for f in manifest if rob["raw"][f][p][0] == "ok"
        ]
        if times:
            worst = max(times)
            slowest.append(f"{SHORT[p]} {worst[0] * 1000:.1f} ms ({worst[1]})")
    print("  slowest fixture parse: " + ", ".join(slowest))
    if not rob["trap_on"]:
        print("  (fetch trap was off: FETCHED! could not be detected)")
    else:
        print(f"  requests seen by the fetch trap (self-tested): {len(rob['hits'])} {rob['hits']}")

    print("\n== 3. What each parser gives (the mapping feeds.py needs) ==")
    field_report(names, rob["raw"], manifest)
    if TICKER in names:
        ticker_report(rob["raw"], manifest)
    if FP in PARSERS:
        leaked = entries_of(PARSERS[FP].parse(fixture("hostile_body_is_a_path.txt")))
        safe = entries_of(PARSERS[FP].parse(io.BytesIO(fixture("hostile_body_is_a_path.txt"))))
        print(
            f"\n  feedparser given the bytes b'tests/fixtures/feeds/rss20_full.xml' (a response "
            f"body): {len(leaked)} items read from that local file; given a BytesIO: {len(safe)}."
        )

    print("\n== Recommendation ==")
    recommend(speeds, passes, names, manifest, cells, used)
    print(f"\n(total {time.perf_counter() - started:.1f} s)")


def recommend(
    speeds: dict, passes: dict, names: list[str], manifest: dict, cells: dict, used: dict
) -> None:
    total = len(manifest)

    def ms(fmt: str, name: str) -> str:
        value = speeds.get((fmt, name))
        return f"{value:.2f} ms" if value is not None else "n/a"

    timed = [*names, HEADLINES] if TICKER in names else names
    for fmt in FORMATS:
        print(f"  {fmt:<9}: " + ", ".join(f"{SHORT[n]} {ms(fmt, n)}" for n in timed))
    print(
        f"  expat pre-check: RSS {ms('RSS 2.0', '(expat check)')}, "
        f"Atom {ms('Atom 1.0', '(expat check)')}"
    )
    print("  fixtures passed: " + ", ".join(f"{SHORT[n]} {passes[n]}/{total}" for n in names))
    if TICKER not in names:
        print("  (ticker, fastfeedparser or feedparser missing: no recommendation)")
        return
    rss = {n: speeds.get(("RSS 2.0", n)) for n in (FFP, FP, TICKER, HEADLINES)}
    if None in rss.values():
        print("  (a candidate did not parse the generated RSS feed: no recommendation)")
        return
    ratio = rss[FP] / rss[FFP]
    overhead = rss[TICKER] / rss[FFP]
    failing = (
        "".join(f"\n    {f} ({cells[f][TICKER][0]})" for f in manifest if not cells[f][TICKER][1])
        or " none"
    )
    paths = ", ".join(f"{k} {v}" for k, v in sorted(used.items())) or "none"
    refused = sum(1 for f in manifest if cells[f][TICKER][0].endswith("raised FeedError"))

    def ms3(name: str) -> str:
        return " / ".join(f"{speeds.get((fmt, name), float('nan')):.2f}" for fmt in FORMATS)

    limit = ticker_feeds.TOLERANT_MAX // 1024
    earliest = ticker_feeds._EARLIEST_YEAR
    print(
        f"""
  Keep what ticker.feeds.parse does now (the "{TICKER}" rows measure it):
    - illegal control bytes (C0 but TAB, LF, CR and BEL/ESC, which sanitize removes with their
      sequences) are dropped first, so one stray byte does not make a whole feed ill-formed;
    - JSON Feed goes to fastfeedparser once json.loads has dropped wrong-typed fields and lone
      surrogates; an empty body or an HTML page is a FeedError;
    - XML that expat finds well-formed ({ms("RSS 2.0", "(expat check)")} per RSS feed) goes to
      fastfeedparser unless it uses xml:base, XHTML titles or elements inside a title (which
      fastfeedparser ignores or drops), or unless fastfeedparser raises or finds no items;
    - the rest goes to feedparser (a BytesIO, Content-Location = feed URL) up to {limit} KB;
      an ill-formed feed larger than that gets fastfeedparser's lossy recovering parse.
  Measured, ms per 50-item feed (RSS / Atom / JSON Feed):
    ticker.feeds.parse      {ms3(TICKER)}  (RSS: {overhead:.1f}x fastfeedparser alone,
                            {rss[FP] / rss[TICKER]:.0f}x faster than feedparser)
    ticker.feeds.headlines  {ms3(HEADLINES)}  (what a poll pays per feed; badges and ids add
                            {rss[HEADLINES] - rss[TICKER]:.2f} ms on RSS)
  Fixtures: {passes[TICKER]}/{total} passed; parsed by {paths}; {refused} refused with FeedError.
  Still failing:{failing}

  Why not fastfeedparser alone: on ill-formed XML its recovering lxml parse neither raises
  nor sets bozo; it cuts titles at a bare '&' or an HTML entity ('Caf'), rewrites
  '?id=1&ref=rss' to '?id=1=rss', and loses items (items outside <channel>: 0 of 3;
  billion laughs: the innocent second item).
  Why not feedparser alone: about {ratio:.0f}x slower than fastfeedparser, no JSON Feed at all
  in 6.0.x, and parse(bytes) opens a local file named by the bytes.
  Why not feedparser-rs: it blanks item links to loopback and private hosts (127.0.0.1,
  localhost, 10.x; a public host is kept) yet keeps javascript: and file: links, and it
  ignores xml:base.

  Beyond the parsers feeds.py also joins every link with the feed URL (or xml:base) and
  keeps only http(s) links, turns title HTML into text (Atom type="text" titles stay
  literal), drops dates before {earliest}, caps a feed at {ticker_feeds.MAX_ENTRIES} entries,
  passes every string through ticker.sanitize (ESC/OSC sequences, Rich markup), and
  headlines() clamps future dates to the poll time."""
    )


if __name__ == "__main__":
    main()
