"""Editing the config file's sources: only the edited table changes, every other byte stays."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ticker import config, sources_file
from ticker.errors import ConfigError
from ticker.model import Badge, BadgeRule, Listing, Source

# A config as a person keeps it: comments everywhere, tables in an odd order, a commented-out
# key attached to a table, a sub-table, multi-line rules, and a string that looks like a header.
CONFIG = """\
# My ticker.   Spacing   and comments are mine.
timezone = "Europe/Kyiv"  # home

[[sources]]
name = "Wire"          # the fast one
url = "https://wire.example/rss"
# interval = 60        (too chatty)

[poll]
interval = 120
# concurrency = 4

# -- the world --
[[sources]]
name = "BBC World"
url = "https://feeds.bbci.co.uk/news/world/rss.xml"
category = "World"
rules = [
  # video first
  { pattern = "^WATCH:", badge = "video", strip = true },
]

[[sources]]
name = \"\"\"Odd
[[sources]]\"\"\"
url = "https://odd.example/rss"

[[sources]]
name = "Front page"
url = "https://front.example/news"
kind = "html"
[sources.listing]
item = "li.story"   # each story
title = "h3"

# Retention stays as it is.
[retention]
max_age_days = 7
"""

NEW = Source("New one", "https://new.example/feed.xml")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def urls(path: Path) -> list[str]:
    return [s.url for s in config.load(path).sources]


def test_add_then_remove_leaves_every_byte_as_it_was(path: Path) -> None:
    sources_file.add(path, NEW)
    text = path.read_text()
    assert text.startswith(CONFIG.split("# Retention")[0].rstrip("\n"))
    assert (
        '\n\n[[sources]]\nname = "New one"\nurl = "https://new.example/feed.xml"\n\n# Ret' in text
    )
    assert urls(path)[-1] == NEW.url

    assert sources_file.remove(path, "New one") == [NEW]
    assert path.read_text() == CONFIG


def test_remove_takes_only_its_table_with_its_sub_table_and_attached_comment(path: Path) -> None:
    sources_file.remove(path, "https://front.example/news")
    text = path.read_text()
    assert "front.example" not in text and "li.story" not in text
    assert text.endswith(
        'url = "https://odd.example/rss"\n\n# Retention stays as it is.\n'
        "[retention]\nmax_age_days = 7\n"
    )
    sources_file.remove(path, "wire.example")
    text = path.read_text()
    assert "(too chatty)" not in text  # the commented-out key was the Wire's
    assert text.startswith(
        "# My ticker.   Spacing   and comments are mine.\ntimezone = "
        '"Europe/Kyiv"  # home\n\n[poll]\ninterval = 120\n# concurrency = 4\n'
    )
    assert '# -- the world --\n[[sources]]\nname = "BBC World"' in text
    assert "  # video first\n" in text
    assert urls(path) == ["https://feeds.bbci.co.uk/news/world/rss.xml", "https://odd.example/rss"]


def test_the_new_table_has_only_what_is_not_default(path: Path) -> None:
    sources_file.add(path, Source("Plain", "https://plain.example/rss"))
    sources_file.add(
        path,
        Source(
            "Dressed",
            "https://dressed.example/rss",
            interval=90.0,
            rules=(BadgeRule(r"^\d+ LIVE", Badge.LIVE),),
            category="World/Europe",
            paused=True,
        ),
    )
    text = path.read_text()
    assert '[[sources]]\nname = "Plain"\nurl = "https://plain.example/rss"\n\n' in text
    assert (
        '[[sources]]\nname = "Dressed"\nurl = "https://dressed.example/rss"\n'
        'category = "World/Europe"\ninterval = 90\npaused = true\n'
        'rules = [{pattern = "^\\\\d+ LIVE", badge = "live"}]\n'
    ) in text
    assert "kind" not in text.split('name = "Plain"')[1]
    dressed = config.load(path).sources[-1]
    assert dressed.rules == (BadgeRule(r"^\d+ LIVE", Badge.LIVE),) and dressed.paused


def test_an_html_source_with_its_listing_round_trips_through_config_load(path: Path) -> None:
    page = Source(
        "Kyiv live",
        "https://kyiv.example/live",
        kind="html",
        listing=Listing(
            item="div.news > ul > li",
            title="a[href*='/news/']",
            link="a",
            time="span.time",
            date="h2.date",
            label="span.label",
            timezone="Europe/Kyiv",
        ),
        category="Ukraine",
    )
    sources_file.add(path, page)
    assert config.load(path).sources[-1] == page
    assert "link =" not in path.read_text().split("Kyiv live")[1]  # "a" is the default


def test_a_url_already_there_is_refused_and_nothing_changes(path: Path) -> None:
    with pytest.raises(sources_file.DuplicateSourceError, match="already a source") as raised:
        sources_file.add(path, Source("Again", "HTTPS://WIRE.example:443/rss#top"))
    assert raised.value.existing.name == "Wire"
    assert isinstance(raised.value, ConfigError)
    assert path.read_text() == CONFIG


@pytest.mark.parametrize(
    ("match", "name"),
    [
        ("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC World"),
        ("bbc world", "BBC World"),
        ("  BBC WORLD ", "BBC World"),
        ("front.example", "Front page"),
        ("www.front.example", "Front page"),
        ("bbci.co.uk", "BBC World"),  # a domain: the host is a subdomain of it
    ],
)
def test_remove_by_url_name_or_host(path: Path, match: str, name: str) -> None:
    [removed] = sources_file.remove(path, match)
    assert removed.name == name
    assert name not in [s.name for s in config.load(path).sources]
    assert len(config.load(path).sources) == 3


def test_an_ambiguous_match_lists_the_candidates_and_changes_nothing(path: Path) -> None:
    sources_file.add(path, Source("Wire", "https://other-wire.example/rss"))
    before = path.read_bytes()
    with pytest.raises(sources_file.AmbiguousSourceError, match="'wire' matches 2 sources") as e:
        sources_file.remove(path, "wire")
    assert "Wire <https://wire.example/rss>" in str(e.value)
    assert "Wire <https://other-wire.example/rss>" in str(e.value)
    assert [s.url for s in e.value.candidates] == [
        "https://wire.example/rss",
        "https://other-wire.example/rss",
    ]
    assert path.read_bytes() == before
    # The URL tells them apart.
    sources_file.remove(path, "https://other-wire.example/rss")
    assert path.read_text() == CONFIG


def test_no_match_is_an_error_and_changes_nothing(path: Path) -> None:
    with pytest.raises(sources_file.NoSuchSourceError, match="no source matches 'reuters'"):
        sources_file.remove(path, "reuters")
    with pytest.raises(sources_file.NoSuchSourceError):
        sources_file.set_paused(path, "https://reuters.example/rss", True)
    assert path.read_text() == CONFIG


def test_set_paused_pauses_and_resumes_in_place(path: Path) -> None:
    paused = sources_file.set_paused(path, "https://feeds.bbci.co.uk/news/world/rss.xml", True)
    assert paused.paused and paused.name == "BBC World"
    text = path.read_text()
    assert 'category = "World"\nrules = [\n' in text
    assert '"video", strip = true },\n]\npaused = true\n\n[[sources]]' in text
    assert sources_file.set_paused(path, "https://front.example/news", True).paused
    assert 'kind = "html"\npaused = true\n[sources.listing]' in path.read_text()
    assert [s.paused for s in config.load(path).sources] == [False, True, False, True]

    sources_file.set_paused(path, "https://feeds.bbci.co.uk/news/world/rss.xml", False)
    sources_file.set_paused(path, "https://front.example/news", False)
    assert path.read_text() == CONFIG


def test_a_paused_line_with_a_comment_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[sources]]\nurl = "https://a.example/"\npaused = true   # on holiday\n')
    assert not sources_file.set_paused(path, "https://a.example/", False).paused
    assert (
        path.read_text()
        == '[[sources]]\nurl = "https://a.example/"\npaused = false   # on holiday\n'
    )
    sources_file.set_paused(path, "https://a.example/", True)
    assert "paused = true   # on holiday" in path.read_text()


def test_add_many_is_idempotent(path: Path) -> None:
    batch = [
        NEW,
        Source("Wire copy", "https://wire.example/rss"),
        Source("Second", "https://second.example/rss", category="Tech"),
        Source("Second again", "https://SECOND.example/rss"),
    ]
    added, skipped = sources_file.add_many(path, batch)
    assert [s.name for s in added] == ["New one", "Second"]
    assert [s.name for s in skipped] == ["Wire copy", "Second again"]
    once = path.read_bytes()
    assert b'name = "Second"\nurl = "https://second.example/rss"\ncategory = "Tech"\n' in once

    added, skipped = sources_file.add_many(path, batch)
    assert added == [] and len(skipped) == 4
    assert path.read_bytes() == once


def test_one_bad_source_in_a_batch_writes_nothing(path: Path) -> None:
    broken = Source("Page without selectors", "https://p.example/", kind="html")
    with pytest.raises(ConfigError, match=r"cannot add 'Page without selectors': listing: kind"):
        sources_file.add_many(path, [NEW, broken])
    with pytest.raises(ConfigError, match=r"cannot add 'Bad': kind: must be \"feed\" or \"html\""):
        sources_file.add(path, Source("Bad", "https://bad.example/", kind="atom"))
    with pytest.raises(ConfigError, match=r"cannot add 'Ftp': url: must be an http or https"):
        sources_file.add(path, Source("Ftp", "ftp://ftp.example/"))
    assert path.read_text() == CONFIG


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: sources_file.add(p, NEW),
        lambda p: sources_file.add_many(p, [NEW]),
        lambda p: sources_file.remove(p, "Wire"),
        lambda p: sources_file.set_paused(p, "https://wire.example/rss", True),
    ],
    ids=["add", "add_many", "remove", "set_paused"],
)
def test_a_config_that_is_not_valid_toml_is_a_clear_error_and_stays(
    tmp_path: Path, edit: Callable[[Path], object]
) -> None:
    path = tmp_path / "config.toml"
    broken = '[[sources]]\nname = "Wire"\nurl = "https://wire.example/rss\n'
    path.write_text(broken)
    with pytest.raises(ConfigError, match=r"config\.toml:3: invalid TOML"):
        edit(path)
    assert path.read_text() == broken
    assert os.listdir(tmp_path) == ["config.toml"]  # no temporary file left behind


def test_a_config_with_a_bad_value_is_not_edited(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[poll]\ninterval = "soon"\n')
    with pytest.raises(ConfigError, match=r"config\.toml:2: poll\.interval: must be a number"):
        sources_file.add(path, NEW)
    assert path.read_text() == '[poll]\ninterval = "soon"\n'


def test_a_missing_config_starts_from_the_commented_defaults(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    sources_file.add(path, NEW)
    text = path.read_text()
    assert text.startswith(config.default_text().split("# A source with its own")[0])
    assert [s.url for s in config.load(path).sources] == [
        *(s.url for s in config.DEFAULT_SOURCES),
        NEW.url,
    ]
    # The new table sits with the others, before the commented examples.
    assert text.index("new.example") < text.index("# A source with its own")
    sources_file.remove(path, NEW.url)
    assert path.read_text() == config.default_text()


def test_a_failed_edit_of_a_missing_config_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(sources_file.NoSuchSourceError):
        sources_file.remove(tmp_path / "config.toml", "nowhere.example")
    assert not (tmp_path / "config.toml").exists()


def test_crlf_line_endings_and_a_missing_final_newline_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = '# mine\r\n[[sources]]\r\nname = "A"\r\nurl = "https://a.example/"\r\n'
    path.write_bytes(original.encode())
    sources_file.add(path, NEW)
    assert b'\r\n\r\n[[sources]]\r\nname = "New one"\r\n' in path.read_bytes()
    assert b"\n" not in path.read_bytes().replace(b"\r\n", b"")
    sources_file.remove(path, NEW.url)
    assert path.read_bytes() == original.encode()

    path.write_text('[[sources]]\nurl = "https://a.example/"')  # no newline at the end
    sources_file.add(path, NEW)
    assert path.read_text().startswith('[[sources]]\nurl = "https://a.example/"\n\n[[sources]]')


def test_sources_written_as_an_inline_array_are_edited_too(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\nsources = []  # none yet\n\n[poll]\ninterval = 60\n")
    sources_file.add(path, NEW)
    sources_file.add(path, Source("Two", "https://two.example/"))
    sources_file.set_paused(path, NEW.url, True)
    assert [(s.url, s.paused) for s in config.load(path).sources] == [
        (NEW.url, True),
        ("https://two.example/", False),
    ]
    sources_file.remove(path, "two")
    text = path.read_text()
    assert text.startswith("# mine\nsources = [{") and text.endswith("\n\n[poll]\ninterval = 60\n")


def test_a_config_without_sources_gets_its_first_table_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[poll]\ninterval = 60\n")
    sources_file.add(path, NEW)
    assert path.read_text() == (
        '[poll]\ninterval = 60\n\n[[sources]]\nname = "New one"\n'
        'url = "https://new.example/feed.xml"\n'
    )


def test_the_edit_keeps_the_file_mode_and_a_symlink(tmp_path: Path, path: Path) -> None:
    path.chmod(0o600)
    link = tmp_path / "link.toml"
    link.symlink_to(path)
    sources_file.add(link, NEW)
    assert link.is_symlink() and NEW.url in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(os.listdir(tmp_path)) == ["config.toml", "link.toml"]
