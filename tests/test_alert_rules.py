"""Alert rules: what they match, and config errors that name the file, the line and the key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ticker import config
from ticker.alerts import rules_file
from ticker.alerts.events import AlertEvent, burst, deliveries
from ticker.alerts.rules import Action, AlertRule, AlertSettings, QuietHours
from ticker.errors import ConfigError
from ticker.model import NO_BADGES, Badge, Headline, Source

ALL_ACTIONS = Action(15)
BBC = Source("BBC World", "https://feeds.bbci.co.uk/news/world/rss.xml", category="World/Europe")
WIRE = Source("Wire", "https://wire.example/rss")


def headline(title: str, source: Source = BBC, badges: Badge = NO_BADGES) -> Headline:
    return Headline(
        source=source.url,
        guid=title,
        title=title,
        url="https://example.org/a",
        published=datetime(2024, 10, 26, tzinfo=UTC),
        badges=badges,
        source_name=source.name,
    )


def test_a_badge_rule_matches_any_of_its_badges_only() -> None:
    rule = AlertRule("Urgent", badges=Badge.BREAKING | Badge.EXCLUSIVE)
    assert rule.matches(headline("a", badges=Badge.BREAKING))
    assert rule.matches(headline("b", badges=Badge.EXCLUSIVE | Badge.VIDEO), BBC)
    assert not rule.matches(headline("c", badges=Badge.VIDEO))
    assert not rule.matches(headline("d"))


def test_a_source_is_named_by_its_name_in_any_case_or_by_any_spelling_of_its_url() -> None:
    by_name = AlertRule("BBC", sources=("bbc world",))
    by_url = AlertRule("BBC", sources=("HTTPS://FEEDS.BBCI.CO.UK/news/world/rss.xml#top",))
    for rule in (by_name, by_url):
        assert rule.matches(headline("a"), BBC)
        assert not rule.matches(headline("a", WIRE), WIRE)


def test_a_category_matches_its_folder_and_the_folders_inside_it() -> None:
    assert AlertRule("W", categories=("world",)).matches(headline("a"), BBC)
    assert AlertRule("E", categories=("World/Europe",)).matches(headline("a"), BBC)
    assert not AlertRule("Wo", categories=("Wor",)).matches(headline("a"), BBC)
    assert not AlertRule("W", categories=("World",)).matches(headline("a", WIRE), WIRE)


def test_a_title_regex_ignores_case_unless_the_rule_says_case() -> None:
    loose = AlertRule("Kyiv", title=r"\bkyiv\b")
    strict = AlertRule("Kyiv", title=r"\bkyiv\b", case=True)
    assert loose.matches(headline("Drones over KYIV tonight"))
    assert not loose.matches(headline("Kyivstar outage"))
    assert not strict.matches(headline("Drones over Kyiv tonight"))
    assert strict.matches(headline("drones over kyiv tonight"))


def test_every_criterion_a_rule_names_must_hold() -> None:
    rule = AlertRule("Both", badges=Badge.BREAKING, sources=("Wire",), title="quake")
    assert rule.matches(headline("Quake hits", WIRE, Badge.BREAKING), WIRE)
    assert not rule.matches(headline("Quake hits", BBC, Badge.BREAKING), BBC)
    assert not rule.matches(headline("Quake hits", WIRE), WIRE)
    assert not rule.matches(headline("Storm hits", WIRE, Badge.BREAKING), WIRE)


def test_a_full_alerts_config_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[alerts]]\nname = "Breaking"\nbadges = ["breaking", "live"]\n'
        'actions = ["toast", "bell", "desktop", "command"]\n\n'
        '[[alerts]]\nname = "Kyiv"\ntitle = \'\\bKyiv\\b\'\nsources = "BBC World"\n'
        "updates = true\ncase = true\n\n"
        '[notify]\ncommand = ["notify-send", "{rule}", "{title}"]\ncommand_timeout = 3\n'
        'quiet_hours = "22:30-07:00"\ndesktop = "osc777"\nbell = false\n'
    )
    alerts = config.load(path).alerts
    breaking, kyiv = alerts.rules
    assert breaking.badges == Badge.BREAKING | Badge.LIVE and breaking.actions == Action(15)
    assert (kyiv.title, kyiv.sources, kyiv.updates, kyiv.case) == (
        r"\bKyiv\b",
        ("BBC World",),
        True,
        True,
    )
    assert kyiv.actions == Action.TOAST  # the default
    assert alerts.command == ("notify-send", "{rule}", "{title}")
    assert alerts.command_timeout == 3 and alerts.desktop == "osc777" and not alerts.bell
    assert alerts.quiet_hours == QuietHours(22 * 60 + 30, 7 * 60)


def test_no_alerts_section_means_no_rules(tmp_path: Path) -> None:
    assert config.load(tmp_path / "config.toml").alerts == AlertSettings()


RULE = '[[sources]]\nname = "A"\nurl = "https://a.example/rss"\n\n[[alerts]]\nname = "R"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            RULE + 'title = "(unclosed"\n',
            r"config.toml:7: alerts\[0\]\.title: invalid regular expression",
        ),
        (
            RULE + 'badges = ["urgent"]\n',
            r"config.toml:7: alerts\[0\]\.badges: unknown badge 'urgent'",
        ),
        (
            RULE + 'title = "x"\nactions = ["email"]\n',
            r"config.toml:8: alerts\[0\]\.actions: unknown action 'email'",
        ),
        (
            RULE + 'title = "x"\ncolour = "red"\n',
            r"config.toml:8: alerts\[0\]\.colour: unknown key",
        ),
        (
            RULE + 'title = "x"\nupdates = "yes"\n',
            r"config.toml:8: alerts\[0\]\.updates: must be true or false",
        ),
        (RULE, r"config.toml:6: alerts\[0\]\.name: says nothing to match"),
        ('[[alerts]]\ntitle = "x"\n', r"config.toml:1: alerts\[0\]\.name: required"),
        (
            RULE + 'title = "x"\n\n[[alerts]]\nname = "r"\nbadges = ["live"]\n',
            r"config.toml:10: alerts\[1\]\.name: 'r' names another rule too",
        ),
        ('[notify]\nquiet_hours = "late"\n', r"config.toml:2: notify\.quiet_hours: must be a span"),
        (
            '[notify]\ncommand = "notify-send {title}"\n',
            r"config.toml:2: notify\.command: must be a list",
        ),
        ('[notify]\ndesktop = "growl"\n', r"config.toml:2: notify\.desktop: must be one of"),
        ("[notify]\ncommand_timeout = 0\n", r"config.toml:2: notify\.command_timeout: must be"),
    ],
)
def test_a_bad_rule_is_an_error_naming_file_line_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(path)


def test_a_key_is_found_in_its_own_rule_not_in_a_neighbour(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[alerts]]\nname = "A"\ntitle = "fine"\n\n[[alerts]]\nname = "B"\ntitle = "(bad"\n'
    )
    with pytest.raises(ConfigError, match=r"config.toml:7: alerts\[1\]\.title"):
        config.load(path)


def test_quiet_hours_run_past_midnight_in_the_settings_zone() -> None:
    alerts = AlertSettings(quiet_hours=QuietHours(22 * 60, 7 * 60))
    kyiv = ZoneInfo("Europe/Kyiv")  # UTC+3 in summer
    assert alerts.quiet(datetime(2024, 7, 1, 20, 0, tzinfo=UTC), kyiv)  # 23:00 there
    assert alerts.quiet(datetime(2024, 7, 1, 3, 59, tzinfo=UTC), kyiv)  # 06:59 there
    assert not alerts.quiet(datetime(2024, 7, 1, 4, 0, tzinfo=UTC), kyiv)  # 07:00 there
    assert not alerts.quiet(datetime(2024, 7, 1, 12, 0, tzinfo=UTC), kyiv)
    assert not AlertSettings().quiet(datetime(2024, 7, 1, 23, 0, tzinfo=UTC), kyiv)


def event(number: int, rule: str = "Breaking", actions: Action = ALL_ACTIONS) -> AlertEvent:
    return AlertEvent(
        id=number,
        rule=rule,
        row=number,
        source=WIRE.url,
        source_name="Wire",
        guid=f"g{number}",
        title=f"Story {number}",
        url=f"https://wire.example/{number}",
        badges=Badge.BREAKING,
        revision=0,
        actions=actions,
        fired=datetime(2024, 7, 1, 12, tzinfo=UTC),
    )


def test_a_burst_of_fifty_alerts_is_one_summary_that_says_fifty() -> None:
    events = [event(i) for i in range(1, 49)] + [event(49, "Kyiv"), event(50, "Kyiv")]
    [summary] = burst(events)
    assert summary.text == "50 alerts: Breaking × 48, Kyiv × 2; newest: Story 50"  # noqa: RUF001
    assert summary.count == 50 and summary.row is None


def test_a_few_alerts_are_one_notification_per_headline_with_its_rules_together() -> None:
    both = [event(1), event(2), event(3), event(3, "Kyiv")]
    notes = burst(both)
    assert [n.title for n in notes] == ["Breaking", "Breaking", "Breaking, Kyiv"]
    assert notes[0].body == "Story 1 (Wire)" and notes[2].row == 3


def test_quiet_hours_keep_the_toast_and_silence_bell_and_desktop() -> None:
    alerts = AlertSettings(quiet_hours=QuietHours(11 * 60, 13 * 60))
    [quiet] = deliveries([event(1)], alerts, datetime(2024, 7, 1, 12, tzinfo=UTC), UTC)
    assert (quiet.toast, quiet.bell, quiet.desktop) == (True, False, False)
    [loud] = deliveries([event(1)], alerts, datetime(2024, 7, 1, 14, tzinfo=UTC), UTC)
    assert (loud.toast, loud.bell, loud.desktop) == (True, True, True)
    [toast_only] = deliveries(
        [event(1, actions=Action.TOAST)], alerts, loud.notification.events[0].fired
    )
    assert (toast_only.bell, toast_only.desktop) == (False, False)


# -- editing the rules in the config file ----------------------------------------------------

CONFIG = """\
# my ticker
[[sources]]
name = "Wire"   # the wire
url = "https://wire.example/rss"

# my alerts
[[alerts]]
name = "Breaking"  # the big ones
badges = ["breaking"]
# keep this comment

[notify]
bell = false  # quiet desk
"""


def test_adding_and_removing_a_rule_keeps_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    added = rules_file.add_rule(
        path, AlertRule("Kyiv", title=r"\bKyiv\b", sources=("Wire",), updates=True)
    )
    text = path.read_text()
    assert text.startswith(CONFIG.split("[notify]")[0].rstrip("\n"))
    assert 'name = "Kyiv"\nsources = ["Wire"]\ntitle = \'\\bKyiv\\b\'\nupdates = true\n' in text
    assert text.endswith("[notify]\nbell = false  # quiet desk\n")
    settings = config.load(path)
    assert [r.name for r in settings.alerts.rules] == ["Breaking", "Kyiv"]
    assert settings.alerts.rules[1] == added and not settings.alerts.bell
    assert rules_file.remove_rule(path, "kyiv") == added
    assert path.read_text() == CONFIG


def test_a_rule_is_edited_in_place_and_its_comments_stay(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    rules_file.replace_rule(path, "Breaking", AlertRule("Breaking", badges=Badge.LIVE))
    assert path.read_text() == CONFIG.replace(
        'name = "Breaking"  # the big ones\nbadges = ["breaking"]',
        'name = "Breaking"\nbadges = ["live"]',
    )


def test_a_second_rule_of_the_same_name_and_a_bad_rule_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    with pytest.raises(rules_file.DuplicateRuleError):
        rules_file.add_rule(path, AlertRule("BREAKING", title="x"))
    with pytest.raises(ConfigError, match="name: says nothing to match"):
        rules_file.add_rule(path, AlertRule("Empty"))
    with pytest.raises(rules_file.NoSuchRuleError):
        rules_file.remove_rule(path, "Nope")
    assert path.read_text() == CONFIG


def test_the_first_rule_goes_into_a_file_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    rules_file.add_rule(path, AlertRule("Live", badges=Badge.LIVE))
    settings = config.load(path)
    assert settings.sources == config.DEFAULT_SOURCES
    assert [r.name for r in settings.alerts.rules] == ["Live"]
