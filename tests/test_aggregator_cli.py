"""Sources edited through the aggregator, as a person does it: `ticker add`, `remove`,
`import`, `export`, `headlines` and `sources` as real processes against a real tt-rss."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ttrss_engine import Engine
from ttrss_fixtures import TtrssUser


@pytest.fixture
def home(tmp_path: Path, ttrss_engine: Engine, ttrss_user: TtrssUser) -> Path:
    """A config that syncs from the engine, the password from a command; no sources here."""
    secret = tmp_path / "password"
    secret.write_text(ttrss_user.password + "\n")
    (tmp_path / "config.toml").write_text(
        "sources = []\n\n[aggregator]\n"
        f'kind = "ttrss"\nurl = "{ttrss_engine.url}"\nuser = "{ttrss_user.login}"\n'
        f'password_command = ["cat", "{secret}"]\n'
    )
    return tmp_path


def _ticker(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = args[0]
    files = ["--config", str(home / "config.toml")]
    if command not in ("import", "export"):
        files += ["--data-dir", str(home / "data")]
    return subprocess.run(
        [sys.executable, "-m", "ticker", command, *files, *args[1:]],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _feeds(engine: Engine, user: TtrssUser) -> dict[str, dict[str, Any]]:
    sid = engine.login(user.login, user.password)
    return {f["feed_url"]: f for f in engine.call("getFeeds", sid=sid, cat_id=-3)["content"]}


def test_add_subscribes_on_the_server_and_headlines_sync_from_it(
    home: Path, ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    url = ttrss_engine.feed_url(2)
    added = _ticker(home, "add", url, "--yes")
    assert added.returncode == 0, added.stderr
    assert f"on {ttrss_engine.url}" in added.stdout
    assert url in _feeds(ttrss_engine, ttrss_user)
    assert "[[sources]]" not in (home / "config.toml").read_text()  # the server polls it
    ttrss_engine.update_feeds([_feeds(ttrss_engine, ttrss_user)[url]["id"]])
    shown = _ticker(home, "headlines", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert len(rows) == ttrss_engine.demo_items
    listed = _ticker(home, "sources")
    assert listed.returncode == 0, listed.stderr


def test_remove_unsubscribes_on_the_server(
    home: Path, ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    url = ttrss_engine.feed_url(3)
    feed = ttrss_engine.subscribe(url, user=ttrss_user.login, password=ttrss_user.password)
    ttrss_engine.update_feeds([feed])
    assert _ticker(home, "headlines").returncode == 0
    title = _feeds(ttrss_engine, ttrss_user)[url]["title"]
    removed = _ticker(home, "remove", title)
    assert removed.returncode == 0, removed.stderr
    assert f"unsubscribed {title}" in removed.stdout
    assert url not in _feeds(ttrss_engine, ttrss_user)
    shown = _ticker(home, "headlines", "--offline", "--format", "json")
    assert shown.stdout == ""


def test_opml_import_subscribes_each_feed_and_export_lists_the_server_s(
    home: Path, ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    urls = [ttrss_engine.feed_url(4), ttrss_engine.feed_url(5)]
    outlines = "".join(
        f'<outline type="rss" text="Feed {i}" xmlUrl="{u}"/>' for i, u in enumerate(urls)
    )
    opml = home / "in.opml"
    opml.write_text(f'<opml version="2.0"><head/><body>{outlines}</body></opml>')
    imported = _ticker(home, "import", str(opml))
    assert imported.returncode == 0, imported.stderr + imported.stdout
    assert set(urls) <= set(_feeds(ttrss_engine, ttrss_user))
    exported = _ticker(home, "export")
    assert exported.returncode == 0, exported.stderr
    for url in urls:
        assert f'xmlUrl="{url}"' in exported.stdout


def test_a_plain_password_others_can_read_is_warned_about(
    home: Path, ttrss_engine: Engine, ttrss_user: TtrssUser
) -> None:
    config = home / "config.toml"
    config.write_text(
        "sources = []\n\n[aggregator]\n"
        f'url = "{ttrss_engine.url}"\nuser = "{ttrss_user.login}"\n'
        f"password = {json.dumps(ttrss_user.password)}\n"
    )
    config.chmod(0o644)
    shown = _ticker(home, "headlines")
    assert shown.returncode == 0, shown.stderr
    assert "holds the aggregator's password and others can read it" in shown.stderr
    config.chmod(0o600)
    assert _ticker(home, "headlines").stderr == ""
