"""Config: written with commented defaults on first run; bad files named by file, line, key."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from ticker import config
from ticker.errors import ConfigError
from ticker.model import Badge, Listing


def test_first_run_writes_commented_defaults_that_load_back(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    settings = config.load(path)
    text = path.read_text()
    assert text.startswith("# ticker's configuration")
    assert "# interval = 300" in text
    assert settings.sources == config.DEFAULT_SOURCES
    assert all(s.url.startswith("https://") for s in settings.sources)
    assert settings.poll == config.PollSettings()
    assert settings.timezone == "local" and settings.tz() is None
    assert tomllib.loads(text)["sources"][0]["name"] == config.DEFAULT_SOURCES[0].name


def test_a_home_where_the_config_cannot_be_written_runs_on_the_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file where the config folder should be: no write can succeed there, even as root
    # (a read-only mode bit would not stop root, and CI runs as root).
    (tmp_path / "ticker").write_text("not a folder")
    settings = config.load(tmp_path / "ticker" / "config.toml")
    assert settings.sources == config.DEFAULT_SOURCES
    assert settings.path is None  # source edits last for the run: there is no file to keep them
    assert "cannot write the default config" in capsys.readouterr().err


def test_a_full_config_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'timezone = "Europe/Kyiv"\n'
        "[poll]\ninterval = 120\nconcurrency = 4\n"
        "[retention]\nmax_age_days = 7\n"
        '[[sources]]\nname = "Wire"\nurl = "https://example.org/rss"\ninterval = 60\n'
        'rules = [{ pattern = "^WATCH:", badge = "video", strip = true }]\n'
    )
    settings = config.load(path)
    assert settings.poll.interval == 120 and settings.poll.concurrency == 4
    assert settings.retention.max_age_days == 7
    assert str(settings.tz()) == "Europe/Kyiv"
    [source] = settings.sources
    assert source.interval == 60
    assert source.rules[0].badge is Badge.VIDEO and source.rules[0].strip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[poll\ninterval = 3", r"config.toml:1: invalid TOML"),
        ("[poll]\ninterval = 'soon'\n", r"config.toml:2: poll.interval: must be a number, not str"),
        (
            "[poll]\n\nconcurrency = 0\n",
            r"config.toml:3: poll.concurrency: must be between 1 and 256",
        ),
        (
            'timezone = "Mars/Olympus"\n',
            r"config.toml:1: timezone: unknown time zone 'Mars/Olympus'",
        ),
        ("colour = 1\n", r"config.toml:1: colour: unknown setting"),
        (
            '[[sources]]\nname = "A"\nurl = "https://a.example/rss"\n\n'
            '[[sources]]\nname = "B"\nurl = "ftp://b.example/rss"\n',
            r"config.toml:7: sources\[1\].url: must be an http or https address",
        ),
        # odd values end in a sentence, not a traceback (issue 11, fault 10)
        ("[poll]\ninterval = inf\n", r"config.toml:2: poll.interval: must be a finite number"),
        ("[poll]\ntimeout = nan\n", r"config.toml:2: poll.timeout: must be a finite number"),
        (
            "[retention]\nmax_age_days = inf\n",
            r"config.toml:2: retention.max_age_days: must be a finite number, not inf",
        ),
        (
            "[retention]\nmax_items_per_source = -inf\n",
            r"config.toml:2: retention.max_items_per_source: must be a finite number, not -inf",
        ),
        (
            '[[sources]]\nname = "A"\nurl = "https://a.example/rss"\ninterval = nan\n',
            r"config.toml:4: sources\[0\].interval: must be a finite number",
        ),
        (
            '[[sources]]\nname = "A"\nurl = "http://[::1/feed"\n',
            r"config.toml:3: sources\[0\].url: must be an http or https address",
        ),
        (
            '[[sources]]\nname = "A"\nurl = "http://a.example:99999/feed"\n',
            r"config.toml:3: sources\[0\].url: must be an http or https address",
        ),
        (
            '[[sources]]\nname = "A"\nurl = "https://a.example/rss"\n'
            'rules = [{ pattern = "(", badge = "video" }]\n',
            r"config.toml:4: sources\[0\].rules\[0\].pattern: invalid regular expression",
        ),
        (
            '[[sources]]\nname = "A"\nurl = "https://a.example/rss"\n'
            'rules = [{ pattern = "x", badge = "gossip" }]\n',
            r"config.toml:4: sources\[0\].rules\[0\].badge: unknown badge 'gossip'",
        ),
    ],
)
def test_a_bad_config_names_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(path)


def test_a_config_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe[poll]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(path)


def test_the_new_source_keys_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[sources]]\nname = "Wire"\nurl = "https://example.org/rss"\n'
        'category = " World/Europe "\npaused = true\nkind = "feed"\n\n'
        '[[sources]]\nname = "Front page"\nurl = "https://example.org/news"\nkind = "html"\n'
        'listing = { item = "ul > li", title = "a", time = "time", timezone = "Europe/Kyiv" }\n\n'
        '[[sources]]\nname = "Live"\nurl = "https://example.org/live"\nkind = "html"\n'
        '[sources.listing]\nitem = "li.post"\ntitle = "h3"\nlink = "h3 a"\ndate = "h2.day"\n'
        'label = ".badge"\n'
    )
    wire, front, live = config.load(path).sources
    assert (wire.kind, wire.category, wire.paused, wire.listing) == (
        "feed",
        "World/Europe",
        True,
        None,
    )
    assert front.kind == "html" and not front.paused and front.category == ""
    assert front.listing == Listing(item="ul > li", title="a", time="time", timezone="Europe/Kyiv")
    assert live.listing == Listing(
        item="li.post", title="h3", link="h3 a", date="h2.day", label=".badge"
    )


def test_the_commented_examples_in_the_default_config_are_valid(tmp_path: Path) -> None:
    text = config.default_text()
    examples = text[text.index("# A source with its own") :]
    # Every line but the prose ("# A page of headlines...") is an example to uncomment.
    lines = [line.removeprefix("#").removeprefix(" ") for line in examples.splitlines()]
    uncommented = "\n".join(line for line in lines if not line[:1].isupper())
    sources = config.parse(uncommented, tmp_path / "config.toml").sources
    assert [s.kind for s in sources] == ["feed", "html"]
    assert sources[0].category == "World" and len(sources[0].rules) == 2
    assert sources[1].listing is not None and sources[1].listing.timezone == "Europe/Kyiv"


SOURCE = '[[sources]]\nname = "A"\nurl = "https://a.example/rss"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            SOURCE + 'kind = "atom"\n',
            r"config.toml:4: sources\[0\].kind: must be \"feed\" or \"html\", not 'atom'",
        ),
        (
            SOURCE + 'kind = "html"\n\n' + SOURCE + 'kind = "html"\nlisting = { item = "li", '
            'title = "a" }\n',
            r"config.toml:4: sources\[0\].listing: kind = \"html\" needs a listing table",
        ),
        (
            SOURCE + 'kind = "html"\nlisting = { item = "li[", title = "a" }\n',
            r"config.toml:5: sources\[0\].listing.item: invalid CSS selector 'li\['",
        ),
        (
            SOURCE
            + 'kind = "html"\n[sources.listing]\nitem = "li"\ntitle = "a"\ntime = "a::after"\n',
            r"config.toml:8: sources\[0\].listing.time: invalid CSS selector 'a::after'",
        ),
        (
            SOURCE + 'kind = "html"\n[sources.listing]\nitem = "li"\n',
            r"config.toml:5: sources\[0\].listing.title: required: a CSS selector",
        ),
        (
            SOURCE + 'kind = "html"\nlisting = { item = "li", title = "a", colour = "red" }\n',
            r"config.toml:5: sources\[0\].listing.colour: unknown key \(known: item, title, link, "
            r"time, date, label, timezone\)",
        ),
        (
            SOURCE + 'kind = "html"\nlisting = { item = "li", title = "", time = "t" }\n',
            r"config.toml:5: sources\[0\].listing.title: must be a CSS selector",
        ),
        (
            SOURCE + 'kind = "html"\nlisting = { item = "li", title = "a", timezone = "Mars" }\n',
            r"config.toml:5: sources\[0\].listing.timezone: unknown time zone 'Mars'",
        ),
        (
            SOURCE + 'kind = "html"\nlisting = "li"\n',
            r"config.toml:5: sources\[0\].listing: must be a table of CSS selectors",
        ),
        (
            SOURCE + 'listing = { item = "li", title = "a" }\n',
            r"config.toml:4: sources\[0\].listing: only for kind = \"html\"",
        ),
        (SOURCE + 'paused = "yes"\n', r"config.toml:4: sources\[0\].paused: must be true or false"),
        (SOURCE + "category = 3\n", r"config.toml:4: sources\[0\].category: must be a string"),
        (
            SOURCE + "colour = 1\n",
            r"config.toml:4: sources\[0\].colour: unknown key \(known: name, url, interval, rules, "
            r"kind, category, paused, listing\)",
        ),
    ],
)
def test_a_bad_new_source_key_names_file_line_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(path)


def test_selectors_are_not_checked_without_cssselect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "lxml.cssselect", None)  # import fails: not installed
    text = SOURCE + 'kind = "html"\nlisting = { item = "li[", title = "a" }\n'
    [source] = config.parse(text, tmp_path / "config.toml").sources
    assert source.listing is not None and source.listing.item == "li["
