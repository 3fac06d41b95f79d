"""Serialisation of the demo newsroom: RSS 2.0, Atom, JSON Feed, RSS 1.0, OPML and HTML pages.

Every function returns the finished body as bytes (UTF-8) and depends only on its arguments,
so equal content gives equal bytes (and equal ETags).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from ticker.demo import words
from ticker.demo.newsroom import DASH, ArticleBody, LoadItem, Story, slugify

GENERATOR = "ticker demo newsroom"


@dataclass(frozen=True, slots=True)
class DeskFeed:
    """A live feed of one desk, in one format."""

    desk: str
    name: str
    path: str
    kind: str  # rss, atom, json or rdf
    content_type: str
    link_type: str  # the type of its <link rel="alternate"> on the home page

    @property
    def title(self) -> str:
        """The feed's title."""
        return f"{words.SITE_NAME}: {self.desk.capitalize()}"


DESK_FEEDS: tuple[DeskFeed, ...] = (
    DeskFeed(
        "world",
        "Meridian World",
        "/feeds/world.rss",
        "rss",
        "application/rss+xml; charset=utf-8",
        "application/rss+xml",
    ),
    DeskFeed(
        "europe",
        "Meridian Europe",
        "/feeds/europe.atom",
        "atom",
        "application/atom+xml; charset=utf-8",
        "application/atom+xml",
    ),
    DeskFeed(
        "business",
        "Meridian Business",
        "/feeds/business.json",
        "json",
        "application/feed+json; charset=utf-8",
        "application/feed+json",
    ),
    DeskFeed(
        "science",
        "Meridian Science",
        "/feeds/science.rdf",
        "rdf",
        "application/rdf+xml; charset=utf-8",
        "application/rss+xml",
    ),
)

HTML_TYPE = "text/html; charset=utf-8"
OPML_TYPE = "text/x-opml; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
SVG_TYPE = "image/svg+xml; charset=utf-8"

_XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'


@dataclass(frozen=True, slots=True)
class Related:
    """A link in the "Read also" aside of an article page."""

    title: str
    href: str
    published: datetime
    label: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """What an article page shows."""

    title: str
    url: str
    section: str
    summary: str
    tags: tuple[str, ...]
    published: datetime
    updated: datetime
    author: str
    city: str
    labels: tuple[str, ...]
    body: ArticleBody
    related: tuple[Related, ...]


# -- dates -----------------------------------------------------------------------------------


_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc822(dt: datetime) -> str:
    """An RFC 822 date as RSS and HTTP use it: 'Tue, 19 Sep 2023 17:03:00 GMT'."""
    dt = dt.astimezone(UTC)
    return (
        f"{_DAY_ABBR[dt.weekday()]}, {dt.day:02d} {_MONTH_ABBR[dt.month - 1]} {dt.year:04d} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} GMT"
    )


def rfc3339(dt: datetime, zulu: bool = True) -> str:
    """An RFC 3339 date: '2023-09-19T17:03:00Z' (or with '+00:00')."""
    text = dt.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


def long_date(dt: datetime) -> str:
    """The dateline date of an article page: '19 September, 2023 Tuesday'."""
    dt = dt.astimezone(UTC)
    return f"{dt.day} {words.MONTHS[dt.month - 1]}, {dt.year} {words.WEEKDAYS[dt.weekday()]}"


def hhmm(dt: datetime) -> str:
    """The time of day: '17:03'."""
    return dt.astimezone(UTC).strftime("%H:%M")


# -- feeds -----------------------------------------------------------------------------------


def story_url(base: str, story: Story) -> str:
    """The absolute URL of a story's article page."""
    return f"{base}/articles/{story.slug}.html"


def _summary_html(story: Story, url: str) -> str:
    """The summary of a story with a little HTML around it."""
    if story.id % 3 == 0:
        return f"<p>{escape(story.summary)}</p>"
    if story.id % 3 == 1:
        return f'<p>{escape(story.summary)} <a href="{escape(url)}">Read more</a></p>'
    return f"<p><b>{escape(story.slots['city'].upper())}</b>{DASH}{escape(story.summary)}</p>"


def _newest(stories: Sequence[Story], fallback: datetime) -> datetime:
    """The latest change among `stories`, or `fallback` when there are none."""
    return max((s.updated for s in stories), default=fallback)


def rss_feed(feed: DeskFeed, stories: Sequence[Story], base: str, built: datetime) -> bytes:
    """An RSS 2.0 feed of `stories`."""
    out = [
        _XML_DECL,
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n',
        f"<title>{escape(feed.title)}</title>\n<link>{base}/</link>\n",
        f"<description>{escape(words.SITE_TAGLINE)}</description>\n",
        "<language>en-gb</language>\n",
        f"<lastBuildDate>{rfc822(_newest(stories, built))}</lastBuildDate>\n",
        f"<generator>{GENERATOR}</generator>\n",
        f'<atom:link href="{base}{feed.path}" rel="self" type="application/rss+xml"/>\n',
    ]
    for story in stories:
        url = story_url(base, story)
        cats = "".join(f"<category>{escape(c)}</category>" for c in story.categories)
        out.append(
            f"<item>\n<title>{escape(story.title)}</title>\n<link>{url}</link>\n"
            f'<guid isPermaLink="false">{story.guid}</guid>\n'
            f"<pubDate>{rfc822(story.published)}</pubDate>\n"
            f"<dc:creator>{escape(story.author)}</dc:creator>\n{cats}\n"
            f"<description>{escape(_summary_html(story, url))}</description>\n</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode()


def atom_feed(feed: DeskFeed, stories: Sequence[Story], base: str, built: datetime) -> bytes:
    """An Atom 1.0 feed of `stories`, with xml:base and relative links to resolve."""
    out = [
        _XML_DECL,
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/feeds/" xml:lang="en">\n',
        f"<title>{escape(feed.title)}</title>\n",
        f"<subtitle>{escape(words.SITE_TAGLINE)}</subtitle>\n",
        f"<id>tag:meridian.demo,2024:feed/{feed.desk}</id>\n",
        f"<updated>{rfc3339(_newest(stories, built))}</updated>\n",
        f'<link rel="self" type="application/atom+xml" href="{base}{feed.path}"/>\n',
        '<link rel="alternate" type="text/html" href="../"/>\n',
        f"<author><name>{words.SITE_NAME}</name></author>\n",
        f"<generator>{GENERATOR}</generator>\n",
    ]
    for story in stories:
        # Vary the relative forms: document-relative with dot segments, or root-relative.
        href = f"../articles/{story.slug}.html"
        if story.id % 3 == 0:
            href = f"/articles/{story.slug}.html"
        url = story_url(base, story)
        cats = "".join(f'<category term="{escape(c)}"/>' for c in story.categories)
        out.append(
            f'<entry>\n<title type="text">{escape(story.title)}</title>\n'
            f'<link rel="alternate" type="text/html" href="{href}"/>\n'
            f"<id>{story.guid}</id>\n"
            f"<published>{rfc3339(story.published)}</published>\n"
            f"<updated>{rfc3339(story.updated)}</updated>\n"
            f"<author><name>{escape(story.author)}</name></author>\n{cats}\n"
            f'<summary type="html">{escape(_summary_html(story, url))}</summary>\n</entry>\n'
        )
    out.append("</feed>\n")
    return "".join(out).encode()


def json_feed(feed: DeskFeed, stories: Sequence[Story], base: str, built: datetime) -> bytes:
    """A JSON Feed 1.1 of `stories`."""
    items = []
    for story in stories:
        url = story_url(base, story)
        item: dict[str, object] = {
            "id": story.guid,
            "url": url,
            "title": story.title,
            "content_html": _summary_html(story, url),
            "summary": story.summary,
            "date_published": rfc3339(story.published, zulu=False),
            "date_modified": rfc3339(story.updated, zulu=False),
            "authors": [{"name": story.author}],
            "tags": list(story.categories),
        }
        if story.id % 4 == 0:
            item["image"] = f"{base}/static/photo.svg"
        items.append(item)
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": f"{base}/",
        "feed_url": f"{base}{feed.path}",
        "description": words.SITE_TAGLINE,
        "language": "en-GB",
        "authors": [{"name": words.SITE_NAME}],
        "items": items,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def rdf_feed(feed: DeskFeed, stories: Sequence[Story], base: str, built: datetime) -> bytes:
    """An RSS 1.0 (RDF) feed of `stories`, dates in dc:date."""
    urls = [story_url(base, s) for s in stories]
    seq = "".join(f'<rdf:li rdf:resource="{u}"/>\n' for u in urls)
    out = [
        _XML_DECL,
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n',
        f'<channel rdf:about="{base}{feed.path}">\n',
        f"<title>{escape(feed.title)}</title>\n<link>{base}/</link>\n",
        f"<description>{escape(words.SITE_TAGLINE)}</description>\n",
        f"<dc:date>{rfc3339(_newest(stories, built), zulu=False)}</dc:date>\n",
        "<dc:language>en</dc:language>\n",
        f"<items>\n<rdf:Seq>\n{seq}</rdf:Seq>\n</items>\n</channel>\n",
    ]
    for story, url in zip(stories, urls, strict=True):
        subjects = "".join(f"<dc:subject>{escape(c)}</dc:subject>" for c in story.categories)
        out.append(
            f'<item rdf:about="{url}">\n<title>{escape(story.title)}</title>\n'
            f"<link>{url}</link>\n<description>{escape(story.summary)}</description>\n"
            f"<dc:date>{rfc3339(story.updated, zulu=False)}</dc:date>\n"
            f"<dc:creator>{escape(story.author)}</dc:creator>\n{subjects}\n</item>\n"
        )
    out.append("</rdf:RDF>\n")
    return "".join(out).encode()


RENDERERS = {"rss": rss_feed, "atom": atom_feed, "json": json_feed, "rdf": rdf_feed}


def load_feed(
    index: int,
    items: Sequence[LoadItem],
    times: Sequence[datetime],
    base: str,
    seed: int,
    numbers: Sequence[int] | None = None,
) -> bytes:
    """An RSS 2.0 load-test feed; `numbers` are the items' own (default 0, 1, 2...)."""
    out = [
        _XML_DECL,
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n',
        f"<title>Load desk {index}</title>\n<link>{base}/</link>\n",
        f"<description>Static load-test feed {index} of the {words.SITE_NAME} demo"
        "</description>\n<language>en</language>\n",
        f"<lastBuildDate>{rfc822(times[0])}</lastBuildDate>\n" if times else "",
    ]
    numbers = range(len(items)) if numbers is None else numbers
    for j, item, when in zip(numbers, items, times, strict=True):
        out.append(
            f"<item>\n{item.xml}<link>{base}/load/{index}/{j}.html</link>\n"
            f'<guid isPermaLink="false">load-{seed}-{index}-{j}</guid>\n'
            f"<pubDate>{rfc822(when)}</pubDate>\n</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode()


def opml(title: str, feeds: Iterable[tuple[str, str, str]], home: str) -> bytes:
    """An OPML 2.0 subscription list of (name, feed url, type) entries."""
    out = [
        _XML_DECL,
        '<opml version="2.0">\n<head>\n',
        f"<title>{escape(title)}</title>\n</head>\n<body>\n",
    ]
    for name, url, kind in feeds:
        out.append(
            f'<outline type="{kind}" text="{escape(name)}" title="{escape(name)}" '
            f'xmlUrl="{escape(url)}" htmlUrl="{escape(home)}"/>\n'
        )
    out.append("</body>\n</opml>\n")
    return "".join(out).encode()


# -- pages -----------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:Georgia,serif;margin:0 auto;max-width:60rem;color:#222}"
    "nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.8em;padding:0}"
    ".label{font:bold .75em sans-serif;text-transform:uppercase;color:#b00}"
    ".cookie-notice{position:fixed;bottom:0;left:0;right:0;background:#eee;padding:1em}"
    ".share button{margin-right:.4em}.read-also time{color:#777;margin-right:.5em}"
)


def _head(title: str, extra: str = "") -> str:
    """The <head> of every page, feed discovery links included."""
    alternates = "".join(
        f'<link rel="alternate" type="{f.link_type}" title="{escape(f.name)}" href="{f.path}">\n'
        for f in DESK_FEEDS
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{extra}{alternates}"
        f"<style>{_STYLE}</style>\n"
        "<script>window.dataLayer=window.dataLayer||[];"
        "function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script>\n"
        "</head>\n"
    )


def _top(section: str | None = None) -> str:
    """Skip link, section navigation and the site header."""
    links = "".join(
        f'<li><a href="/?section={s.lower()}"'
        f"{' aria-current=page' if s.lower() == section else ''}>{s}</a></li>"
        for s in words.SECTIONS
    )
    return (
        '<a class="skip-link" href="#main">Skip to content</a>\n'
        '<div class="top-bar"><a href="/?edition=intl">International edition</a> | '
        '<a href="/?login">Log in</a> | <a href="/?subscribe">Subscribe</a> | '
        '<a href="/?search">Search</a></div>\n'
        f'<nav class="top-nav" aria-label="Sections"><ul>{links}</ul></nav>\n'
        f'<header class="site-header"><a class="logo" href="/">{words.SITE_NAME}</a>'
        f'<p class="tagline">{escape(words.SITE_TAGLINE)}</p></header>\n'
    )


def _bottom() -> str:
    """Newsletter box, cookie notice and footer."""
    links = " ".join(f'<a href="/?page={slugify(s)}">{s}</a>' for s in words.FOOTER_LINKS)
    sections = " ".join(f'<a href="/?section={s.lower()}">{s}</a>' for s in words.SECTIONS)
    return (
        '<section class="newsletter"><h3>The Morning Wire</h3>'
        "<p>The day's top stories from every desk, in your inbox before breakfast.</p>"
        '<form action="/?newsletter" method="post"><input type="email" name="email" '
        'placeholder="Your email address"> <button type="submit">Sign up</button></form>'
        '<p class="small">You can unsubscribe at any time. See our privacy policy.</p>'
        "</section>\n"
        '<div class="cookie-notice" id="cookie-notice" role="dialog">'
        "<p>We use cookies and similar technologies to keep this site working, to measure "
        "how it is used and to show you relevant content. You can change your choices at "
        "any time in Cookie settings.</p><button>Accept all</button> "
        "<button>Reject non-essential</button> <button>Settings</button></div>\n"
        f'<footer class="site-footer"><nav class="footer-sections">{sections}</nav>\n'
        f'<nav class="footer-links">{links}</nav>\n'
        f"<p>&copy; 2024 {words.SITE_NAME}. All rights reserved. Every place, person and "
        "company on this site is invented.</p></footer>\n"
    )


def _share(where: str) -> str:
    """A row of share buttons."""
    buttons = "".join(
        f'<button class="share__btn" data-network="{slugify(n)}">{n}</button>'
        for n in words.SHARE_NETWORKS
    )
    title = '<span class="share__title">Share</span>'
    return f'<div class="share share--{where}">{title}{buttons}</div>\n'


def _read_also(related: Sequence[Related]) -> str:
    """The "Read also" aside, grouped under date headers."""
    out = ['<aside class="read-also">\n<h2 class="read-also__title">Read also</h2>\n']
    day: tuple[int, int, int] | None = None
    for item in related:
        when = item.published.astimezone(UTC)
        key = (when.year, when.month, when.day)
        if key != day:
            if day is not None:
                out.append("</ul>\n")
            day = key
            out.append(
                f'<div class="read-also__date"><span class="year">{when.year}, '
                f"{words.WEEKDAYS[when.weekday()]}</span> "
                f'<span class="day">{when.day} {words.MONTHS[when.month - 1]}</span></div>\n'
                "<ul>\n"
            )
        label = f'<span class="label">{escape(item.label)}</span> ' if item.label else ""
        out.append(
            f"<li><time>{hhmm(when)}</time> {label}"
            f'<a href="{escape(item.href)}">{escape(item.title)}</a></li>\n'
        )
    if day is not None:
        out.append("</ul>\n")
    out.append("</aside>\n")
    return "".join(out)


def _body(body: ArticleBody) -> str:
    """The article body: paragraphs with a subheading, a list and a quote placed among them."""
    out: list[str] = []
    for i, paragraph in enumerate(body.paragraphs):
        if body.subheading and i == body.subheading_at:
            out.append(f"<h2>{escape(body.subheading)}</h2>\n")
        out.append(f"<p>{escape(paragraph)}</p>\n")
        if body.bullets and i == body.bullets_at:
            items = "".join(f"<li>{escape(b)}</li>" for b in body.bullets)
            out.append(f'<h3>Key points</h3>\n<ul class="key-points">{items}</ul>\n')
        if body.quote and i == body.quote_at:
            out.append(
                f"<blockquote><p>{escape(body.quote)}</p>"
                f"<footer>{escape(body.quote_by)}</footer></blockquote>\n"
            )
    return "".join(out)


def article_page(page: Page) -> bytes:
    """A full article page with the clutter of a real news site around the story."""
    body = page.body
    labels = "".join(f'<span class="label">{escape(label)}</span>' for label in page.labels)
    tags = ", ".join(
        f'<a href="/?tag={slugify(t)}" rel="tag">{escape(t)}</a>' for t in body.keywords
    )
    updated = ""
    if page.updated > page.published:
        updated = f' <span class="updated">Updated {hhmm(page.updated)}</span>'
    extra = (
        f'<meta name="description" content="{escape(page.summary)}">\n'
        f'<meta property="og:title" content="{escape(page.title)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:url" content="{escape(page.url)}">\n'
        f'<meta property="article:published_time" content="{rfc3339(page.published)}">\n'
        f'<link rel="canonical" href="{escape(page.url)}">\n'
    )
    section = page.section.lower()
    html = (
        _head(f"{page.title} | {words.SITE_NAME}", extra)
        + '<body class="page page--article">\n'
        + _top(section)
        + '<ol class="breadcrumbs"><li><a href="/">Home</a></li>'
        f'<li><a href="/?section={section}">{escape(page.section)}</a></li>'
        f"<li>{escape(page.tags[-1] if page.tags else page.section)}</li></ol>\n"
        '<main id="main">\n<article class="article">\n'
        + (f'<div class="article__labels">{labels}</div>\n' if labels else "")
        + f'<h1 class="article__title">{escape(page.title)}</h1>\n'
        f'<div class="article__date"><span class="date">{long_date(page.published)}</span> '
        f'<time datetime="{rfc3339(page.published)}">{hhmm(page.published)}</time>{updated}'
        "</div>\n"
        f'<div class="article__byline">By <a href="/?author={slugify(page.author)}">'
        f"{escape(page.author)}</a>, {escape(page.city)}</div>\n"
        + _share("top")
        + '<figure class="article__image"><img src="/static/photo.svg" '
        f'alt="{escape(body.caption)}" width="800" height="450">'
        f"<figcaption>{escape(body.caption)} "
        f'<span class="credit">Photo: {escape(body.credit)}</span></figcaption></figure>\n'
        f'<p class="article__lead"><strong>{escape(body.lead)}</strong></p>\n'
        '<div class="article__body">\n' + _body(body) + "</div>\n"
        '<div class="article__more"><span class="widget-title">client/title.list_title</span>'
        "</div>\n"
        f'<div class="article__tags"><span>Tags:</span> {tags}</div>\n'
        + _share("bottom")
        + '<div class="comments"><a href="#comments">Comments (0)</a></div>\n'
        "</article>\n" + _read_also(page.related) + "</main>\n" + _bottom() + "</body>\n</html>\n"
    )
    return html.encode()


def home_page(base: str, latest: Sequence[Story], load_feeds: int) -> bytes:
    """The home page: the feeds (with discovery links) and the latest headlines."""
    feeds = "".join(
        f'<li><a href="{f.path}">{escape(f.name)}</a> <small>({f.kind.upper()})</small></li>\n'
        for f in DESK_FEEDS
    )
    stories = "".join(
        f'<li><time>{hhmm(s.published)}</time> <a href="/articles/{s.slug}.html">'
        f"{escape(s.title)}</a></li>\n"
        for s in latest
    )
    load = ""
    if load_feeds:
        load = (
            f'<p>{load_feeds} static load-test feeds: <a href="/load.opml">load.opml</a>, '
            '<a href="/load/0.rss">/load/0.rss</a> and so on.</p>\n'
        )
    html = (
        _head(f"{words.SITE_NAME}: the demo newsroom of ticker")
        + '<body class="page page--home">\n'
        + _top()
        + '<main id="main">\n<section class="feeds"><h2>Feeds</h2>\n<ul>\n'
        + feeds
        + '</ul>\n<p>All of them as OPML: <a href="/demo.opml">demo.opml</a></p>\n'
        + load
        + '</section>\n<section class="latest"><h2>Latest</h2>\n<ul>\n'
        + stories
        + "</ul>\n</section>\n</main>\n"
        + _bottom()
        + "</body>\n</html>\n"
    )
    return html.encode()


def not_found_page() -> bytes:
    """The page of a 404."""
    return (
        _head(f"Page not found | {words.SITE_NAME}")
        + '<body class="page page--404">\n'
        + _top()
        + '<main id="main"><h1>Page not found</h1><p>The page you asked for does not exist '
        'or has been moved. <a href="/">Back to the home page</a>.</p></main>\n'
        + "</body>\n</html>\n"
    ).encode()


PHOTO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450" viewBox="0 0 800 450">'
    b'<rect width="800" height="450" fill="#8a9bb0"/><circle cx="620" cy="120" r="60" '
    b'fill="#f3d27a"/><path d="M0 350 L220 180 L400 330 L560 220 L800 380 V450 H0 Z" '
    b'fill="#3e5641"/></svg>\n'
)
