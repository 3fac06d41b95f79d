"""`ticker headlines` from a shell: formats, filters, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from feedgen import rss
from pytest_httpserver import HTTPServer

from ticker.__main__ import main


@pytest.fixture
def wire(httpserver: HTTPServer) -> str:
    items = [
        ("a", "EXCLUSIVE: Port of Halvik to reopen"),
        ("b", "Opinion | The budget hides a tax rise"),
        ("c", "Ceasefire talks resume in Geneva"),
    ]
    httpserver.expect_request("/wire.rss").respond_with_data(
        rss(items), content_type="application/rss+xml"
    )
    return httpserver.url_for("/wire.rss")


def test_plain_output_has_day_headers_times_badges_sources_titles(
    home: Path, wire: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["headlines", "--source", wire]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] in {"Today", "Yesterday"}
    pattern = re.compile(r"^\d\d:\d\d  (\[[A-Z]+\] )*127\.0\.0\.1  \S")
    assert all(
        pattern.match(line) for line in lines[1:] if line and line not in {"Today", "Yesterday"}
    )
    text = "\n".join(lines)
    assert "[EXCLUSIVE] 127.0.0.1  Port of Halvik to reopen" in text
    assert "[OPINION] 127.0.0.1  The budget hides a tax rise" in text
    assert (home / "config" / "config.toml").exists()  # first run wrote the defaults


def test_json_lines_carry_the_documented_fields(
    home: Path, wire: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["headlines", "--source", wire, "--format", "json", "--limit", "2"]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(objects) == 2
    first = objects[0]
    assert {"id", "source", "title", "url", "published", "badges", "summary"} <= set(first)
    assert first["id"] == "a" and first["badges"] == ["exclusive"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["published"])


def test_search_and_badge_filters_read_the_store(
    home: Path, wire: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["headlines", "--source", wire])
    capsys.readouterr()
    assert main(["headlines", "--offline", "--search", "ceasefire", "--format", "json"]) == 0
    assert [json.loads(x)["id"] for x in capsys.readouterr().out.splitlines()] == ["c"]
    assert main(["headlines", "--offline", "--badge", "opinion", "--format", "json"]) == 0
    assert [json.loads(x)["id"] for x in capsys.readouterr().out.splitlines()] == ["b"]


def test_opml_lists_sources(home: Path, wire: str, capsys: pytest.CaptureFixture[str]) -> None:
    opml = home / "subs.opml"
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="News">'
        f'<outline type="rss" text="The Wire" xmlUrl="{wire}"/></outline></body></opml>'
    )
    assert main(["headlines", "--opml", str(opml), "--format", "json"]) == 0
    assert {json.loads(x)["source"] for x in capsys.readouterr().out.splitlines()} == {"The Wire"}


def test_opml_at_an_address_lists_sources(
    home: Path, wire: str, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/subs.opml").respond_with_data(
        f'<?xml version="1.0"?><opml version="2.0"><head/><body>'
        f'<outline type="rss" text="The Wire" xmlUrl="{wire}"/></body></opml>',
        content_type="text/x-opml",
    )
    address = httpserver.url_for("/subs.opml")
    assert main(["headlines", "--opml", address, "--format", "json"]) == 0
    assert {json.loads(x)["source"] for x in capsys.readouterr().out.splitlines()} == {"The Wire"}


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"response_data": "gone", "status": 404}, "HTTP 404 NOT FOUND"),
        ({"response_data": "<html><p>Subscribe!</html>", "content_type": "text/html"}, "not XML"),
    ],
)
def test_opml_at_a_broken_address_is_one_line_naming_it_and_exits_2(
    home: Path,
    httpserver: HTTPServer,
    answer: dict[str, object],
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request("/subs.opml").respond_with_data(**answer)  # type: ignore[arg-type]
    address = httpserver.url_for("/subs.opml")
    assert main(["headlines", "--opml", address]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ticker: {address}") and problem in err and len(err.splitlines()) == 1


def test_a_failed_source_is_one_line_on_stderr_and_others_still_print(
    home: Path, wire: str, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/gone.rss").respond_with_data("no", status=404)
    assert main(["headlines", "--source", wire, "--source", httpserver.url_for("/gone.rss")]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"ticker: 127.0.0.1 ({httpserver.url_for('/gone.rss')}): HTTP 404 NOT FOUND"
    ]
    assert "Port of Halvik" in captured.out


def test_every_source_failing_exits_non_zero(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/gone.rss").respond_with_data("no", status=500)
    assert main(["headlines", "--source", httpserver.url_for("/gone.rss")]) == 1
    assert "HTTP 500" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["headlines", "--source", "file:///etc/passwd"], "only http and https"),
        (["headlines", "--offline", "--badge", "gossip"], "unknown badge 'gossip'"),
        (["headlines", "--opml", "/nonexistent/subs.opml"], "cannot read"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    home: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_bad_config_file_names_file_line_and_key_and_exits_2(home: Path) -> None:
    config = home / "bad.toml"
    config.write_text("[poll]\ninterval = 'often'\n")
    result = subprocess.run(
        [sys.executable, "-m", "ticker", "headlines", "--config", str(config), "--offline"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == f"ticker: {config}:2: poll.interval: must be a number, not str\n"


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    from ticker import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"ticker {__version__}"
    for command in (["--help"], ["headlines", "--help"], ["demo-server", "--help"]):
        with pytest.raises(SystemExit):
            main(command)
        assert "usage: ticker" in capsys.readouterr().out


def test_demo_server_on_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["demo-server", "--port", str(port), "--tick", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"ticker: cannot serve on 127.0.0.1:{port}") and len(err.splitlines()) == 1
    )


def test_the_app_exits_non_zero_when_it_crashes(tmp_path: Path, home: Path) -> None:
    # The package as the first wheel shipped it, without its stylesheet: the app cannot start,
    # and a script or a service manager must see that in the exit status.
    package = Path(__file__).resolve().parent.parent / "ticker"
    broken = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.tcss")
    shutil.copytree(package, broken / "ticker", ignore=ignore)
    env = {
        **os.environ,
        "PYTHONPATH": str(broken),
        "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver",
    }
    script = (
        "import sys, ticker\n"
        "assert ticker.__file__.startswith(sys.argv[1]), ticker.__file__\n"
        "from ticker.__main__ import main\n"
        "sys.exit(main(['--demo']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(broken)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "unable to read CSS file" in result.stdout + result.stderr
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (["headlines", "--source", "http://[::1/feed"], 2),
        (["headlines", "--source", "http://127.0.0.1:99999/feed"], 2),
        (["--source", "http://[::1/feed"], 2),
        (["remove", "http://[::1/feed"], 2),
        (["read", "http://[::1/feed"], 1),
    ],
)
def test_a_malformed_address_is_one_line_not_a_traceback(
    home: Path, command: list[str], status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11, fault 10: urllib's ValueError (Invalid IPv6 URL) reached the person."""
    assert main(command) == status
    err = capsys.readouterr().err
    assert err.startswith("ticker: ") and err.count("\n") == 1
    assert "http://" in err and "Traceback" not in err
