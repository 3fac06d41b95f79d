"""ticker's extraction against every single extractor, on the hand-marked article fixtures."""

from __future__ import annotations

import pytest
from articles import EXTRACTORS, fixtures, run_ticker, score

PAGES = fixtures()


@pytest.fixture(scope="module")
def ticker_score() -> float:
    return score([(run_ticker(p), str(p.expect["body"])) for p in PAGES]).f1


def test_there_are_at_least_40_fixture_pages() -> None:
    assert len(PAGES) >= 40


def test_ticker_f1_is_at_least_0_95(ticker_score: float) -> None:
    assert ticker_score >= 0.95


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
def test_ticker_beats_every_single_extractor(name: str, ticker_score: float) -> None:
    single = score([(EXTRACTORS[name](p), str(p.expect["body"])) for p in PAGES]).f1
    assert ticker_score >= single, f"{name} scores {single:.3f}, ticker {ticker_score:.3f}"
