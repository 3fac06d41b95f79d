"""The article fixtures and the score public extraction benchmarks use.

Tokens are runs of word characters; a text is the multiset of its 4-token shingles; a page's
precision and recall compare the extracted shingles with the expected ones; both are averaged
over pages and F1 is their harmonic mean. A page with no article scores 1/1 when nothing is
extracted and 0/0 otherwise.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Fixture:
    name: str
    html: bytes
    expect: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.expect["url"])

    @property
    def charset(self) -> str:
        return str(self.expect.get("charset") or "utf-8")


def fixtures() -> list[Fixture]:
    """Every fixture pair in tests/fixtures/articles, by name."""
    found = []
    for spec in sorted(FIXTURES.glob("*.json")):
        html = spec.with_suffix(".html")
        if html.exists():
            found.append(Fixture(spec.stem, html.read_bytes(), json.loads(spec.read_text())))
    return found


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    if 0 < len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_score(extracted: str, expected: str) -> tuple[float, float]:
    """Precision and recall of one page."""
    got, want = shingles(extracted), shingles(expected)
    if not want:
        return (1.0, 1.0) if not got else (0.0, 1.0)
    if not got:
        return 0.0, 0.0
    common = sum((got & want).values())
    return common / sum(got.values()), common / sum(want.values())


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    pages: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total


def score(pairs: list[tuple[str, str]]) -> Score:
    """The averaged score of (extracted, expected) bodies."""
    scores = [page_score(got, want) for got, want in pairs]
    n = len(scores) or 1
    return Score(sum(p for p, _ in scores) / n, sum(r for _, r in scores) / n, len(scores))
