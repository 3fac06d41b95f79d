"""Config: written with commented defaults on first run; bad files named by file, line, key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ticker import config
from ticker.errors import ConfigError
from ticker.model import Badge


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
