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


# -- the extractors compared ------------------------------------------------------------------


def _decoded(fixture: Fixture) -> str:
    """The page decoded as ticker would: from its bytes and what the page itself declares."""
    from ticker.extract import decode

    return decode(fixture.html, "text/html")


def run_ticker(fixture: Fixture) -> str:
    from ticker.errors import TickerError
    from ticker.extract import extract

    try:
        return extract(_decoded(fixture), fixture.url).body
    except TickerError:
        return ""


def run_trafilatura(fixture: Fixture, **options: Any) -> str:
    import trafilatura

    text = trafilatura.extract(
        _decoded(fixture), url=fixture.url, include_comments=False, include_tables=False, **options
    )
    return text or ""


def run_readability(fixture: Fixture) -> str:
    from lxml import html as lxml_html
    from readability import Document

    try:
        summary = Document(_decoded(fixture)).summary(html_partial=True)
    except Exception:  # readability raises bare Exceptions on pages it cannot read
        return ""
    tree = lxml_html.fromstring(summary)
    blocks = tree.xpath("//p|//h1|//h2|//h3|//h4|//li|//blockquote|//pre|//td")
    if not blocks:
        return str(tree.text_content())
    return "\n\n".join(b.text_content().strip() for b in blocks if b.text_content().strip())


def run_resiliparse(fixture: Fixture) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return str(extract_plain_text(HTMLTree.parse(_decoded(fixture)), main_content=True))


def run_justext(fixture: Fixture) -> str:
    import justext

    languages = {
        "en": "English",
        "de": "German",
        "fr": "French",
        "es": "Spanish",
        "uk": "Ukrainian",
    }
    language = languages.get(str(fixture.expect.get("lang") or "en"), "English")
    try:
        stoplist = justext.get_stoplist(language)
    except ValueError:
        stoplist = frozenset()
    paragraphs = justext.justext(fixture.html, stoplist, encoding=fixture.charset)
    return "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)


EXTRACTORS = {
    "trafilatura": run_trafilatura,
    "trafilatura (precision)": lambda f: run_trafilatura(f, favor_precision=True),
    "trafilatura (recall)": lambda f: run_trafilatura(f, favor_recall=True),
    "readability-lxml": run_readability,
    "resiliparse": run_resiliparse,
    "justext": run_justext,
}


# -- real pages: the peer corpora's text and scores ---------------------------------------------

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)


def html_text(html: str, numbered: bool = False) -> str:
    """An HTML fragment's text, blocks on lines of their own (as a reader would see them);
    `numbered` writes the numbers of ordered lists, as a Markdown viewer shows them."""
    from lxml import etree
    from lxml import html as lxml_html

    if not html.strip():
        return ""
    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("script", "style", "noscript", "template"):
            parts.append(" " if element.tail is None else element.tail)
            return
        block = tag in _BLOCKS
        if block:
            parts.append("\n")
        parent = element.getparent()
        if numbered and tag == "li" and parent is not None and parent.tag == "ol":
            start = int(parent.get("start") or 1) if (parent.get("start") or "1").isdigit() else 1
            parts.append(f"{start + parent.index(element)}. ")
        if tag and element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
        if block:
            parts.append("\n")
        if element.tail:
            parts.append(element.tail)

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def markdown_text(markdown: str) -> str:
    """What a Markdown body shows as text (ticker's reader renders it with markdown-it)."""
    from markdown_it import MarkdownIt

    if not markdown.strip():
        return ""
    return html_text(MarkdownIt("commonmark").render(markdown))


def _spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippets(text: str, with_: list[str], without: list[str]) -> tuple[int, int, int, int]:
    """trafilatura's evaluation of one page: true/false positives, false/true negatives."""
    spaced = _spaced(text)
    tp = sum(1 for s in with_ if _spaced(s) in spaced)
    fp = sum(1 for s in without if _spaced(s) in spaced)
    return tp, fp, len(with_) - tp, len(without) - fp
