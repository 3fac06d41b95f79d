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

from ticker import boilerplate
from ticker.errors import TickerError
from ticker.model import Article
from ticker.sanitize import clean_line, strip_controls

MAX_HTML = 8 * 1024 * 1024  # characters of HTML worth extracting from; the rest is cut
TITLE_MAX = 400
BYLINE_MAX = 200
TAG_MAX = 80
TAGS_MAX = 30
MIN_WORDS = 20  # less is a menu, a caption or an error message, not an article
SHORT_BODY = 150  # words: on a page that says it is no article, this little is a teaser
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
    tree = _parse(html)
    # Read the page's own claims before the clutter goes (and trafilatura prunes the tree).
    facts = _page_facts(tree) if tree is not None else {}
    if tree is not None:
        boilerplate.prune(tree)
    try:
        doc = trafilatura.bare_extraction(
            tree if tree is not None else html,
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
    meta = _metadata(facts, doc)
    body = _clean(body, meta["title"])
    body = _with_standfirst(body, facts.get("standfirst"))
    words = len(_WORD.findall(body))
    if words < MIN_WORDS or (words < SHORT_BODY and facts.get("not_an_article")):
        raise ExtractError("no article found on the page")
    return Article(
        url=url,
        title=meta.get("title") or "",
        body=body,
        byline=meta.get("byline"),
        published=meta.get("published"),
        tags=tuple(meta.get("tags") or ()),
        lang=_lang(html),
    )


def _parse(html: str) -> Any:
    """The page as an lxml tree, or None when lxml cannot make one."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        return lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


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
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s")
_TEMPLATE_KEY = re.compile(r"^[A-Za-z_][\w-]*(?:/[\w-]+)+\.[\w.-]+$|^\{\{.*\}\}$|^\$\{.*\}$")


def _with_standfirst(body: str, standfirst: str | None) -> str:
    if not standfirst or not body:
        return body
    words = _WORD.findall(standfirst.lower())
    if " ".join(words[:12]) in " ".join(_WORD.findall(body.lower())):
        return body  # the body has it already
    return f"{standfirst}\n\n{body}"


def _clean(body: str, title: str) -> str:
    """Markdown without clutter, template junk, controls or runs of blank lines.

    Every line is judged on its own: pages built with <br> (and tables) come out as one block
    of lines, navigation and all. Lines of one list stay together.
    """
    lines = []
    for line in body.splitlines():
        line = strip_controls(line).strip()
        if line and not (len(line) < 200 and _TEMPLATE_KEY.match(line)):
            lines.append(line)
    kept = list(boilerplate.keep(lines, title))
    parts: list[str] = []
    for line in kept:
        same_list = (
            parts and _LIST_ITEM.match(line) and _LIST_ITEM.match(parts[-1].rsplit("\n", 1)[-1])
        )
        if same_list:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return "\n\n".join(parts)


def _page_facts(tree: Any) -> dict[str, Any]:
    """What the page says of itself: meta tags, JSON-LD, a <time>, tag links, the <h1>."""
    facts = _structured(tree)
    facts.setdefault("published", _time_element(tree))
    facts.setdefault("tags", _tag_links(tree))
    facts.setdefault("h1", _first(tree, "//h1"))
    facts.setdefault("author", _visible_byline(tree))
    facts["standfirst"] = _standfirst(tree, facts.get("description"))
    return facts


# A job title after a name: "Rosa Etxeberria, Agriculture Reporter".
_ROLE = re.compile(
    r",\s*(?:[\w-]+\s+){0,3}(?:reporter|writer|correspondent|editor|columnist|contributor"
    r"|journalist|staff|producer|analyst)s?$",
    re.IGNORECASE,
)
_BYLINE_PREFIX = re.compile(r"^(?:by|written by|words by|photographs by|photos by)\s+", re.I)


def _visible_byline(tree: Any) -> str | None:
    """The names in the page's byline element ("By Rosalind Pryce")."""
    for element in tree.xpath(
        '(//body//*[contains(@class, "byline") or @rel="author" or @itemprop="author"])[1]'
    ):
        text = " ".join(element.text_content().split())
        text = _BYLINE_PREFIX.sub("", text)
        text = re.split(r"\s[|\u00b7\u2022]\s|\s{2,}|\d", text, maxsplit=1)[0].strip(" ,")
        if 0 < len(text.split()) <= 8:
            return text
    return None


def _standfirst(tree: Any, description: str | None) -> str | None:
    """The description, when the page also shows it as a paragraph of its own: a standfirst.

    Extractors miss it (it sits above the body's container); a description that is not on the
    page is only for search engines and stays out.
    """
    if not description:
        return None
    wanted = _WORD.findall(description.lower())
    if len(wanted) < 8:
        return None
    for element in tree.xpath("//body//p | //body//h2 | //body//div[not(.//p) and not(.//div)]"):
        if _WORD.findall(element.text_content().lower()) == wanted:
            return clean_line(element.text_content(), 2000, markup=False)
    return None


def _metadata(facts: dict[str, Any], doc: Any) -> dict[str, Any]:
    """Title, byline, publication time and tags: the page's own machine-readable claims first
    (OpenGraph and article: meta tags, JSON-LD), then what trafilatura inferred."""
    title = facts.get("title") or getattr(doc, "title", None) or facts.get("h1")
    author = facts.get("author") or getattr(doc, "author", None)
    byline = clean_line(str(author).replace(";", ","), BYLINE_MAX) if author else None
    if byline:
        byline = _ROLE.sub("", byline)
    tags = facts.get("tags") or _split_tags(getattr(doc, "tags", None))
    cleaned = (clean_line(t, TAG_MAX).lstrip("#") for t in tags)
    return {
        "title": clean_line(title or "", TITLE_MAX),
        "byline": byline or None,
        "published": facts.get("published"),
        "tags": [t for t in dict.fromkeys(cleaned) if t][:TAGS_MAX],
    }


def _structured(tree: Any) -> dict[str, Any]:
    """What meta tags and JSON-LD say about the article."""
    import json

    facts: dict[str, Any] = {}
    meta: dict[str, str] = {}
    article_tags = []
    for element in tree.iterfind(".//meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        content = element.get("content")
        if not content:
            continue
        key = key.lower()
        if key == "article:tag":
            article_tags.append(content)
        meta.setdefault(key, content)
    typed_article = False
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for node in _ld_nodes(data):
            if not str(node.get("@type", "")).endswith(("Article", "BlogPosting", "Report")):
                continue
            typed_article = True
            facts.setdefault("title", node.get("headline"))
            facts.setdefault("published", _when(node.get("datePublished")))
            facts.setdefault("author", _ld_names(node.get("author")))
            facts.setdefault("ld_description", node.get("description"))
            keywords = node.get("keywords")
            if keywords and "ld_tags" not in facts:
                facts["ld_tags"] = _split_tags(keywords)
    facts["title"] = facts.get("title") or meta.get("og:title")
    facts["description"] = (
        facts.get("ld_description") or meta.get("og:description") or meta.get("description")
    )
    facts["published"] = (
        _when(meta.get("article:published_time"))
        or _when(meta.get("datepublished"))
        or facts.get("published")
    )
    facts["author"] = facts.get("author") or meta.get("author")
    facts["tags"] = _split_tags(article_tags) or facts.pop("ld_tags", None)
    og_type = meta.get("og:type", "article").lower()
    # A section front or home page says so: og:type "website" and no Article in its JSON-LD.
    facts["not_an_article"] = not typed_article and og_type not in {"article", "news", "blog"}
    return {k: v for k, v in facts.items() if v}


def _ld_nodes(data: Any) -> Iterable[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_nodes(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _ld_nodes(data["@graph"])


def _ld_names(author: Any) -> str | None:
    if isinstance(author, str):
        return author
    if isinstance(author, dict):
        return str(author.get("name") or "") or None
    if isinstance(author, list):
        names = [n for n in (_ld_names(a) for a in author) if n]
        return ", ".join(names) or None
    return None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None  # a local time in an unknown zone is no time at all
    return when.astimezone(UTC)


def _time_element(tree: Any) -> datetime | None:
    for element in tree.xpath("(//article//time[@datetime] | //time[@datetime])[1]"):
        return _when(element.get("datetime"))
    return None


def _tag_links(tree: Any) -> list[str]:
    """A visible tags list: rel=tag links, or the links of a block whose class says tags."""
    links = tree.xpath('//a[contains(concat(" ", normalize-space(@rel), " "), " tag ")]')
    if not links:
        links = tree.xpath(
            '(//*[contains(@class, "tags") or contains(@class, "tag-list")'
            ' or contains(@class, "topics")])[1]//a'
        )
    return [link.text_content().strip() for link in links if link.text_content().strip()]


def _first(tree: Any, path: str) -> str | None:
    for element in tree.xpath(path):
        text = element.text_content().strip()
        if text:
            return str(text)
    return None


def _split_tags(raw: Any) -> list[str]:
    if not raw:
        return []
    items = [raw] if isinstance(raw, str) else [str(t) for t in raw]
    return [part.strip() for item in items for part in re.split(r"[,\u060c\u3001]", item)]


_HTML_LANG = re.compile(r"""<html[^>]*\slang=["']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?""", re.I)


def _lang(html: str) -> str | None:
    match = _HTML_LANG.search(html[:4096])
    return match.group(1).lower() if match else None
