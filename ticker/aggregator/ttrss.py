"""An async client of Tiny Tiny RSS's JSON API (`POST {url}/api/`), tested against the real one.

A sync costs a few requests whatever the number of feeds: headlines of every feed come from the
virtual feed -4 ("all articles"), 200 a page, newer than the last id seen (`since_id`).

Every string in what this returns is the server's, raw: titles, links, GUIDs, authors, tags,
notes, feed URLs and HTML content may hold markup, escapes, bidi controls or megabytes. The
caller sanitizes on ingest (ticker.sanitize); nothing here is fit for a terminal as it is.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

import httpx

from ticker.aggregator.exchange import MAX_ANSWER, ApiClient, one_line, read_capped, why
from ticker.aggregator.exchange import text as _text
from ticker.errors import TickerError

T = TypeVar("T")

PAGE_SIZE: Final = 200  # the most tt-rss gives in one getHeadlines (it caps `limit` there)

# Virtual feeds and categories (tt-rss's own numbers).
ALL_ARTICLES: Final = -4  # feed: every article of every feed
STARRED: Final = -1  # feed
FRESH: Final = -3  # feed
ALL_FEEDS: Final = -3  # getFeeds cat_id: every real feed, no virtual ones
ALL_FEEDS_AND_VIRTUAL: Final = -4  # getFeeds cat_id: labels and virtual feeds too
UNCATEGORIZED: Final = 0  # category

ViewMode = Literal["all_articles", "unread", "adaptive", "marked", "updated", "published"]
# None: tt-rss's default, newest entered first ("score DESC, date_entered DESC, updated DESC").
OrderBy = Literal["feed_dates", "date_reverse", "title"] | None
CatchupMode = Literal["all", "1day", "1week", "2week"]


class TtrssError(TickerError):
    """tt-rss refused a request, or could not be reached, or answered something unreadable.

    `code` is tt-rss's error (LOGIN_ERROR, API_DISABLED, NOT_LOGGED_IN, INCORRECT_USAGE,
    UNKNOWN_METHOD, FEED_NOT_FOUND...), or "HTTP", "NETWORK" or "BAD_ANSWER" from here.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


_EXPLAINED = {
    "LOGIN_ERROR": "tt-rss refused the login: wrong user name or password",
    "API_DISABLED": "tt-rss's API is disabled for this user"
    " (Preferences > General > Enable API access)",
    "NOT_LOGGED_IN": "tt-rss says the session is not logged in",
    "INCORRECT_USAGE": "tt-rss says the request was incomplete or wrong",
    "UNKNOWN_METHOD": "tt-rss does not know this API call (an older server?)",
    "FEED_NOT_FOUND": "tt-rss has no such feed for this user",
}

# subscribeToFeed's result codes.
SUBSCRIBE_EXISTS: Final = 0
SUBSCRIBE_ADDED: Final = 1
_SUBSCRIBE_FAILED = {
    2: "tt-rss says the address is not valid (tt-rss takes http(s) on ports 80 and 443 only)",
    3: "tt-rss found no feed at the address",
    4: "the page at the address offers several feeds: subscribe to one of them",
    5: "tt-rss could not download the address",
}


@dataclass(frozen=True, slots=True)
class Category:
    """A category. `title` is raw. Virtual ones have ids -2 (labels), -1 (special), 0."""

    id: int
    title: str
    unread: int
    order_id: int


@dataclass(frozen=True, slots=True)
class Feed:
    """A subscribed feed. `title` and `feed_url` are raw; `cat_id` 0 is uncategorized."""

    id: int
    title: str
    feed_url: str
    cat_id: int
    unread: int
    last_updated: int  # unix time of tt-rss's last update of it, 0 if never
    order_id: int
    has_icon: bool


@dataclass(frozen=True, slots=True)
class Attachment:
    """An enclosure. `url`, `content_type` and `title` are raw."""

    url: str
    content_type: str
    title: str


@dataclass(frozen=True, slots=True)
class Headline:
    """An article as getHeadlines gives it.

    Raw strings: guid, title, link, feed_title, author, tags, note, lang, excerpt, content.
    `content` (HTML, sanitized by tt-rss's own rules, not ours) is None unless asked for.
    """

    id: int
    feed_id: int
    guid: str
    title: str
    link: str
    feed_title: str
    author: str
    updated: int  # unix time: the feed's date of the item, else when tt-rss first saw it
    unread: bool
    marked: bool  # starred
    published: bool
    is_updated: bool
    score: int
    tags: tuple[str, ...]
    note: str | None
    lang: str | None
    excerpt: str | None
    content: str | None
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True, slots=True)
class Subscription:
    """subscribeToFeed's result: the feed id, and whether it was new."""

    feed_id: int
    added: bool


class TtrssClient(ApiClient):
    """A logged-in session with one tt-rss; use as `async with TtrssClient(...) as tt`.

    Logs in on the first call, and once more when tt-rss forgets the session (NOT_LOGGED_IN).
    `requests` counts the HTTP requests made, for the benchmarks.
    """

    server = "tt-rss"
    api_path = "/api/"

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(url, user, password, client=client, timeout=timeout)
        self.sid: str | None = None
        self.api_level: int | None = None

    # -- session --

    async def login(self) -> str:
        """Log in; the session id. TtrssError LOGIN_ERROR or API_DISABLED when refused."""
        content = await self._post({"op": "login", "user": self.user, "password": self._password})
        sid = _field(content, "session_id", str)
        level = content.get("api_level") if isinstance(content, dict) else None
        self.sid = sid
        self.api_level = level if isinstance(level, int) else None
        return sid

    async def logout(self) -> None:
        """End the session on the server."""
        if self.sid is not None:
            await self._post({"op": "logout", "sid": self.sid})
            self.sid = None

    async def is_logged_in(self) -> bool:
        """Whether the server still knows this session (no login attempted)."""
        content = await self._post({"op": "isLoggedIn", "sid": self.sid or ""})
        return _field(content, "status", bool)

    async def get_api_level(self) -> int:
        """The server's API level (15 for Debian 12's tt-rss of 2021)."""
        level = _field(await self.call("getApiLevel"), "level", int)
        self.api_level = level
        return level

    # -- reading --

    async def categories(
        self, *, unread_only: bool = False, include_empty: bool = True
    ) -> list[Category]:
        """The user's categories, then the virtual ones (-2 labels, -1 special, 0 none)."""
        content = await self.call(
            "getCategories", unread_only=unread_only, include_empty=include_empty
        )
        return [_category(row) for row in _rows(content)]

    async def feeds(
        self,
        cat_id: int = ALL_FEEDS,
        *,
        unread_only: bool = False,
        limit: int = 0,
        offset: int = 0,
    ) -> list[Feed]:
        """The user's feeds (all real ones by default: one request, however many)."""
        content = await self.call(
            "getFeeds", cat_id=cat_id, unread_only=unread_only, limit=limit, offset=offset
        )
        # Virtual feeds and labels (cat_id -4) have no feed_url: not feeds to sync.
        return [_feed(row) for row in _rows(content) if "feed_url" in row]

    async def headlines(
        self,
        feed_id: int = ALL_ARTICLES,
        *,
        limit: int = PAGE_SIZE,
        skip: int = 0,
        since_id: int = 0,
        view_mode: ViewMode = "all_articles",
        order_by: OrderBy = None,
        is_cat: bool = False,
        show_content: bool = False,
        show_excerpt: bool = False,
        include_attachments: bool = False,
    ) -> list[Headline]:
        """One page of headlines (at most 200, tt-rss's cap)."""
        params: dict[str, object] = {
            "feed_id": feed_id,
            "limit": min(limit, PAGE_SIZE),
            "skip": skip,
            "since_id": since_id,
            "view_mode": view_mode,
            "is_cat": is_cat,
            "show_content": show_content,
            "show_excerpt": show_excerpt,
            "include_attachments": include_attachments,
        }
        if order_by is not None:
            params["order_by"] = order_by
        rows = _rows(await self.call("getHeadlines", **params))
        return [_headline(row, show_content) for row in rows]

    async def headline_pages(
        self,
        *,
        since_id: int = 0,
        feed_id: int = ALL_ARTICLES,
        page_size: int = PAGE_SIZE,
        view_mode: ViewMode = "all_articles",
        show_content: bool = False,
        include_attachments: bool = False,
    ) -> AsyncIterator[list[Headline]]:
        """Every headline newer than `since_id`, page by page (`skip`), each id once.

        Pages are newest first; one that arrives during the walk pushes the rest down a
        place, so an id may come twice: it is given once. The walk ends on a short page.
        """
        seen: set[int] = set()
        skip = 0
        while True:
            page = await self.headlines(
                feed_id,
                limit=page_size,
                skip=skip,
                since_id=since_id,
                view_mode=view_mode,
                show_content=show_content,
                include_attachments=include_attachments,
            )
            fresh = [headline for headline in page if headline.id not in seen]
            seen.update(headline.id for headline in fresh)
            if fresh:
                yield fresh
            if len(page) < min(page_size, PAGE_SIZE):
                return
            skip += len(page)

    async def all_headlines(self, *, since_id: int = 0, **options: Any) -> list[Headline]:
        """Every page of headline_pages() in one list."""
        found: list[Headline] = []
        async for page in self.headline_pages(since_id=since_id, **options):
            found.extend(page)
        return found

    async def articles(self, ids: Iterable[int]) -> list[Headline]:
        """Whole articles (content included) by id; ids the user cannot see are left out.
        getArticle's rows are getHeadlines' with `comments` for `score` and `is_updated`."""
        joined = _ids(ids)
        if not joined:
            return []
        rows = _rows(await self.call("getArticle", article_id=joined))
        return [_headline(row, with_content=True) for row in rows]

    # -- changing --

    async def update_articles(
        self, ids: Iterable[int], *, field: Literal[0, 1, 2], mode: Literal[0, 1, 2]
    ) -> int:
        """tt-rss's updateArticle: field 0 starred, 1 published, 2 unread; mode 0 off, 1 on,
        2 toggle. The number of articles changed."""
        joined = _ids(ids)
        if not joined:
            return 0
        content = await self.call("updateArticle", article_ids=joined, field=field, mode=mode)
        return _field(content, "updated", int)

    async def mark_read(self, ids: Iterable[int]) -> int:
        """Mark read; the number changed."""
        return await self.update_articles(ids, field=2, mode=0)

    async def mark_unread(self, ids: Iterable[int]) -> int:
        """Mark unread; the number changed."""
        return await self.update_articles(ids, field=2, mode=1)

    async def star(self, ids: Iterable[int]) -> int:
        """Star; the number changed."""
        return await self.update_articles(ids, field=0, mode=1)

    async def unstar(self, ids: Iterable[int]) -> int:
        """Unstar; the number changed."""
        return await self.update_articles(ids, field=0, mode=0)

    async def catchup_feed(
        self, feed_id: int, *, is_cat: bool = False, mode: CatchupMode = "all"
    ) -> None:
        """Mark a whole feed (or category) read."""
        await self.call("catchupFeed", feed_id=feed_id, is_cat=is_cat, mode=mode)

    async def subscribe(self, feed_url: str, *, category_id: int = 0) -> Subscription:
        """Subscribe (tt-rss fetches the address first); TtrssError says why when it cannot."""
        content = await self.call("subscribeToFeed", feed_url=feed_url, category_id=category_id)
        status = _field(content, "status", dict)
        code = status.get("code")
        if code in (SUBSCRIBE_EXISTS, SUBSCRIBE_ADDED):
            return Subscription(_field(status, "feed_id", int), added=code == SUBSCRIBE_ADDED)
        known = _SUBSCRIBE_FAILED.get(code) if isinstance(code, int) else None
        reason = known or f"tt-rss could not subscribe (code {one_line(repr(code), 40)})"
        said = status.get("message")
        if code == 5 and isinstance(said, str) and said:
            reason += f": {one_line(said)}"
        raise TtrssError(reason, f"SUBSCRIBE_{code}")

    async def unsubscribe(self, feed_id: int) -> None:
        """Unsubscribe; TtrssError FEED_NOT_FOUND when the user has no such feed."""
        await self.call("unsubscribeFeed", feed_id=feed_id)

    # -- the exchange --

    async def call(self, op: str, **params: object) -> Any:
        """One API call in the session (logging in first, and again once if it expired)."""
        if self.sid is None:
            await self.login()
        try:
            return await self._post({"op": op, "sid": self.sid, **params})
        except TtrssError as error:
            if error.code != "NOT_LOGGED_IN":
                raise
        await self.login()
        return await self._post({"op": op, "sid": self.sid, **params})

    async def _post(self, body: Mapping[str, object]) -> Any:
        """POST one JSON request; the answer's `content`, or TtrssError."""
        client = self._http()
        self.requests += 1
        op = str(body.get("op"))

        def too_big() -> TtrssError:
            message = f"tt-rss's answer to {op} is over {MAX_ANSWER >> 20} MB"
            return TtrssError(message, "BAD_ANSWER")

        try:
            async with client.stream("POST", self.api_url, json=dict(body)) as response:
                if response.status_code >= 400:
                    raise TtrssError(
                        f"tt-rss answered {op} with HTTP {response.status_code}", "HTTP"
                    )
                data = await read_capped(response, too_big)
        except httpx.HTTPError as error:
            raise TtrssError(
                f"cannot reach tt-rss at {self.api_url}: {why(error)}", "NETWORK"
            ) from None
        try:
            answer = json.loads(data)
        except (ValueError, RecursionError):
            raise TtrssError(
                f"tt-rss's answer to {op} is not JSON (is {self.api_url} a tt-rss?)",
                "BAD_ANSWER",
            ) from None
        if not isinstance(answer, dict) or "content" not in answer:
            raise TtrssError(f"tt-rss's answer to {op} is not its API's", "BAD_ANSWER")
        content = answer["content"]
        if answer.get("status") != 0:
            said = content.get("error") if isinstance(content, dict) else None
            code = said if isinstance(said, str) and said.isupper() else "ERROR"
            explained = _EXPLAINED.get(code) or f"tt-rss refused {op}: {one_line(str(said))}"
            raise TtrssError(explained, code)
        return content


def _ids(ids: Iterable[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def _rows(content: object) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        raise TtrssError("tt-rss's answer is not the list it should be", "BAD_ANSWER")
    return [row for row in content if isinstance(row, dict)]


def _field(row: object, key: str, kind: type[T]) -> T:
    """A field that must be there with its type (ints may come as digit strings)."""
    value = row.get(key) if isinstance(row, dict) else None
    if kind is int and isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if kind is int and isinstance(value, bool):
        value = None
    if not isinstance(value, kind):
        raise TtrssError(f"tt-rss's answer has no usable {key!r}", "BAD_ANSWER")
    return value


def _int(row: Mapping[str, Any], key: str) -> int:
    """An optional number: 0 when absent or not one."""
    value = row.get(key)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return 0


def _maybe_text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    return value if isinstance(value, str) else None


def _flag(row: Mapping[str, Any], key: str) -> bool:
    value = row.get(key)
    return value is True or value in (1, "1", "t", "true")


def _attachments(row: Mapping[str, Any]) -> tuple[Attachment, ...]:
    found = row.get("attachments")
    if not isinstance(found, list):
        return ()
    return tuple(
        Attachment(_text(a, "content_url"), _text(a, "content_type"), _text(a, "title"))
        for a in found
        if isinstance(a, dict) and _text(a, "content_url")
    )


def _category(row: Mapping[str, Any]) -> Category:
    return Category(
        _field(row, "id", int), _text(row, "title"), _int(row, "unread"), _int(row, "order_id")
    )


def _feed(row: Mapping[str, Any]) -> Feed:
    return Feed(
        id=_field(row, "id", int),
        title=_text(row, "title"),
        feed_url=_text(row, "feed_url"),
        cat_id=_int(row, "cat_id"),
        unread=_int(row, "unread"),
        last_updated=_int(row, "last_updated"),
        order_id=_int(row, "order_id"),
        has_icon=_flag(row, "has_icon"),
    )


def _headline(row: Mapping[str, Any], with_content: bool) -> Headline:
    tags = row.get("tags")
    return Headline(
        id=_field(row, "id", int),
        feed_id=_int(row, "feed_id"),
        guid=_text(row, "guid"),
        title=_text(row, "title"),
        link=_text(row, "link"),
        feed_title=_text(row, "feed_title"),
        author=_text(row, "author"),
        updated=_int(row, "updated"),
        unread=_flag(row, "unread"),
        marked=_flag(row, "marked"),
        published=_flag(row, "published"),
        is_updated=_flag(row, "is_updated"),
        score=_int(row, "score"),
        # tt-rss splits an empty tag cache into [""].
        tags=tuple(t for t in tags if isinstance(t, str) and t) if isinstance(tags, list) else (),
        note=_maybe_text(row, "note"),
        lang=_maybe_text(row, "lang"),
        excerpt=_maybe_text(row, "excerpt"),
        # tt-rss sends "content" (empty) even when it was not asked for.
        content=_maybe_text(row, "content") if with_content else None,
        attachments=_attachments(row),
    )
