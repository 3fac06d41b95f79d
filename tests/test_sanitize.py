"""Untrusted text becomes clean text: no escapes, no controls, bounded, literal."""

from __future__ import annotations

import pytest

from ticker.sanitize import clean_line, clean_url, html_to_text, strip_controls, truncate


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m news", "red news"),
        ("copy \x1b]52;c;ZWNobyBoaQ==\x07me", "copy me"),
        ("copy \x1b]52;c;ZWNobyBoaQ==\x1b\\me", "copy me"),
        ("a \x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\ b", "a link b"),
        ("eight-bit \x9b31mCSI", "eight-bit CSI"),
        ("dcs \x1bPq#0;2;0;0;0\x1b\\done", "dcs done"),
        ("bell\x07 and del\x7f", "bell and del"),
        ("right\u202eto left\u2066x\u2069", "rightto leftx"),
        ("lone \ud800surrogate", "lone surrogate"),
        ("unterminated \x1b]0;title forever", "unterminated "),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
    ],
)
def test_escape_sequences_and_controls_are_removed_with_their_payload(raw: str, clean: str) -> None:
    assert strip_controls(raw) == clean


def test_markup_like_text_stays_literal() -> None:
    assert clean_line("[bold red]x[/] and [/") == "[bold red]x[/] and [/"


def test_html_is_reduced_to_text_with_entities_decoded() -> None:
    assert clean_line("<p>Grain &amp; oil</p><p>deal</p>") == "Grain & oil deal"
    assert clean_line("Markets &#8217;rally&#8217;") == "Markets \u2019rally\u2019"
    assert html_to_text("<b>Ex</b>clusive") == "Exclusive"


def test_entities_that_decode_to_controls_are_removed_too() -> None:
    for raw in ("a &#27;[31mb", "a &#x1b;]52;c;eA==&#7;b", "a &#155;31mb"):
        assert strip_controls(clean_line(raw)) == clean_line(raw)
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in clean_line(raw))


def test_scripts_in_summaries_are_dropped() -> None:
    assert clean_line("Hi<script>alert(1)</script> there") == "Hi there"


def test_whitespace_collapses_to_single_spaces() -> None:
    assert clean_line("  one\n\ttwo \u2028 three  ") == "one two three"


def test_long_text_is_truncated_with_an_ellipsis() -> None:
    line = clean_line("word " * 100_000, 50)
    assert len(line) <= 50 and line.endswith("\u2026")
    assert truncate("short", 10) == "short"


def test_non_strings_are_tolerated() -> None:
    assert clean_line(None) == ""
    assert clean_line(42) == "42"
    assert clean_line(b"caf\xc3\xa9 \xff") == "caf\u00e9 \ufffd"


def test_urls_lose_controls_and_spaces() -> None:
    assert clean_url(" http://example.org/a b\x1b[2J ") == "http://example.org/ab"
    assert clean_url(None) == ""


def test_an_aggregator_s_copy_of_an_article_loses_escapes_scripts_and_styles() -> None:
    from ticker.extract import fragment_markdown as text_of_fragment

    hostile = (
        "<h2>Harbour \x1b]52;c;ZXZpbA==\x07reopens</h2><script>alert(1)</script>"
        "<style>p{}</style><p>Ferries run \x1b[31mtonight\x1b[0m from pier 4.</p>"
        "<ul><li>[bold]literal[/bold]</li></ul>"
    )
    assert text_of_fragment(hostile).split("\n\n") == [
        "## Harbour reopens",
        "Ferries run tonight from pier 4.",
        "- [bold]literal[/bold]",
    ]
