"""Title, byline, publication time, tags and language of the article fixtures."""

from __future__ import annotations

import pytest
from articles import Fixture, _decoded, fixtures

from ticker.errors import TickerError
from ticker.extract import extract
from ticker.model import Article

ARTICLES = [f for f in fixtures() if not f.expect["no_article"]]


@pytest.fixture(scope="module")
def extracted() -> dict[str, Article]:
    return {f.name: extract(_decoded(f), f.url) for f in ARTICLES}


def share(extracted: dict[str, Article], same: object) -> float:
    hits = [same(extracted[f.name], f) for f in ARTICLES]  # type: ignore[operator]
    return sum(hits) / len(hits)


def published(article: Article, fixture: Fixture) -> bool:
    when = article.published.strftime("%Y-%m-%dT%H:%M:%SZ") if article.published else None
    return when == fixture.expect["published"]


@pytest.mark.parametrize(
    ("field", "same", "at_least"),
    [
        ("title", lambda a, f: a.title == f.expect["title"], 0.95),
        ("published", published, 0.95),
        ("lang", lambda a, f: a.lang == f.expect["lang"], 0.95),
        ("tags", lambda a, f: list(a.tags) == f.expect["tags"], 0.9),
        ("byline", lambda a, f: a.byline == f.expect["byline"], 0.85),
    ],
)
def test_metadata_matches_the_page(
    extracted: dict[str, Article], field: str, same: object, at_least: float
) -> None:
    assert share(extracted, same) >= at_least


def test_a_page_without_an_article_says_so() -> None:
    for fixture in fixtures():
        if fixture.expect["no_article"]:
            with pytest.raises(TickerError, match="no article found"):
                extract(_decoded(fixture), fixture.url)


def test_the_seed_like_page_reads_like_the_seed() -> None:
    [seed] = [f for f in fixtures() if f.name == "a_seed_like"]
    article = extract(_decoded(seed), seed.url)
    assert article.tags == tuple(seed.expect["tags"])
    assert article.published is not None
    assert "client/title.list_title" not in article.body
    assert "Read also" not in article.body and "More articles" not in article.body
    assert article.title not in article.body
