"""Hostile feeds cannot hurt ticker.

Every case is served by a real HTTP server on 127.0.0.1 (tests/hostile_server.py) and polled for
real: through the `Poller` into a real SQLite store, through `ticker headlines` run in-process,
and through a `ticker` subprocess where the exit status or the memory of a whole process matters.
Each case asserts the one outcome ticker owes: the readable items stored clean (exact titles), or
the exact one-line refusal when nothing can be read. Never "either is fine".
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hostile_server import (
    JSON_FEED,
    Handler,
    HostileServer,
    body,
    cut_off,
    firehose,
    gzip_bomb,
    never_ending_feed,
    raw_reply,
    redirect,
)

from ticker.__main__ import main
from ticker.config import PollSettings
from ticker.model import Headline, PollOutcome, Source
from ticker.poller import Poller
from ticker.store import Store

TIMEOUT = 1.0  # seconds; the poller allows twice that for a whole fetch
SHORT = PollSettings(timeout=TIMEOUT)
MEMORY_BUDGET = 150 * 1024 * 1024  # peak RSS growth a hostile answer may cause, in bytes
TITLE_MAX = 400
SUMMARY_MAX = 2000
OSC52_PAYLOAD = "ZWNobyBoaQ=="  # base64 of "echo hi"

# Escape, C0 (but tab and newline), DEL, C1, bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What a half-removed escape sequence leaves behind.
_LEFTOVERS = ("]52;", "]8;;", "]0;", "[31m", "[0m", "[5m", "[2J", OSC52_PAYLOAD)


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    running = HostileServer().start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _loopback_stays_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fetcher honours proxy variables; a proxy must not stand between ticker and 127.0.0.1.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[poll]\ntimeout = {TIMEOUT:g}\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "poller" / "ticker.db"


# -- feeds -------------------------------------------------------------------------------------


def item(
    title: str | bytes,
    *,
    guid: str,
    link: str = "",
    summary: str | bytes = "",
    published: datetime | None = None,
) -> bytes:
    """One RSS item; title and summary go in as given (hostile text is not escaped)."""
    parts = [b"<item><title>", _bytes(title), b"</title>"]
    parts.append(f'<guid isPermaLink="false">{escape(guid)}</guid>'.encode())
    if link:
        parts.append(f"<link>{escape(link)}</link>".encode())
    if summary:
        parts += [b"<description>", _bytes(summary), b"</description>"]
    if published:
        parts.append(f"<pubDate>{format_datetime(published)}</pubDate>".encode())
    parts.append(b"</item>")
    return b"".join(parts)


def rss(*items: bytes, encoding: str = "UTF-8", doctype: bytes = b"") -> bytes:
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode() + doctype
    channel = (
        b'<rss version="2.0"><channel><title>Hostile News</title>'
        b"<link>http://127.0.0.1/</link><description>Every string is hostile</description>"
    )
    return head + channel + b"".join(items) + b"</channel></rss>"


def json_feed(*items: dict[str, Any]) -> bytes:
    """A JSON Feed 1.1; control characters become \\u escapes, C1 and bidi stay raw UTF-8."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Hostile JSON",
        "home_page_url": "http://127.0.0.1/",
        "items": list(items),
    }
    return json.dumps(feed, ensure_ascii=False).encode()


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


def good_feed(now: datetime) -> bytes:
    """Three ordinary headlines from the last day (retention keeps 30 days)."""
    return rss(
        item(
            "Council approves night bus pilot",
            guid="good-1",
            link="http://127.0.0.1/news/night-bus",
            published=now - timedelta(hours=2),
        ),
        item(
            "Harbour bridge reopens after repairs",
            guid="good-2",
            link="http://127.0.0.1/news/bridge",
            published=now - timedelta(hours=6),
        ),
        item(
            "Library extends its opening hours",
            guid="good-3",
            link="http://127.0.0.1/news/library",
            published=now - timedelta(hours=20),
        ),
    )


# -- running ticker ----------------------------------------------------------------------------


async def poll(store: Path, url: str, settings: PollSettings = SHORT) -> PollOutcome:
    async with Poller(store, [Source("Hostile", url)], settings) as poller:
        [outcome] = await poller.poll_once()
    return outcome


def stored(store: Path) -> list[Headline]:
    with Store(store) as db:
        return db.headlines()


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    peak_rss: int = 0  # bytes; only measured runs know it


def headlines_cli(
    capsys: pytest.CaptureFixture[str],
    data: Path,
    config: Path,
    url: str,
    *,
    fmt: str = "plain",
) -> Run:
    """`ticker headlines` in this process."""
    code = main(
        [
            "headlines",
            "--source",
            url,
            "--data-dir",
            str(data),
            "--config",
            str(config),
            "--format",
            fmt,
        ]
    )
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


async def headlines_cli_off_loop(
    capsys: pytest.CaptureFixture[str], data: Path, config: Path, url: str, *, fmt: str = "plain"
) -> Run:
    """`headlines_cli` from an async test: the CLI runs its own event loop, so in a thread."""
    return await asyncio.to_thread(headlines_cli, capsys, data, config, url, fmt=fmt)


TICKER = Path(sys.executable).with_name("ticker")

# Runs ticker's CLI and records the process's own peak RSS. VmHWM belongs to the address space
# made by exec; wait4's ru_maxrss would also count this (much larger) pytest process.
_MEASURED = """\
import atexit, sys
from pathlib import Path
report = Path(sys.argv.pop(1))
def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            report.write_text(line.split()[1])
atexit.register(peak)
from ticker.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def run_process(workdir: Path, url: str, config: Path, *, measured: bool = False) -> Run:
    """`ticker headlines` as a real subprocess (killed if it runs for a minute)."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = [
        "headlines",
        "--source",
        url,
        "--data-dir",
        str(workdir / "data"),
        "--config",
        str(config),
    ]
    report = workdir / "peak-kb"
    if measured:
        command = [sys.executable, "-c", _MEASURED, str(report)]
    else:
        # What a user runs is the installed script: an install without it fails, never skips.
        assert TICKER.is_file(), f"no ticker console script at {TICKER}: pip install -e ."
        command = [str(TICKER)]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = "127.0.0.1,localhost"  # loopback stays loopback
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    peak = int(report.read_text()) * 1024 if measured else 0
    return Run(done.returncode, done.stdout, done.stderr, peak)


@pytest.fixture(scope="module")
def baseline_peak(server: HostileServer, tmp_path_factory: pytest.TempPathFactory) -> int:
    """Peak RSS of a ticker process that polls one small, ordinary feed."""
    workdir = tmp_path_factory.mktemp("baseline")
    config = workdir / "config.toml"
    config.write_text(f"[poll]\ntimeout = {TIMEOUT:g}\n", encoding="utf-8")
    url = server.serve(server.path("baseline"), body(good_feed(datetime.now(UTC))))
    run = run_process(workdir, url, config, measured=True)
    assert run.code == 0, run.err
    return run.peak_rss


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="peak RSS is read from /proc/self/status"
)


# -- what clean means --------------------------------------------------------------------------


def assert_terminal_safe(text: str) -> None:
    """No escape, C1, BEL or bidi control, and none of the payload a half-removed one leaves."""
    found = _UNSAFE.search(text)
    assert found is None, f"control character {found.group()!r} in {text!r}"
    for junk in _LEFTOVERS:
        assert junk not in text, f"escape payload {junk!r} left in {text!r}"


def assert_stored_safe(headlines: list[Headline]) -> None:
    for headline in headlines:
        for text in (headline.title, headline.summary, headline.url, headline.guid):
            assert_terminal_safe(text)
            assert "\n" not in text
        assert len(headline.title) <= TITLE_MAX
        assert headline.url == "" or headline.url.startswith(("http://", "https://"))


def assert_one_readable_line(message: str | None) -> None:
    assert message, "expected an error message"
    assert message.isprintable(), f"not one printable line: {message!r}"
    assert "Traceback" not in message
    assert len(message) <= 300, f"{len(message)} characters is not one readable line"


def assert_one_error_line(run: Run) -> str:
    """The CLI said one thing on stderr, readably; returns that line."""
    lines = run.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {run.err!r}"
    assert lines[0].startswith("ticker: ")
    assert_one_readable_line(lines[0])
    return lines[0]


def json_rows(run: Run) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run.out.splitlines()]


_HEADLINE_LINE = re.compile(r"\d\d:\d\d  .*?  (?P<title>.*)")


def printed_titles(run: Run) -> list[str]:
    """Titles from plain output: `HH:MM  Source  Title` lines under day headers."""
    found = (_HEADLINE_LINE.fullmatch(line) for line in run.out.splitlines())
    return [match["title"] for match in found if match]


# -- 1. terminal escape sequences --------------------------------------------------------------


# ESC is not a legal XML 1.0 character even as a reference, so this feed is ill-formed and
# takes the tolerant parser.
ESCAPES_AS_XML_REFERENCES = rss(
    item(
        "&#27;[31mRED ALERT&#27;[0m colour by reference",
        guid="esc-1",
        link="http://127.0.0.1/esc/1",
        summary="&#x1b;]52;c;ZWNobyBoaQ==&#x7;Clipboard write in a summary",
    ),
    item(
        "&#x1b;]52;c;ZWNobyBoaQ==&#x7;Clipboard write in a title",
        guid="esc-2",
        link="http://127.0.0.1/esc/2",
    ),
    item(
        "&#x1b;]8;;http://127.0.0.1:9/phish&#x7;Click here&#x1b;]8;;&#x7; for a hyperlink",
        guid="esc-3",
        link="http://127.0.0.1/esc/3",
    ),
)
ESCAPES_AS_XML_REFERENCES_CLEAN = {
    "esc-1": ("RED ALERT colour by reference", "Clipboard write in a summary"),
    "esc-2": ("Clipboard write in a title", ""),
    "esc-3": ("Click here for a hyperlink", ""),
}

# C1 controls are legal XML 1.0 characters: this feed is well-formed and takes the fast parser.
C1_ITEMS = (
    item(
        "&#155;2J&#155;31m8-bit CSI clears the screen",
        guid="c1-1",
        link="http://127.0.0.1/c1/1",
        summary="&#x9d;0;stolen title&#x9c;C1 OSC in a summary",
    ),
    item(
        "&#x9d;8;;http://127.0.0.1:9/phish&#x9c;Click&#x9d;8;;&#x9c; for an 8-bit OSC 8",
        guid="c1-2",
        link="http://127.0.0.1/c1/2",
    ),
)
C1_AS_XML_REFERENCES = rss(*C1_ITEMS)
C1_AS_XML_REFERENCES_CLEAN = {
    "c1-1": ("8-bit CSI clears the screen", "C1 OSC in a summary"),
    "c1-2": ("Click for an 8-bit OSC 8", ""),
}

ESCAPES_IN_JSON = json_feed(
    {
        "id": "j-1",
        "url": "http://127.0.0.1/j/1",
        "title": "\x1b]52;c;ZWNobyBoaQ==\x07Clipboard write by JSON escape",
        "content_text": "\x1b[2J\x1b[HScreen cleared, then a \x07bell",
    },
    {"id": "j-2", "url": "http://127.0.0.1/j/2", "title": "\x9b2J\x9b31mRaw C1 CSI in JSON"},
    {
        "id": "j-3",
        "url": "http://127.0.0.1/j/3",
        "title": "\x1b]8;;http://127.0.0.1:9/phish\x1b\\Click\x1b]8;;\x1b\\ here",
    },
    {
        "id": "j-4",
        "url": "http://127.0.0.1/j/4",
        "title": "\x9d0;stolen window title\x9cC1 OSC by raw UTF-8",
    },
)
ESCAPES_IN_JSON_CLEAN = {
    "j-1": ("Clipboard write by JSON escape", "Screen cleared, then a bell"),
    "j-2": ("Raw C1 CSI in JSON", ""),
    "j-3": ("Click here", ""),
    "j-4": ("C1 OSC by raw UTF-8", ""),
}

ESCAPE_FEEDS = [
    pytest.param(
        ESCAPES_AS_XML_REFERENCES,
        "application/rss+xml",
        ESCAPES_AS_XML_REFERENCES_CLEAN,
        id="esc-as-xml-references",
    ),
    pytest.param(
        C1_AS_XML_REFERENCES,
        "application/rss+xml",
        C1_AS_XML_REFERENCES_CLEAN,
        id="c1-as-xml-references",
    ),
    pytest.param(ESCAPES_IN_JSON, JSON_FEED, ESCAPES_IN_JSON_CLEAN, id="json-feed"),
]


@pytest.mark.parametrize(("feed", "content_type", "clean"), ESCAPE_FEEDS)
async def test_escape_sequences_are_stored_without_escapes_or_their_payload(
    server: HostileServer,
    store: Path,
    feed: bytes,
    content_type: str,
    clean: dict[str, tuple[str, str]],
) -> None:
    url = server.serve(server.path(), body(feed, content_type))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    rows = stored(store)
    assert_stored_safe(rows)
    assert {h.guid: (h.title, h.summary) for h in rows} == clean


@pytest.mark.parametrize(("feed", "content_type", "clean"), ESCAPE_FEEDS)
def test_osc52_and_other_escapes_never_reach_the_printed_output(
    server: HostileServer,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    feed: bytes,
    content_type: str,
    clean: dict[str, tuple[str, str]],
) -> None:
    url = server.serve(server.path(), body(feed, content_type))

    plain = headlines_cli(capsys, tmp_path / "data", config, url)
    as_json = headlines_cli(capsys, tmp_path / "data", config, url, fmt="json")

    for run in (plain, as_json):
        assert run.code == 0 and run.err == ""
        for line in run.out.splitlines():
            assert_terminal_safe(line)
    assert sorted(printed_titles(plain)) == sorted(title for title, _ in clean.values())
    for row in json_rows(as_json):
        assert (row["title"], row["summary"]) == clean[row["id"]]
        assert_terminal_safe(json.dumps(row, ensure_ascii=False))


def test_the_ticker_process_prints_hostile_titles_without_a_control_character(
    server: HostileServer, tmp_path: Path, config: Path
) -> None:
    url = server.serve(server.path(), body(ESCAPES_IN_JSON, JSON_FEED))

    run = run_process(tmp_path, url, config)

    assert run.code == 0, run.err
    assert run.err == ""
    assert sorted(printed_titles(run)) == sorted(t for t, _ in ESCAPES_IN_JSON_CLEAN.values())
    for line in run.out.splitlines():
        assert_terminal_safe(line)


async def test_c1_references_in_an_ill_formed_feed_become_harmless_text(
    server: HostileServer, store: Path
) -> None:
    # feedparser reads C1 references the HTML way, as windows-1252 ('&#155;' is '\u203a'), which
    # is right for the many sloppy feeds that write '&#146;' for an apostrophe; so here the
    # 8-bit "escapes" arrive as printable junk, never as controls, and the words survive.
    feed = rss(
        *C1_ITEMS,
        item("&#27;[1mmakes the feed ill-formed", guid="ill", link="http://127.0.0.1/ill"),
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    rows = {h.guid: (h.title, h.summary) for h in stored(store)}
    for guid, (title, summary) in C1_AS_XML_REFERENCES_CLEAN.items():
        assert all(word in rows[guid][0] for word in title.split())
        assert all(word in rows[guid][1] for word in summary.split())
        assert not _UNSAFE.search(rows[guid][0] + rows[guid][1])
    assert rows["ill"][0] == "makes the feed ill-formed"


RAW_ESCAPES_IN_XML = rss(
    item(
        b"\x1b]52;c;ZWNobyBoaQ==\x07Clipboard write by raw bytes",
        guid="raw-1",
        link="http://127.0.0.1/raw/1",
    ),
    item(b"\x1b[31mRED\x1b[0m alert by raw bytes", guid="raw-2", link="http://127.0.0.1/raw/2"),
    item(b"\x1b]0;pwned\x07Window title by raw bytes", guid="raw-3", link="http://127.0.0.1/raw/3"),
)


async def test_raw_escape_bytes_in_an_xml_feed_leave_no_control_and_no_payload(
    server: HostileServer, store: Path
) -> None:
    url = server.serve(server.path(), body(RAW_ESCAPES_IN_XML))

    outcome = await poll(store, url)

    # ESC and BEL are not legal XML 1.0 characters, yet the headlines around them are readable:
    # the escapes go with their payloads and the items stay.
    assert outcome.ok, outcome.error
    assert_stored_safe(stored(store))
    assert {h.guid: h.title for h in stored(store)} == {
        "raw-1": "Clipboard write by raw bytes",
        "raw-2": "RED alert by raw bytes",
        "raw-3": "Window title by raw bytes",
    }


async def test_a_twice_escaped_escape_never_reaches_the_store_as_a_control(
    server: HostileServer, store: Path
) -> None:
    # The title's text is "&#27;[5mBlinking...": HTML inside RSS, one more unescape away.
    feed = rss(
        item(
            "&amp;#27;[5mBlinking&amp;#27;[0m after one unescape too many",
            guid="twice-1",
            link="http://127.0.0.1/twice/1",
        )
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    [headline] = stored(store)
    assert _UNSAFE.search(headline.title) is None, headline.title
    assert headline.title.endswith("after one unescape too many")


async def test_a_twice_escaped_escape_leaves_no_payload_behind(
    server: HostileServer, store: Path
) -> None:
    feed = rss(
        item(
            "&amp;#27;[5mBlinking&amp;#27;[0m after one unescape too many",
            guid="twice-1",
            link="http://127.0.0.1/twice/1",
        )
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    assert [h.title for h in stored(store)] == ["Blinking after one unescape too many"]


def test_raw_escape_bytes_in_a_json_feed_give_clean_headlines(
    server: HostileServer, tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Raw control characters are not legal in JSON strings, but a lenient JSON reader still
    # reads every word around them: the headline is kept, its escape removed with its payload.
    feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Raw", "items": ['
        b'{"id": "r-1", "url": "http://127.0.0.1/r/1",'
        b' "title": "\x1b]52;c;ZWNobyBoaQ==\x07Raw OSC 52 in JSON"}]}'
    )
    url = server.serve(server.path(), body(feed, JSON_FEED))

    run = headlines_cli(capsys, tmp_path / "data", config, url)

    assert (run.code, run.err) == (0, ""), run.err
    assert printed_titles(run) == ["Raw OSC 52 in JSON"]
    for line in run.out.splitlines():
        assert_terminal_safe(line)


# -- 2. bidi controls --------------------------------------------------------------------------


async def test_bidi_overrides_and_isolates_are_removed(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed = rss(
        item(
            "Invoice \u202eexe.pdf\u202c is ready",
            guid="bidi-1",
            link="http://127.0.0.1/bidi/1",
            summary="Open \u202dtxt.exe\u202c now",
        ),
        item(
            "Refund &#x202E;gpj.exe&#x202C; by reference",
            guid="bidi-2",
            link="http://127.0.0.1/bidi/2",
        ),
        item(
            "Isolates \u2066left\u2069 \u2067right\u2069 \u2068first\u2069 and "
            "\u202aembeddings\u202c \u202bboth\u202c",
            guid="bidi-3",
            link="http://127.0.0.1/bidi/3",
        ),
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url, fmt="json")

    assert outcome.ok, outcome.error
    rows = stored(store)
    assert_stored_safe(rows)
    expected = {
        "bidi-1": ("Invoice exe.pdf is ready", "Open txt.exe now"),
        "bidi-2": ("Refund gpj.exe by reference", ""),
        "bidi-3": ("Isolates left right first and embeddings both", ""),
    }
    assert {h.guid: (h.title, h.summary) for h in rows} == expected
    assert {r["id"]: (r["title"], r["summary"]) for r in json_rows(run)} == expected


def test_line_breaks_in_a_title_never_split_an_output_line(
    server: HostileServer, tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Yesterday noon in the display zone (local): one day header whatever the time of day now.
    noon = (datetime.now().astimezone() - timedelta(days=1)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    breaks = ["&#13;", "&#10;", "\u2028", "\u2029", "\u0085", "&#x85;", "\r\n"]
    feed = rss(
        *(
            item(
                f"Before{brk}after {i}",
                guid=f"br-{i}",
                link=f"http://127.0.0.1/br/{i}",
                published=noon - timedelta(minutes=i),
            )
            for i, brk in enumerate(breaks)
        )
    )
    url = server.serve(server.path(), body(feed))

    run = headlines_cli(capsys, tmp_path / "data", config, url)

    assert run.code == 0 and run.err == ""
    # Each break is a space between the words: never a second line, never "Beforeafter".
    assert run.out.splitlines() == [
        "Yesterday",
        *(
            f"{noon - timedelta(minutes=i):%H:%M}  127.0.0.1  Before after {i}"
            for i in range(len(breaks))
        ),
    ]


# -- 3. markup-like text -----------------------------------------------------------------------


MARKUP_TITLES = [
    "[bold red]x[/] styled by Rich markup",
    "Unbalanced closer at the end [/",
    "[/bold] closing a tag that was never opened",
    "[link=file:///etc/passwd]Read the full report[/link]",
    "[@click=app.quit]Tap to read more[/] (a Textual action)",
    "Array index a[1] and [citation needed] are ordinary text",
]


async def test_markup_like_text_is_kept_literally_in_store_and_output(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = datetime.now(UTC)
    feed = rss(
        *(
            item(
                escape(title),
                guid=f"mk-{i}",
                link=f"http://127.0.0.1/mk/{i}",
                summary=escape(title),
                published=now - timedelta(minutes=i),
            )
            for i, title in enumerate(MARKUP_TITLES)
        )
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)
    plain = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url)
    as_json = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url, fmt="json")

    assert outcome.ok, outcome.error
    assert sorted(h.title for h in stored(store)) == sorted(MARKUP_TITLES)
    assert sorted(h.summary for h in stored(store)) == sorted(MARKUP_TITLES)
    assert printed_titles(plain) == MARKUP_TITLES  # newest first, as published
    assert [row["title"] for row in json_rows(as_json)] == MARKUP_TITLES


async def test_inline_html_elements_in_a_title_keep_their_words(
    server: HostileServer, store: Path
) -> None:
    feed = rss(
        item(b"<b>Breaking</b> harbour news", guid="inline-1", link="http://127.0.0.1/inline/1")
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    assert [h.title for h in stored(store)] == ["Breaking harbour news"]


# -- 4. a 10 MB title --------------------------------------------------------------------------


def huge_title_feed() -> bytes:
    """A 10 MB title and a 2 MB summary: together still under the 16 MB body cap."""
    words = b"overflow "
    return rss(
        item(
            words * (10 * 1024 * 1024 // len(words)),
            guid="huge-1",
            link="http://127.0.0.1/huge/1",
            summary=words * (2 * 1024 * 1024 // len(words)),
        ),
        item("A small neighbour survives", guid="huge-2", link="http://127.0.0.1/huge/2"),
    )


# The huge title cut to TITLE_MAX characters, an ellipsis marking the cut; its neighbour whole.
HUGE_TITLES_STORED = {
    "huge-1": "overflow " * 44 + "ove\u2026",
    "huge-2": "A small neighbour survives",
}


async def test_a_10_mb_title_is_stored_cut_short_beside_its_neighbour(
    server: HostileServer, store: Path
) -> None:
    url = server.serve(server.path(), body(huge_title_feed()))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    rows = {h.guid: h for h in stored(store)}
    assert_stored_safe(list(rows.values()))
    assert {guid: h.title for guid, h in rows.items()} == HUGE_TITLES_STORED
    assert len(rows["huge-1"].title) == TITLE_MAX
    assert len(rows["huge-1"].summary) == SUMMARY_MAX
    assert rows["huge-1"].summary.startswith("overflow overflow")


def test_a_10_mb_title_prints_as_one_short_line(
    server: HostileServer, tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve(server.path(), body(huge_title_feed()))

    run = headlines_cli(capsys, tmp_path / "data", config, url)

    assert (run.code, run.err) == (0, ""), run.err
    assert sorted(printed_titles(run)) == sorted(HUGE_TITLES_STORED.values())


@needs_proc
def test_a_10_mb_title_keeps_the_process_memory_bounded(
    server: HostileServer, tmp_path: Path, config: Path, baseline_peak: int
) -> None:
    url = server.serve(server.path(), body(huge_title_feed()))

    run = run_process(tmp_path, url, config, measured=True)

    assert (run.code, run.err) == (0, ""), run.err
    assert sorted(printed_titles(run)) == sorted(HUGE_TITLES_STORED.values())
    assert run.peak_rss - baseline_peak < MEMORY_BUDGET, _mb(run.peak_rss, baseline_peak)


async def test_an_ill_formed_feed_of_tiny_elements_cannot_hold_the_poll_past_its_deadline(
    server: HostileServer, store: Path
) -> None:
    # Every <b/> is an element to build and every bare & is ill-formed XML (a control byte
    # would not do: ticker drops those before parsing). 1.5 MB is more than the forgiving
    # parser may take on, so the fast one recovers the feed, both items with their titles.
    feed = rss(
        item(
            "Dense elements in the description",
            guid="dense-1",
            link="http://127.0.0.1/dense/1",
            summary=b"<b/>&" * (1_500_000 // 5),
        ),
        item("Innocent item", guid="dense-2", link="http://127.0.0.1/dense/2"),
    )
    url = server.serve(server.path(), body(feed))

    started = time.monotonic()
    outcome = await poll(store, url)
    elapsed = time.monotonic() - started

    assert outcome.ok, outcome.error
    assert_stored_safe(stored(store))
    assert {h.guid: h.title for h in stored(store)} == {
        "dense-1": "Dense elements in the description",
        "dense-2": "Innocent item",
    }
    assert elapsed < 2 * TIMEOUT, f"one poll took {elapsed:.1f} s"


def _mb(peak: int, baseline: int) -> str:
    return f"peak RSS {peak >> 20} MB, baseline {baseline >> 20} MB"


# -- 5, 6. entities ----------------------------------------------------------------------------


BILLION_LAUGHS = b"""<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
QUADRATIC_BLOWUP = b'<!DOCTYPE rss [<!ENTITY a "' + b"lol" * 20_000 + b'">]>\n'


@pytest.mark.parametrize(
    ("doctype", "reference"),
    [
        pytest.param(BILLION_LAUGHS, b"&lol9;", id="billion-laughs"),
        pytest.param(QUADRATIC_BLOWUP, b"&a;" * 20_000, id="quadratic-blowup"),
    ],
)
def test_entity_bombs_are_not_expanded(
    server: HostileServer,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    doctype: bytes,
    reference: bytes,
) -> None:
    feed = rss(
        item(
            b"Expansion bomb " + reference,
            guid="lol-1",
            link="http://127.0.0.1/lol/1",
            summary=reference,
        ),
        item("Innocent item", guid="lol-2", link="http://127.0.0.1/lol/2"),
        doctype=doctype,
    )
    url = server.serve(server.path(), body(feed))

    run = headlines_cli(capsys, tmp_path / "data", config, url, fmt="json")

    # An entity the feed declares is never expanded: its references go, as an external
    # entity's do, and the words around them stay.
    expected = {"lol-1": ("Expansion bomb", ""), "lol-2": ("Innocent item", "")}
    assert (run.code, run.err) == (0, ""), run.err
    assert {row["id"]: (row["title"], row["summary"]) for row in json_rows(run)} == expected
    with Store(tmp_path / "data" / "ticker.db") as db:
        assert {h.guid: (h.title, h.summary) for h in db.headlines()} == expected


async def test_an_external_entity_never_reads_a_local_file(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = tmp_path / "secret.txt"  # a file of our own: every machine has it, with this text
    secret.write_text("SECRET-FROM-A-LOCAL-FILE\n", encoding="utf-8")
    feed = rss(
        item("Leaked: &xxe;", guid="xxe-1", link="http://127.0.0.1/xxe/1", summary="&xxe;"),
        item("Innocent item", guid="xxe-2", link="http://127.0.0.1/xxe/2"),
        doctype=f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'.encode(),
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url, fmt="json")

    expected = {"xxe-1": ("Leaked:", ""), "xxe-2": ("Innocent item", "")}
    assert outcome.ok, outcome.error
    assert {h.guid: (h.title, h.summary) for h in stored(store)} == expected
    assert (run.code, run.err) == (0, ""), run.err
    assert {row["id"]: (row["title"], row["summary"]) for row in json_rows(run)} == expected
    assert "SECRET" not in run.out


async def test_an_external_dtd_or_entity_is_never_fetched(
    server: HostileServer, store: Path
) -> None:
    bait = server.path("xxe")
    server.serve(bait + "/entity.txt", body(b"STOLEN-BY-ENTITY", "text/plain"))
    server.serve(bait + "/external.dtd", body(b'<!ENTITY fetched "STOLEN-BY-DTD">', "text/plain"))
    server.serve(bait + "/parameter.dtd", body(b'<!ENTITY fetched "STOLEN-BY-PE">', "text/plain"))
    doctype = (
        f'<!DOCTYPE rss SYSTEM "{server.url(bait)}/external.dtd" [\n'
        f'  <!ENTITY % remote SYSTEM "{server.url(bait)}/parameter.dtd">\n'
        f"  %remote;\n"
        f'  <!ENTITY fetched SYSTEM "{server.url(bait)}/entity.txt">\n'
        f"]>\n"
    ).encode()
    feed = rss(
        item("Fetched: &fetched;", guid="xxe-http-1", link="http://127.0.0.1/x/1"),
        item("Innocent item", guid="xxe-http-2", link="http://127.0.0.1/x/2"),
        doctype=doctype,
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert [path for path in server.seen if path.startswith(bait)] == []
    assert outcome.ok, outcome.error
    assert {h.guid: (h.title, h.summary) for h in stored(store)} == {
        "xxe-http-1": ("Fetched:", ""),
        "xxe-http-2": ("Innocent item", ""),
    }


# -- 7. gzip bomb ------------------------------------------------------------------------------


async def test_a_gzip_bomb_stops_at_the_size_cap(server: HostileServer, store: Path) -> None:
    url = server.serve(server.path(), gzip_bomb())

    outcome = await poll(store, url)

    assert not outcome.ok
    assert_one_readable_line(outcome.error)
    assert "response too large" in (outcome.error or "")
    assert stored(store) == []


def test_a_gzip_bomb_fails_the_command_with_one_error_line(
    server: HostileServer, tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve(server.path(), gzip_bomb())

    run = headlines_cli(capsys, tmp_path / "data", config, url)

    assert run.code == 1
    assert "response too large" in assert_one_error_line(run)
    assert run.out == ""


@needs_proc
def test_a_gzip_bomb_keeps_the_process_memory_bounded(
    server: HostileServer, tmp_path: Path, config: Path, baseline_peak: int
) -> None:
    url = server.serve(server.path(), gzip_bomb())

    run = run_process(tmp_path, url, config, measured=True)

    assert run.code == 1
    assert "response too large" in assert_one_error_line(run)
    assert run.peak_rss - baseline_peak < MEMORY_BUDGET, _mb(run.peak_rss, baseline_peak)


# -- 8. encodings ------------------------------------------------------------------------------


async def test_invalid_utf8_in_a_title_becomes_clean_text(
    server: HostileServer, store: Path
) -> None:
    feed = rss(
        item(
            b"Good words \xff\xfe\xc3( then more words", guid="utf-1", link="http://127.0.0.1/utf/1"
        ),
        item(
            b"Truncated sequence \xe2\x80 at the end", guid="utf-2", link="http://127.0.0.1/utf/2"
        ),
        item("A clean neighbour", guid="utf-3", link="http://127.0.0.1/utf/3"),
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    titles = {h.guid: h.title for h in stored(store)}
    assert_stored_safe(stored(store))
    assert all(title.isprintable() for title in titles.values())
    assert titles["utf-1"].startswith("Good words") and titles["utf-1"].endswith("more words")
    assert titles["utf-2"].startswith("Truncated sequence")
    assert titles["utf-3"] == "A clean neighbour"


def test_invalid_utf8_in_a_json_feed_gives_clean_text(
    server: HostileServer, tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Bytes", "items": ['
        b'{"id": "b-1", "url": "http://127.0.0.1/b/1", "title": "Bad \xff\xfe bytes"}]}'
    )
    url = server.serve(server.path(), body(feed, JSON_FEED))

    run = headlines_cli(capsys, tmp_path / "data", config, url)

    # Each byte that is no UTF-8 becomes U+FFFD, as a browser shows it; the words stay.
    assert (run.code, run.err) == (0, ""), run.err
    assert printed_titles(run) == ["Bad \ufffd\ufffd bytes"]


# UTF-8 bytes read as ISO-8859-1 become C1 controls: the closing quote U+201D is E2 80 9D, and
# 0x9D read as Latin-1 is U+009D, the 8-bit OSC introducer.
QUOTED = "Minister says \u201cno deal\u201d on budget"


async def test_a_utf8_feed_declared_iso_8859_1_becomes_clean_text(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed = rss(
        item(QUOTED, guid="l1-1", link="http://127.0.0.1/l1/1"),
        item("Caf\u00e9 cr\u00e8me \u061b prices rise", guid="l1-2", link="http://127.0.0.1/l1/2"),
        encoding="ISO-8859-1",
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url)

    assert outcome.ok, outcome.error
    rows = {h.guid: h.title for h in stored(store)}
    assert_stored_safe(stored(store))
    assert rows["l1-1"].startswith("Minister says")
    assert rows["l1-2"].startswith("Caf")
    assert run.code == 0 and run.err == ""
    for line in run.out.splitlines():
        assert_terminal_safe(line)


async def test_a_utf8_feed_declared_iso_8859_1_keeps_the_words_after_a_closing_quote(
    server: HostileServer, store: Path
) -> None:
    feed = rss(item(QUOTED, guid="l1-1", link="http://127.0.0.1/l1/1"), encoding="ISO-8859-1")
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    [headline] = stored(store)
    assert headline.title.endswith("on budget")


async def test_an_iso_8859_1_feed_declared_utf8_becomes_clean_text(
    server: HostileServer, store: Path
) -> None:
    feed = rss(
        item(
            "Caf\u00e9 cr\u00e8me prices rise".encode("latin-1"),
            guid="u8-1",
            link="http://127.0.0.1/u8/1",
        ),
        item("Plain neighbour", guid="u8-2", link="http://127.0.0.1/u8/2"),
    )
    url = server.serve(server.path(), body(feed))

    outcome = await poll(store, url)

    assert outcome.ok, outcome.error
    rows = {h.guid: h.title for h in stored(store)}
    assert_stored_safe(stored(store))
    assert rows["u8-1"].isprintable()
    assert rows["u8-1"].startswith("Caf") and rows["u8-1"].endswith("prices rise")
    assert rows["u8-2"] == "Plain neighbour"


# -- 9. bodies that never end ------------------------------------------------------------------


async def test_a_body_that_never_ends_times_out_and_hangs_up(
    server: HostileServer, store: Path
) -> None:
    stream = never_ending_feed()
    url = server.serve(server.path(), stream)

    started = time.monotonic()
    async with Poller(store, [Source("Hostile", url)], SHORT) as poller:
        [outcome] = await poller.poll_once()
        elapsed = time.monotonic() - started
        # ticker hangs up itself, before the poller (and its connection pool) is closed.
        hung_up = await asyncio.to_thread(stream.client_left.wait, 5)
        assert hung_up, "ticker kept the connection open after it gave up"

    assert not outcome.ok
    assert_one_readable_line(outcome.error)
    assert "timed out" in (outcome.error or "")
    assert elapsed < 2 * TIMEOUT + 2  # the whole-fetch deadline is twice the timeout


async def test_a_body_that_floods_stops_at_the_size_cap(server: HostileServer, store: Path) -> None:
    stream = firehose()
    url = server.serve(server.path(), stream)

    outcome = await poll(store, url)

    assert not outcome.ok
    assert_one_readable_line(outcome.error)
    assert "response too large" in (outcome.error or "")
    assert await asyncio.to_thread(stream.client_left.wait, 5), "the flood was never cut off"


def test_a_body_that_never_ends_ends_the_ticker_process_with_one_line(
    server: HostileServer, tmp_path: Path, config: Path
) -> None:
    url = server.serve(server.path(), never_ending_feed())

    started = time.monotonic()
    run = run_process(tmp_path, url, config)
    elapsed = time.monotonic() - started

    assert run.code == 1
    # A few bytes every 50 ms never reach the size cap: the whole-fetch deadline ends it.
    assert assert_one_error_line(run).endswith(f": timed out after {2 * TIMEOUT:g} s")
    assert run.out == ""
    assert elapsed < 2 * TIMEOUT + 10  # start-up included


# -- 10. redirects -----------------------------------------------------------------------------


async def test_a_redirect_loop_is_reported_as_too_many_redirects(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = server.path("loop")
    url = server.serve(path, redirect(path))

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url)

    assert not outcome.ok
    assert outcome.error == "too many redirects"
    assert run.code == 1
    assert assert_one_error_line(run).endswith(": too many redirects")
    assert server.seen.count(path) <= 2 * 6  # each run follows a bounded number of hops


@pytest.mark.parametrize(
    "target",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:application/rss+xml,%3Crss%3E",
        "ftp://127.0.0.1/feed.xml",
    ],
)
async def test_a_redirect_away_from_http_is_refused_without_reading_anything(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    target: str,
) -> None:
    url = server.serve(server.path(), redirect(target))

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url, fmt="json")

    assert not outcome.ok
    assert_one_readable_line(outcome.error)
    assert "root:" not in (outcome.error or "")
    assert stored(store) == []
    assert run.code == 1
    assert "root:" not in assert_one_error_line(run)
    assert run.out == ""


# -- 11. an HTML page --------------------------------------------------------------------------


async def test_an_html_page_is_reported_as_not_a_feed(
    server: HostileServer, store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = (
        b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>"
        b"<h1>Our news</h1><p>Subscribe to our <a href='/rss'>feed</a>.</p></body></html>"
    )
    url = server.serve(server.path(), body(page, "text/html; charset=utf-8"))
    config = tmp_path / "fresh" / "config.toml"  # not there yet: ticker writes the defaults

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url)

    assert outcome.error == "an HTML page, not a feed"
    assert run.code == 1
    assert assert_one_error_line(run).endswith(": an HTML page, not a feed")
    assert config.is_file()


# -- 12. links that must not be followed -------------------------------------------------------


HOSTILE_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "java\tscript:alert(1)",
    "  javascript:alert(1)  ",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
]


@pytest.mark.parametrize("kind", ["rss", "json"])
async def test_script_and_file_links_are_never_stored(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    if kind == "rss":
        feed = rss(
            *(
                item(f"Link {i}", guid=f"link-{i}", link=link)
                for i, link in enumerate(HOSTILE_LINKS)
            )
        )
        url = server.serve(server.path(), body(feed))
    else:
        feed = json_feed(
            *(
                {"id": f"link-{i}", "title": f"Link {i}", "url": link}
                for i, link in enumerate(HOSTILE_LINKS)
            )
        )
        url = server.serve(server.path(), body(feed, JSON_FEED))

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url, fmt="json")

    assert outcome.ok, outcome.error
    assert {h.guid: h.url for h in stored(store)} == {
        f"link-{i}": "" for i in range(len(HOSTILE_LINKS))
    }
    assert [row["url"] for row in json_rows(run)] == [""] * len(HOSTILE_LINKS)


# -- 13. nothing already stored is lost --------------------------------------------------------


def hostile_answers(server: HostileServer, now: datetime) -> list[tuple[str, Handler, str | None]]:
    """Every hostile answer, in the order one source gives them, with the error it must give
    (what went wrong, before any ": detail"), or None where its readable items are stored."""
    same_guids_hostile_titles = rss(
        item(
            "&#x1b;]52;c;ZWNobyBoaQ==&#x7;Council approves night bus pilot",
            guid="good-1",
            link="javascript:alert(1)",
            published=now - timedelta(hours=2),
        ),
        item(
            "\u202eHarbour bridge reopens after repairs",
            guid="good-2",
            link="http://127.0.0.1/news/bridge",
            published=now - timedelta(hours=6),
        ),
    )
    loop = server.path("loop")
    server.serve(loop, redirect(loop))
    return [
        ("escapes as XML references", body(ESCAPES_AS_XML_REFERENCES), None),
        ("escapes in a JSON Feed", body(ESCAPES_IN_JSON, JSON_FEED), None),
        ("raw escape bytes", body(RAW_ESCAPES_IN_XML), None),
        ("the same guids with hostile titles", body(same_guids_hostile_titles), None),
        (
            "markup-like titles",
            body(rss(*(item(escape(t), guid=f"mk-{i}") for i, t in enumerate(MARKUP_TITLES)))),
            None,
        ),
        ("a 10 MB title", body(huge_title_feed()), None),
        ("billion laughs", body(rss(item(b"&lol9;", guid="lol"), doctype=BILLION_LAUGHS)), None),
        (
            "an external entity",
            body(
                rss(
                    item("&xxe;", guid="xxe"),
                    doctype=b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
                )
            ),
            None,
        ),
        ("a gzip bomb", gzip_bomb(), "response too large (over 16 MB)"),
        ("invalid UTF-8", body(rss(item(b"\xff\xfe\xc3(", guid="bad-utf8"))), None),
        ("a body that never ends", never_ending_feed(), f"timed out after {2 * TIMEOUT:g} s"),
        ("a body that floods", firehose(), "response too large (over 16 MB)"),
        ("a redirect loop", redirect(loop), "too many redirects"),
        (
            "a redirect to a local file",
            redirect("file:///etc/passwd"),
            "redirected to an address that is not http or https",
        ),
        (
            "an HTML page",
            body(b"<!doctype html><html><body><p>Hi</p></body></html>", "text/html"),
            "an HTML page, not a feed",
        ),
        (
            "hostile links",
            body(
                rss(
                    *(
                        item(f"Link {i}", guid=f"link-{i}", link=link)
                        for i, link in enumerate(HOSTILE_LINKS)
                    )
                )
            ),
            None,
        ),
        ("an empty body", body(b""), "empty response, not a feed"),
        ("a feed with no items", body(rss()), None),
        ("a body cut off", cut_off(good_feed(now), 300), "the connection broke"),
        (
            "a 503 with Retry-After",
            body(b"busy", "text/plain", status=503, headers={"Retry-After": "120"}),
            "HTTP 503 Service Unavailable",
        ),
        ("a 404", body(b"gone", "text/plain", status=404), "HTTP 404 Not Found"),
        ("a 500", body(b"oops", "text/plain", status=500), "HTTP 500 Internal Server Error"),
    ]


async def test_hostile_answers_never_lose_stored_headlines_or_marks(
    server: HostileServer, store: Path
) -> None:
    now = datetime.now(UTC)
    path = server.path("switch")
    url = server.serve(path, body(good_feed(now)))
    async with Poller(store, [Source("Switching", url)], SHORT) as poller:
        [first] = await poller.poll_once()
        assert first.ok and first.new == 3, first
        with Store(store) as db:
            before = {h.guid: h.row for h in db.headlines()}
            db.set_read([before["good-1"]])
            db.set_starred([before["good-2"]])

        for name, answer, error in hostile_answers(server, now):
            server.serve(path, answer)
            [outcome] = await poller.poll_once()
            assert outcome.ok is (error is None), f"{name}: {outcome.error}"
            if error is not None:
                assert_one_readable_line(outcome.error)
                assert (outcome.error or "").partition(": ")[0] == error, name
            with Store(store) as db:
                after = {h.guid: h for h in db.headlines()}
                assert db.integrity() == "ok", f"after {name}"
            assert_stored_safe(list(after.values()))
            for guid, row in before.items():
                assert guid in after and after[guid].row == row, f"{guid} lost after {name}"
            assert after["good-1"].read and not after["good-1"].starred, f"after {name}"
            assert after["good-2"].starred and not after["good-2"].read, f"after {name}"
            assert not after["good-3"].read and not after["good-3"].starred, f"after {name}"


# -- 14. connections that break, servers that are busy -----------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_connection_closed_mid_body_is_one_readable_line(
    server: HostileServer,
    store: Path,
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    chunked: bool,
) -> None:
    feed = good_feed(datetime.now(UTC)) * 20
    url = server.serve(server.path(), cut_off(feed, 1000, chunked=chunked))

    outcome = await poll(store, url)
    run = await headlines_cli_off_loop(capsys, tmp_path / "data", config, url)

    assert not outcome.ok
    assert_one_readable_line(outcome.error)
    assert "connection" in (outcome.error or "")
    assert stored(store) == []
    assert run.code == 1
    assert_one_error_line(run)


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        pytest.param("120", 120, 86_400, id="delta-seconds"),
        pytest.param("in 300 s as an HTTP date", 290, 86_400, id="http-date"),
        pytest.param(None, 0, 120, id="no-header-waits-less"),
        pytest.param("99999999999999999999", 120, 86_400, id="absurd-is-capped-at-a-day"),
        pytest.param("-5", 0, 120, id="negative-is-ignored"),
        pytest.param("\u2603 soon", 0, 120, id="garbage-is-ignored"),
    ],
)
async def test_a_503_with_retry_after_delays_the_next_poll(
    server: HostileServer, store: Path, retry_after: str | None, low: float, high: float
) -> None:
    if retry_after == "in 300 s as an HTTP date":
        retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    url = server.serve(server.path(), body(b"busy", "text/plain", status=503, headers=headers))
    # A 10 s interval backs off by about a minute after one failure: less than Retry-After.
    settings = PollSettings(interval=10, timeout=TIMEOUT)

    outcome = await poll(store, url, settings)

    assert not outcome.ok and outcome.status == 503
    assert_one_readable_line(outcome.error)
    with Store(store) as db:
        [health] = db.health()
    assert health.next_poll is not None and health.last_attempt is not None
    wait = (health.next_poll - health.last_attempt).total_seconds()
    assert low - 0.01 <= wait <= high + 0.01


def _reply(status_line: bytes, headers: bytes = b"", content: bytes = b"busy") -> Handler:
    return raw_reply(
        status_line
        + b"\r\n"
        + headers
        + b"Content-Type: text/plain\r\nConnection: close\r\n"
        + f"Content-Length: {len(content)}\r\n\r\n".encode()
        + content
    )


HOSTILE_REASON = _reply(b"HTTP/1.1 503 \x1b]52;c;ZWNobyBoaQ==\x07Busy")


def test_a_hostile_reason_phrase_never_reaches_the_printed_error(
    server: HostileServer, tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve(server.path(), HOSTILE_REASON)

    run = headlines_cli(capsys, tmp_path / "data", config, url)

    assert run.code == 1
    line = assert_one_error_line(run)
    assert_terminal_safe(line)
    assert line.endswith("HTTP 503 Busy")


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(HOSTILE_REASON, id="osc52"),
        pytest.param(_reply(b"HTTP/1.1 503 " + b"Busy " * 1000), id="5000-bytes"),
    ],
)
async def test_a_hostile_reason_phrase_never_reaches_the_store(
    server: HostileServer, store: Path, answer: Handler
) -> None:
    url = server.serve(server.path(), answer)

    outcome = await poll(store, url)

    assert outcome.status == 503
    with Store(store) as db:
        [health] = db.health()
    for message in (outcome.error, health.last_error):
        assert_one_readable_line(message)
        assert_terminal_safe(message or "")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param('ETag: "caf\u00e9"'.encode(), id="etag-utf8"),
        pytest.param(b'ETag: "caf\xe9"', id="etag-latin1"),
        pytest.param(b'ETag: "\x1b[31m"', id="etag-escape"),
        pytest.param(
            "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT \u2603".encode(), id="last-modified-utf8"
        ),
    ],
)
async def test_a_validator_that_cannot_be_sent_back_does_not_wedge_the_source(
    server: HostileServer, store: Path, header: bytes
) -> None:
    feed = good_feed(datetime.now(UTC))
    url = server.serve(server.path(), _reply(b"HTTP/1.1 200 OK", header + b"\r\n", feed))

    async with Poller(store, [Source("Hostile", url)], SHORT) as poller:
        [first] = await poller.poll_once()
        [second] = await poller.poll_once()
        [third] = await poller.poll_once()

    assert first.ok, first.error
    assert second.ok, second.error
    assert third.ok, third.error
