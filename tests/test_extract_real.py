"""ticker's extraction on real pages with other people's ground truth (issue 12).

The pages come from two peer corpora (tests/fixtures/real_articles/README.md names the
repository, commit and path of each; their licences sit beside them). Mozilla's pages are
scored like bench/extract_real.py scores them: 4-word shingles of the body against the expected
article, with per-page floors a little below what ticker reaches. Trafilatura's pages carry
snippets the text must hold and snippets it must not. On every page ticker must find an
article, and never less than half the words trafilatura alone extracts (when that is >= 100).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from articles import html_text, markdown_text, page_score, snippets

from ticker.extract import decode, extract

REAL = Path(__file__).parent / "fixtures" / "real_articles"
PAGES: list[dict[str, Any]] = json.loads((REAL / "MANIFEST.json").read_text(encoding="utf-8"))
MOZILLA = [p for p in PAGES if p["corpus"] == "readability"]
TRAFILATURA = [p for p in PAGES if p["corpus"] == "trafilatura"]
_WORD = re.compile(r"\w+")


def _name(page: dict[str, Any]) -> str:
    return f"{page['corpus']}/{page['name']}"


def _source(page: dict[str, Any]) -> str:
    if page["corpus"] == "readability":
        raw = (REAL / "readability" / page["name"] / "source.html").read_bytes()
    else:
        raw = (REAL / "trafilatura" / page["name"]).read_bytes()
    return decode(raw, None)


@functools.cache
def _body(name: str) -> str:
    """ticker's body of a page, as the reader shows it (Markdown rendered to text)."""
    [page] = [p for p in PAGES if _name(p) == name]
    return markdown_text(extract(_source(page), page["url"]).body)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def test_the_set_has_both_corpora_and_their_licences() -> None:
    assert len(MOZILLA) >= 5 and len(TRAFILATURA) >= 10
    assert "Apache License" in (REAL / "readability" / "LICENSE.md").read_text()
    assert "Mozilla" in (REAL / "readability" / "NOTICE").read_text()
    assert "Apache License" in (REAL / "trafilatura" / "LICENSE").read_text()


@pytest.mark.parametrize("page", MOZILLA, ids=_name)
def test_the_body_is_the_expected_article(page: dict[str, Any]) -> None:
    expected = html_text((REAL / "readability" / page["name"] / "expected.html").read_text())
    precision, recall = page_score(_body(_name(page)), expected)
    assert precision >= page["min_precision"], f"precision {precision:.3f}"
    assert recall >= page["min_recall"], f"recall {recall:.3f}"


@pytest.mark.parametrize("page", TRAFILATURA, ids=_name)
def test_the_body_holds_the_wanted_snippets_and_not_the_unwanted(page: dict[str, Any]) -> None:
    found, unwanted, _, _ = snippets(_body(_name(page)), page["with"], page["without"])
    assert found >= page["min_found"], f"{found} of {page['with']}"
    assert unwanted <= page["max_unwanted"], f"{unwanted} of {page['without']}"


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_never_less_than_half_of_what_trafilatura_alone_extracts(page: dict[str, Any]) -> None:
    import trafilatura

    alone = trafilatura.extract(
        _source(page), url=page["url"], include_comments=False, include_tables=True
    )
    theirs, ours = _words(alone or ""), _words(_body(_name(page)))
    assert ours > 0, "no article found"
    if theirs >= 100:
        assert ours >= theirs / 2, f"ticker {ours} words, trafilatura alone {theirs}"


def test_a_paragraph_the_page_repeats_is_kept_each_time() -> None:
    # trafilatura drops a paragraph equal to the one before it; readability-lxml's text holds
    # all of trafilatura's and these repeats too, so it wins.
    page = REAL / "readability" / "social-buttons"
    repeated = "Lorem ipsum dolor sit amet, consectetur"
    shown = (page / "source.html").read_text().count(repeated)
    assert shown == 5
    assert _body("readability/social-buttons").count(repeated) == shown
