"""Each badge rule, with the kinds of titles and categories newsrooms really publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticker.badges import assign, compile_rules, label_badge
from ticker.model import Badge, BadgeRule

B = Badge


@pytest.mark.parametrize(
    ("title", "shown", "badges"),
    [
        (
            "EXCLUSIVE: Port of Halvik to reopen under new operator",
            "Port of Halvik to reopen under new operator",
            B.EXCLUSIVE,
        ),
        (
            "EXCLUSIVE-Regulator weighs fine for grain trader",
            "Regulator weighs fine for grain trader",
            B.EXCLUSIVE,
        ),
        (
            "LIVE: Election night in Ostrava as counting begins",
            "Election night in Ostrava as counting begins",
            B.LIVE,
        ),
        (
            "Live updates: Storm makes landfall on the coast",
            "Storm makes landfall on the coast",
            B.LIVE,
        ),
        ("Opinion | The budget hides a tax rise", "The budget hides a tax rise", B.OPINION),
        ("OPINION: Why the summit failed", "Why the summit failed", B.OPINION),
        ("UPDATE 2-Oil slips as inventories build", "Oil slips as inventories build", B.UPDATED),
        ("UPDATE-Central bank holds rates", "Central bank holds rates", B.UPDATED),
        ("BREAKING: Quake shakes northern province", "Quake shakes northern province", B.BREAKING),
        ("Analysis: What the ceasefire terms mean", "What the ceasefire terms mean", B.ANALYSIS),
        ("VIDEO: Rescuers reach stranded hikers", "Rescuers reach stranded hikers", B.VIDEO),
        ("Watch: Flood waters recede in the valley", "Flood waters recede in the valley", B.VIDEO),
        ("Review: A bleak, brilliant war drama", "A bleak, brilliant war drama", B.REVIEW),
        ("The Quiet Harbour \u2013 review", "The Quiet Harbour", B.REVIEW),
        (
            "Ceasefire talks resume in Geneva \u2013 live",
            "Ceasefire talks resume in Geneva",
            B.LIVE,
        ),
        ("Divers recover the lost bell (video)", "Divers recover the lost bell", B.VIDEO),
        (
            "UPDATE 1-EXCLUSIVE-Miner plans sale of copper unit",
            "Miner plans sale of copper unit",
            B.UPDATED | B.EXCLUSIVE,
        ),
    ],
)
def test_title_prefixes_and_suffixes_become_badges_and_leave_the_title(
    title: str, shown: str, badges: Badge
) -> None:
    assert assign(title) == (shown, badges)


@pytest.mark.parametrize(
    "title",
    [
        "Exclusive interview reveals plans for the port",
        "Live music returns to the old town",
        "Reviewers praise the new bridge",
        "Update your passwords, agency urges",
        "A pre-review of the budget",
        "Watchdog fines the ferry operator",
        "EXCLUSIVE:",
        # hyphenated words: a bare hyphen separates only after a word in capitals (wire form)
        "Live-action Lilo & Stitch tops the weekend box office",
        "Video-game sales slow for the third quarter",
        "Review-bombing hits a small studio's new release",
        "Exclusive-use deal signed for the harbour berths",
        "Breaking-ball pitchers dominate the series",
        "Analysis-paralysis, and how teams beat it",
        "Live-Action Remake Tops the Box Office",  # title case, as US desks write
    ],
)
def test_words_that_only_look_like_labels_do_not_badge(title: str) -> None:
    assert assign(title) == (title, Badge(0))


@pytest.mark.parametrize(
    ("title", "shown", "badges"),
    [
        ("UPDATE 2-Markets fall on rate fears", "Markets fall on rate fears", B.UPDATED),
        ("EXCLUSIVE-Bank to cut 200 jobs", "Bank to cut 200 jobs", B.EXCLUSIVE),
        ("LIVE-Storm reaches the coast", "Storm reaches the coast", B.LIVE),
        ("UPDATE 1-EXCLUSIVE-Port sold", "Port sold", B.UPDATED | B.EXCLUSIVE),
        ("Live - Election night in the capital", "Election night in the capital", B.LIVE),
        ("Analysis\u2014the vote that was not", "the vote that was not", B.ANALYSIS),
    ],
)
def test_dashes_separate_in_the_wire_form_and_when_spaced(
    title: str, shown: str, badges: Badge
) -> None:
    assert assign(title) == (shown, badges)


@pytest.mark.parametrize(
    ("label", "badge"),
    [
        ("Exclusive", B.EXCLUSIVE),
        ("OPINION", B.OPINION),
        ("Op-Ed", B.OPINION),
        ("Updated", B.UPDATED),
        ("Review", B.REVIEW),
        ("Live blog", B.LIVE),
        ("Breaking news", B.BREAKING),
        ("Analysis", B.ANALYSIS),
        ("Video", B.VIDEO),
        ("World", Badge(0)),
    ],
)
def test_categories_and_page_labels_map_to_badges(label: str, badge: Badge) -> None:
    assert label_badge(label) == badge
    assert assign("Harbour strike ends", [label, "Europe"]) == ("Harbour strike ends", badge)


def test_atom_updated_later_than_published_is_updated() -> None:
    published = datetime(2024, 10, 26, 10, 0, tzinfo=UTC)
    assert assign("t", published=published, updated=published + timedelta(hours=2))[1] == B.UPDATED
    # Publishing systems stamp `updated` a few seconds after `published`: not an update.
    assert assign("t", published=published, updated=published + timedelta(seconds=20))[1] == Badge(
        0
    )


def test_source_rules_add_badges_and_can_strip_what_they_match() -> None:
    rules = compile_rules(
        (BadgeRule(r"^\[Interview\]", B.EXCLUSIVE, strip=True), BadgeRule(r"column", B.OPINION))
    )
    assert assign("[Interview] The mayor on the flood", rules=rules) == (
        "The mayor on the flood",
        B.EXCLUSIVE,
    )
    assert assign("Tax and the state", ["Weekly column"], rules=rules) == (
        "Tax and the state",
        B.OPINION,
    )


def test_badge_names_round_trip() -> None:
    assert Badge.from_name("opinion") is B.OPINION
    assert (B.EXCLUSIVE | B.VIDEO).names() == ["exclusive", "video"]
    with pytest.raises(ValueError, match="known: exclusive"):
        Badge.from_name("gossip")
