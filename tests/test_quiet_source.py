"""A source whose newest posts are older than retention still shows them (issue 10, point 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from ticker.__main__ import main

pytestmark = pytest.mark.usefixtures("home")


def quiet_blog(posts: int, *, days_ago: int) -> bytes:
    """A blog's feed whose last post is `days_ago` days old, one post a week before that."""
    now = datetime.now(UTC)
    items = "".join(
        f"<item><title>Notes from the allotment, part {n}</title>"
        f"<link>http://127.0.0.1/posts/{n}</link>"
        f"<pubDate>{format_datetime(now - timedelta(days=days_ago + 7 * n))}</pubDate></item>"
        for n in range(posts)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>A quiet blog</title>'
        f"{items}</channel></rss>"
    ).encode()


def test_headlines_of_a_quiet_blog_print_its_last_posts(
    home: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        quiet_blog(30, days_ago=60), content_type="application/rss+xml"
    )
    url = httpserver.url_for("/feed")
    assert main(["headlines", "--source", url, "--limit", "0"]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if "allotment" in line]
    assert len(printed) == 20
    assert printed[0].endswith("Notes from the allotment, part 0")
    # a second poll (and its retention pass) keeps them
    assert main(["headlines", "--source", url, "--limit", "0"]) == 0
    assert sum("allotment" in line for line in capsys.readouterr().out.splitlines()) == 20
