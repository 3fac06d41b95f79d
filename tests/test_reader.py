"""`ticker read` through real servers on 127.0.0.1: formats, cache, fallbacks, hostile pages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ticker.__main__ import main
from ticker.demo import DemoServer


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKER_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("TICKER_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "config.toml").write_text("[poll]\ntimeout = 2\n")
    return tmp_path


@pytest.fixture(scope="module")
def newsroom() -> Iterator[DemoServer]:
    server = DemoServer(seed=7, tick_seconds=0)
    with server.running_in_thread():
        yield server


def an_article(newsroom: DemoServer) -> tuple[str, str]:
    story = newsroom.newsroom.newest(1)[0]
    url = f"{newsroom.url}/articles/{story.slug}.html"
    return url, story.title


def test_plain_is_the_title_a_blank_line_and_the_body(
    home: Path, newsroom: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url, title = an_article(newsroom)
    assert main(["read", url]) == 0
    out = capsys.readouterr().out
    first, blank, *body = out.splitlines()
    assert title.endswith(first) or first.endswith(title) or first == title
    assert blank == ""
    text = "\n".join(body)
    assert len(text.split()) > 40
    # no clutter, byline, dateline or tags in the body
    for junk in ("client/title.list_title", "Read also", "Share", "cookies", "Subscribe", "Tags:"):
        assert junk not in text


def test_json_has_the_documented_fields(
    home: Path, newsroom: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = an_article(newsroom)
    assert main(["read", url, "--format", "json"]) == 0
    article = json.loads(capsys.readouterr().out)
    assert set(article) == {"url", "title", "byline", "published", "body", "tags", "lang", "from"}
    assert article["url"] == url and article["from"] == "page"
    assert article["published"] is None or article["published"].endswith("Z")
    assert isinstance(article["tags"], list)


def test_markdown_has_a_heading_a_metadata_line_and_the_body(
    home: Path, newsroom: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = an_article(newsroom)
    assert main(["read", url, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ")
    assert url in out.split("\n\n")[1]


def test_a_second_open_comes_from_the_store_and_works_offline(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = DemoServer(seed=3, tick_seconds=0)
    with server.running_in_thread():
        url, _ = an_article(server)
        assert main(["read", url, "--format", "json"]) == 0
        first = json.loads(capsys.readouterr().out)
    # the server is gone now
    assert main(["read", url, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == first
    assert captured.err == ""


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not an HTML page (a PDF)"),
        (
            "image/png",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "not an HTML page (an image, image/png)",
        ),
        ("application/json", b'{"title": "x"}', "not an HTML page (JSON)"),
    ],
)
def test_a_page_that_is_not_html_is_one_clear_line(
    home: Path,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    content_type: str,
    body: bytes,
    message: str,
) -> None:
    httpserver.expect_request("/thing").respond_with_data(body, content_type=content_type)
    url = httpserver.url_for("/thing")
    assert main(["read", url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"ticker: {url}: {message}\n"


def test_when_the_page_fails_the_feed_s_text_is_shown_with_a_notice(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = httpserver.url_for("/news/a")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item>'
        "<title>Harbour reopens after the storm</title><guid>a</guid>"
        f"<link>{gone}</link><description>Cranes are back at work.</description>"
        "</item></channel></rss>"
    )
    httpserver.expect_request("/wire.rss").respond_with_data(feed)
    httpserver.expect_request("/news/a").respond_with_data("gone", status=410)
    assert main(["headlines", "--source", httpserver.url_for("/wire.rss")]) == 0
    capsys.readouterr()
    assert main(["read", gone, "--format", "json"]) == 0
    captured = capsys.readouterr()
    article = json.loads(captured.out)
    assert article["from"] == "feed"
    assert article["title"] == "Harbour reopens after the storm"
    assert article["body"] == "Cranes are back at work."
    assert captured.err == "ticker: HTTP 410 GONE; showing the feed's text\n"


def test_a_page_with_no_article_and_no_feed_item_fails_in_one_line(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/empty").respond_with_data(
        "<html><body><nav><a href='/'>Home</a></nav></body></html>", content_type="text/html"
    )
    url = httpserver.url_for("/empty")
    assert main(["read", url]) == 1
    assert capsys.readouterr().err == f"ticker: {url}: no article found on the page\n"


def test_only_http_and_https_are_read(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "file:///etc/passwd"]) == 1
    err = capsys.readouterr().err
    assert "only http and https" in err and "root:" not in err


# -- hostile pages ------------------------------------------------------------------------------

ARTICLE = (
    "<html><head><title>Harbour reopens</title></head><body><nav>Home News Sport</nav>"
    "<article><h1>Harbour reopens</h1>"
    + "".join(
        f"<p>Paragraph {i}: the harbour authority said the cranes were back at work and "
        f"ferries would resume their timetable on Monday, ending a week of disruption.</p>"
        for i in range(8)
    )
    + "</article><footer>About us</footer></body></html>"
)


def serve(httpserver: HTTPServer, path: str, handler: object) -> str:
    httpserver.expect_request(path).respond_with_handler(handler)  # type: ignore[arg-type]
    return httpserver.url_for(path)


def test_a_50_mb_page_is_one_clear_line(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    def huge(request: Request) -> Response:
        chunk = b"<div>" + b"filler text " * 8000 + b"</div>"
        return Response(
            (chunk for _ in range(50 * 1024 * 1024 // len(chunk))), content_type="text/html"
        )

    url = serve(httpserver, "/huge", huge)
    assert main(["read", url]) == 1
    assert capsys.readouterr().err == f"ticker: {url}: response too large (over 8 MB)\n"


def test_a_page_that_never_ends_times_out_in_one_line(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    def forever(request: Request) -> Response:
        def trickle() -> Iterator[bytes]:
            yield b"<html><body><p>"
            for _ in range(10_000):  # bounded: the client gives up long before
                yield b"x "
                import time

                time.sleep(0.05)

        return Response(trickle(), content_type="text/html")

    url = serve(httpserver, "/forever", forever)
    assert main(["read", url]) == 1
    assert capsys.readouterr().err == f"ticker: {url}: timed out after 4 s\n"


def test_a_deeply_nested_page_gives_an_article_or_one_line(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "<html><body>" + "<div>" * 100_000 + ARTICLE + "</div>" * 100_000 + "</body></html>"
    httpserver.expect_request("/deep").respond_with_data(deep, content_type="text/html")
    url = httpserver.url_for("/deep")
    status = main(["read", url])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if status == 0:
        assert "harbour authority" in captured.out
    else:
        assert status == 1 and len(captured.err.splitlines()) == 1


def test_a_page_full_of_scripts_gives_the_article_without_them(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    scripts = "".join(
        f"<script>var t{i} = '{'x' * 2000}'; track({i});</script>" for i in range(2000)
    )
    page = ARTICLE.replace("<nav>", scripts + "<nav>")
    httpserver.expect_request("/scripts").respond_with_data(page, content_type="text/html")
    assert main(["read", httpserver.url_for("/scripts")]) == 0
    out = capsys.readouterr().out
    assert "harbour authority" in out and "track(" not in out and "var t" not in out


def test_a_wrongly_declared_charset_still_reads_right(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = ARTICLE.replace("the harbour authority", "the Київ harbour authority café")
    page = page.replace("<head>", '<head><meta charset="windows-1251">')
    httpserver.expect_request("/charset").respond_with_data(
        page.encode("utf-8"), content_type="text/html; charset=iso-8859-1"
    )
    assert main(["read", httpserver.url_for("/charset")]) == 0
    assert "Київ harbour authority café" in capsys.readouterr().out


def test_escapes_in_a_page_never_reach_the_output_and_markup_stays_literal(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = ARTICLE.replace(
        "Paragraph 3:", "Paragraph 3: \x1b]52;c;ZWNobyBoaQ==\x07[bold red]x[/] and [/ \u202e"
    ).replace("<title>Harbour reopens", "<title>\x1b[2JHarbour reopens")
    httpserver.expect_request("/esc").respond_with_data(page, content_type="text/html")
    for fmt in ("plain", "markdown", "json"):
        assert main(["read", httpserver.url_for("/esc"), "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "]52;" not in out and "ZWNobyBoaQ" not in out
        if fmt == "plain":
            assert "[bold red]x[/] and [/" in out
        elif fmt == "markdown":  # escaped, so a Markdown renderer shows it literally
            assert "\\[bold red\\]x\\[/\\] and \\[/" in out


def test_read_as_a_real_subprocess_prints_no_traceback(home: Path, newsroom: DemoServer) -> None:
    url, _ = an_article(newsroom)
    result = subprocess.run(
        [sys.executable, "-m", "ticker", "read", url, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["from"] == "page"


def test_a_saved_article_is_read_without_loading_the_network_stack(
    home: Path, newsroom: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ticker read` of a saved article imports neither httpx nor aiohttp (0.1 s, not 0.3)."""
    url, _ = an_article(newsroom)
    assert main(["read", url]) == 0
    capsys.readouterr()
    script = (
        "import sys\n"
        "from ticker.__main__ import main\n"
        f"code = main(['read', {url!r}])\n"
        "loaded = sorted(m for m in ('httpx', 'aiohttp', 'trafilatura') if m in sys.modules)\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip()  # the article, from the store
    assert "LOADED []" in run.stderr
