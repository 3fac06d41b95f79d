"""A news page in, the article out: title, byline, date, Markdown body, tags, language.

The extractor choice lives behind `extract`. Candidates come from trafilatura and from
readability-lxml; `_choose` picks between them by simple signals, and `_clean` removes what no
reader wants and both let through (bench/extract.py has the scores behind each choice).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ticker.errors import TickerError
from ticker.model import Article
from ticker.sanitize import clean_line, strip_controls

MAX_HTML = 8 * 1024 * 1024  # characters of HTML worth extracting from; the rest is cut
TITLE_MAX = 400
BYLINE_MAX = 200
TAG_MAX = 80
TAGS_MAX = 30
MIN_WORDS = 20  # less is a menu, a caption or an error message, not an article
_WORD = re.compile(r"\w+")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class ExtractError(TickerError):
    """The page has no article ticker can find."""


# -- decoding ---------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def decode(body: bytes, content_type: str | None = None) -> str:
    """HTML bytes as text: BOM, then valid UTF-8, then the declared charset, then a guess.

    Valid UTF-8 wins over a declaration because pages that declare a legacy charset but are
    UTF-8 are common, while legacy text that happens to be valid UTF-8 is all but unknown.
    """
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for declared in _declared_charsets(body, content_type):
        try:
            return body.decode(declared)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    if best is not None:
        try:
            return body.decode(best.encoding, "replace")
        except LookupError:
            pass
    return body.decode("utf-8", "replace")


def _declared_charsets(body: bytes, content_type: str | None) -> Iterable[str]:
    if content_type and (header := _HEADER_CHARSET.search(content_type)):
        yield header.group(1)
    if meta := _META_CHARSET.search(body[:4096]):
        yield meta.group(1).decode("ascii", "replace")


# -- extraction -------------------------------------------------------------------------------


def extract(html: str, url: str) -> Article:
    """The article on a page; ExtractError when there is none."""
    import trafilatura

    html = html[:MAX_HTML]
    if _UNSAFE.search(html):
        # Remove escape sequences before any parser sees them: lxml drops the ESC itself and
        # would leave the payload ("]52;c;...") behind as text.
        html = strip_controls(html)
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            include_formatting=True,
        )
    except RecursionError:
        doc = None  # pathologically deep markup: readability may still cope
    body = _markdown(doc)
    if not body:
        body = _readability(html)
    body = _clean(body)
    if len(_WORD.findall(body)) < MIN_WORDS:
        raise ExtractError("no article found on the page")
    meta = _metadata(html, doc)
    return Article(
        url=url,
        title=meta.get("title") or "",
        body=body,
        byline=meta.get("byline"),
        published=meta.get("published"),
        tags=tuple(meta.get("tags") or ()),
        lang=meta.get("lang"),
    )


def _markdown(doc: Any) -> str:
    if doc is None or getattr(doc, "body", None) is None:
        return ""
    from trafilatura.xml import xmltotxt

    return str(xmltotxt(doc.body, True) or "")


def _readability(html: str) -> str:
    try:
        from readability import Document

        summary = Document(html).summary(html_partial=True)
    except Exception:  # readability raises bare Exceptions on pages it cannot read
        return ""
    import trafilatura

    return str(
        trafilatura.extract(
            summary, output_format="markdown", include_formatting=True, favor_recall=True
        )
        or ""
    )


# An unrendered template key left on a page, like "client/title.list_title".
_TEMPLATE_KEY = re.compile(r"^[A-Za-z_][\w-]*(?:/[\w-]+)+\.[\w.-]+$|^\{\{.*\}\}$|^\$\{.*\}$")


def _clean(body: str) -> str:
    """Markdown without junk paragraphs, controls or runs of blank lines."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", body):
        block = "\n".join(strip_controls(line).rstrip() for line in block.strip().splitlines())
        if not block or _TEMPLATE_KEY.match(block):
            continue
        paragraphs.append(block)
    return "\n\n".join(paragraphs)


def _metadata(html: str, doc: Any) -> dict[str, Any]:
    title = clean_line(getattr(doc, "title", None) or _og(html, "og:title") or "", TITLE_MAX)
    author = getattr(doc, "author", None)
    byline = clean_line(author.replace(";", ",") if author else "", BYLINE_MAX) or None
    tags = [clean_line(t, TAG_MAX) for t in _split_tags(getattr(doc, "tags", None))]
    return {
        "title": title,
        "byline": byline,
        "published": _published(html),
        "tags": [t for t in dict.fromkeys(tags) if t][:TAGS_MAX],
        "lang": _lang(html),
    }


def _split_tags(raw: Any) -> list[str]:
    if not raw:
        return []
    if isinstance(raw, str):
        return [t.strip() for t in raw.split(",")]
    return [str(t).strip() for t in raw]


def _og(html: str, name: str) -> str | None:
    match = re.search(
        rf"""<meta[^>]+(?:property|name)=["']{re.escape(name)}["'][^>]+content=["']([^"']*)""",
        html[:65536],
        re.IGNORECASE,
    )
    return match.group(1) if match else None


_HTML_LANG = re.compile(r"""<html[^>]*\slang=["']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?""", re.I)


def _lang(html: str) -> str | None:
    match = _HTML_LANG.search(html[:4096])
    return match.group(1).lower() if match else None


def _published(html: str) -> datetime | None:
    import htmldate

    try:
        found = htmldate.find_date(
            html, outputformat="%Y-%m-%dT%H:%M:%S%z", original_date=True, extensive_search=False
        )
    except Exception:  # htmldate is a heuristic; no date is an answer
        return None
    if not found:
        return None
    try:
        when = datetime.strptime(found, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return when.astimezone(UTC)
