"""Miniflux through its REST API (`{url}/v1/`), tested against the real one.

A sync costs a few requests whatever the number of feeds: the feed list (categories come
inside it), then entries of every feed above the last id seen, 200 a page, newest first, each
page bounded by the previous one's oldest id (keyset paging: no OFFSET to re-count, and no
entry skipped when new ones arrive mid-sync).

Authentication: HTTP Basic with the configured user and password; when Miniflux refuses that
(401), the password is tried once as an API key (`X-Auth-Token`), and whichever worked is kept.

Every string in what this returns is the server's, raw: titles, links, feed URLs, tags and HTML
content may hold markup, escapes, bidi controls or megabytes. The caller sanitizes on ingest.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from ticker.aggregator.backend import Mark, RemoteFeed, RemoteItem
from ticker.aggregator.exchange import MAX_ANSWER, ApiClient, one_line, read_capped, why
from ticker.aggregator.exchange import text as _text
from ticker.aggregator.settings import AggregatorSettings
from ticker.errors import TickerError

PAGE_SIZE: Final = 200  # entries a request brings (Miniflux allows up to 1,000)
STATE_PAGE: Final = 1000  # Miniflux's most per request: for reading back star states
_LIVE = (("status", "unread"), ("status", "read"))  # not "removed": gone from the user's view
_EPOCH = datetime.fromtimestamp(0, UTC)


class MinifluxError(TickerError):
    """Miniflux refused a request, or could not be reached, or answered something unreadable.

    `code` is "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "REFUSED" (a 400), "HTTP" (another
    status), "NETWORK" or "BAD_ANSWER"; `status` the HTTP status; `said` Miniflux's own
    reason (its `error_message`, one clean line), if it gave one.
    """

    def __init__(self, message: str, code: str, status: int = 0, said: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.said = said


@dataclass(frozen=True, slots=True)
class Feed:
    """A subscribed feed. `title`, `feed_url` and `category` are raw."""

    id: int
    title: str
    feed_url: str
    category_id: int
    category: str


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry as GET /v1/entries gives it. Raw strings: title, url, author, content, tags."""

    id: int
    feed_id: int
    status: str  # "unread", "read" or "removed"
    starred: bool
    title: str
    url: str
    author: str
    published: datetime
    content: str
    tags: tuple[str, ...]


class MinifluxClient(ApiClient):
    """One user's session with one Miniflux; `requests` counts the HTTP requests made."""

    server = "Miniflux"
    api_path = "/v1/"

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
        self._auth: str | None = None  # "basic" or "token", once one worked
        # PUT /v1/entries takes "starred" since Miniflux 2.3.3; older ones only toggle.
        self.bulk_starred: bool | None = None

    # -- reading --

    async def feeds(self) -> list[Feed]:
        """The user's feeds, each with its category."""
        return [_feed(row) for row in _rows(await self.call("GET", "feeds"))]

    async def category_ids(self) -> list[int]:
        """The user's categories' ids, in Miniflux's order (every user has one at least)."""
        return [_int(row, "id") for row in _rows(await self.call("GET", "categories"))]

    async def entries(
        self,
        *,
        after_id: int = 0,
        before_id: int = 0,
        offset: int = 0,
        limit: int = PAGE_SIZE,
        starred: bool | None = None,
    ) -> list[Entry]:
        """One page of entries (not removed ones), highest id first, between the ids given."""
        params: list[tuple[str, str | int]] = [
            ("order", "id"),
            ("direction", "desc"),
            ("limit", limit),
            *_LIVE,
        ]
        if offset:
            params.append(("offset", offset))
        if after_id > 0:
            params.append(("after_entry_id", after_id))
        if before_id > 0:
            params.append(("before_entry_id", before_id))
        if starred is not None:
            params.append(("starred", "true" if starred else "false"))
        answer = await self.call("GET", "entries", params=params)
        if not isinstance(answer, dict):
            raise MinifluxError("Miniflux's entries answer is not its API's", "BAD_ANSWER")
        return [_entry(row) for row in _rows(answer.get("entries"))]

    async def entry_pages(
        self, *, after_id: int = 0, before_id: int = 0, starred: bool | None = None
    ) -> AsyncIterator[list[Entry]]:
        """Every entry above `after_id` (below `before_id`), a page at a time, newest first."""
        limit = PAGE_SIZE if starred is None else STATE_PAGE
        while True:
            page = await self.entries(
                after_id=after_id, before_id=before_id, limit=limit, starred=starred
            )
            if page:
                yield page
            if len(page) < limit:
                return
            before_id = min(entry.id for entry in page)

    # -- writing --

    async def set_status(self, ids: Sequence[int], status: str) -> None:
        """Mark entries "read" or "unread" in one request."""
        if ids:
            await self.call("PUT", "entries", body={"entry_ids": list(ids), "status": status})

    async def set_starred(self, ids: Sequence[int], starred: bool) -> None:
        """Star or unstar entries: in one request where Miniflux can (2.3.3 on), else by
        toggling only those whose state differs (their states read first, a request or two)."""
        if not ids:
            return
        if self.bulk_starred is not False:
            try:
                await self.call("PUT", "entries", body={"entry_ids": list(ids), "starred": starred})
            except MinifluxError as error:
                if error.code != "REFUSED" or self.bulk_starred:
                    raise
                self.bulk_starred = False  # an older Miniflux: it wants a status there
            else:
                self.bulk_starred = True
                return
        wanted = set(ids)
        differ: list[int] = []
        async for page in self.entry_pages(
            after_id=min(wanted) - 1, before_id=max(wanted) + 1, starred=not starred
        ):
            differ += [entry.id for entry in page if entry.id in wanted]
        for entry_id in differ:  # Miniflux's bookmark call toggles: once each, never twice
            await self.call("PUT", f"entries/{entry_id}/bookmark")

    async def subscribe(self, feed_url: str, *, category_id: int | None = None) -> int:
        """Subscribe (Miniflux fetches the address first); the feed's id, also when it was
        there already. MinifluxError says why when Miniflux cannot."""
        if category_id is None:
            categories = await self.category_ids()
            if not categories:
                raise MinifluxError("Miniflux lists no category to subscribe in", "BAD_ANSWER")
            category_id = categories[0]
        body = {"feed_url": feed_url, "category_id": category_id}
        try:
            answer = await self.call("POST", "feeds", body=body)
        except MinifluxError as refused:
            if refused.code == "REFUSED":
                # "This feed already exists" comes in the user's language: look instead.
                known = [feed.id for feed in await self.feeds() if feed.feed_url == feed_url]
                if known:
                    return known[0]
            # Miniflux answers a feed it could not fetch or read with HTTP 500 and the reason.
            if refused.code not in ("REFUSED", "HTTP") or not refused.said:
                raise
            raise MinifluxError(
                f"Miniflux could not subscribe: {refused.said}",
                refused.code,
                refused.status,
                refused.said,
            ) from None
        return _field(answer, "feed_id")

    async def unsubscribe(self, feed_id: int) -> None:
        """Unsubscribe; MinifluxError NOT_FOUND when the user has no such feed."""
        await self.call("DELETE", f"feeds/{int(feed_id)}")

    # -- the exchange --

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str | int]] = (),
        body: Mapping[str, object] | None = None,
    ) -> Any:
        """One API request, authenticated; its JSON (None for an empty answer)."""
        if self._auth is not None:
            return await self._send(method, path, params, body, self._auth)
        try:
            answer = await self._send(method, path, params, body, "basic")
        except MinifluxError as error:
            if error.code != "UNAUTHORIZED":
                raise
            try:
                answer = await self._send(method, path, params, body, "token")
            except MinifluxError as again:
                if again.code == "UNAUTHORIZED":
                    raise error from None
                raise
            self._auth = "token"
            return answer
        self._auth = "basic"
        return answer

    async def _send(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str | int]],
        body: Mapping[str, object] | None,
        auth: str,
    ) -> Any:
        client = self._http()
        what = f"{method} /v1/{path.split('?')[0]}"
        extra: dict[str, Any] = {"headers": {"X-Auth-Token": self._password}}
        if auth == "basic":
            extra = {"auth": httpx.BasicAuth(self.user, self._password)}
        self.requests += 1

        def too_big() -> MinifluxError:
            message = f"Miniflux's answer to {what} is over {MAX_ANSWER >> 20} MB"
            return MinifluxError(message, "BAD_ANSWER")

        try:
            async with client.stream(
                method,
                self.api_url + path,
                params=list(params),
                json=dict(body) if body is not None else None,
                **extra,
            ) as response:
                data = await read_capped(response, too_big)
        except httpx.HTTPError as error:
            raise MinifluxError(
                f"cannot reach Miniflux at {self.api_url}: {why(error)}", "NETWORK"
            ) from None
        if response.status_code >= 400:
            raise _refusal(what, response.status_code, data)
        if not data.strip():
            return None
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise MinifluxError(
                f"Miniflux's answer to {what} is not JSON (is {self.api_url} a Miniflux?)",
                "BAD_ANSWER",
            ) from None


class MinifluxBackend:
    """Miniflux through its REST API (version 2.0.21 and later; stars in one request on 2.3.3)."""

    kind = "miniflux"

    def __init__(self, settings: AggregatorSettings, password: str, *, timeout: float) -> None:
        self._client = MinifluxClient(settings.url, settings.user, password, timeout=timeout)

    @property
    def requests(self) -> int:
        return self._client.requests

    async def feeds(self) -> list[RemoteFeed]:
        return [
            RemoteFeed(f.id, f.title, f.feed_url, f.category) for f in await self._client.feeds()
        ]

    async def items_since(
        self, since_id: int, *, pages: int | None = None
    ) -> AsyncIterator[list[RemoteItem]]:
        taken = 0
        async for page in self._client.entry_pages(after_id=since_id):
            yield [_item(entry) for entry in page]
            taken += 1
            if pages is not None and taken >= pages:
                return

    async def page(self, skip: int) -> list[RemoteItem]:
        return [_item(entry) for entry in await self._client.entries(offset=skip)]

    async def set_marks(self, which: Mark, value: bool, ids: Iterable[int]) -> None:
        ids = list(ids)
        if which == "read":
            await self._client.set_status(ids, "read" if value else "unread")
        else:
            await self._client.set_starred(ids, value)

    async def content(self, item_id: int) -> str | None:
        found = await self._client.entries(after_id=item_id - 1, before_id=item_id + 1, limit=1)
        return found[0].content if found else None

    async def subscribe(self, url: str) -> int:
        return await self._client.subscribe(url)

    async def unsubscribe(self, feed_id: int) -> None:
        await self._client.unsubscribe(feed_id)

    async def aclose(self) -> None:
        await self._client.aclose()


def _item(entry: Entry) -> RemoteItem:
    return RemoteItem(
        id=entry.id,
        feed_id=entry.feed_id,
        title=entry.title,
        link=entry.url,
        published=entry.published,
        read=entry.status != "unread",
        starred=entry.starred,
        summary=entry.content,
        tags=entry.tags,
    )


_REFUSED = {
    401: ("UNAUTHORIZED", "Miniflux refused the login: wrong user name or password (or API key)"),
    403: ("FORBIDDEN", "Miniflux refused {what}: this user may not do that"),
    404: ("NOT_FOUND", "Miniflux has no such thing for this user ({what})"),
}


def _refusal(what: str, status: int, data: bytes) -> MinifluxError:
    """The error for an HTTP status of 400 and up, with Miniflux's own reason when it says."""
    said = ""
    try:
        answer = json.loads(data)
    except (ValueError, RecursionError):
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("error_message"), str):
        said = one_line(answer["error_message"])
    if status in _REFUSED:
        code, message = _REFUSED[status]
        return MinifluxError(message.format(what=what), code, status, said)
    if status == 400:
        return MinifluxError(
            f"Miniflux refused {what}: {said or 'bad request'}", "REFUSED", status, said
        )
    reason = f": {said}" if said else ""
    return MinifluxError(
        f"Miniflux answered {what} with HTTP {status}{reason}", "HTTP", status, said
    )


def _rows(content: object) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        raise MinifluxError("Miniflux's answer is not the list it should be", "BAD_ANSWER")
    return [row for row in content if isinstance(row, dict)]


def _field(row: object, key: str) -> int:
    """A number that must be there."""
    value = row.get(key) if isinstance(row, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise MinifluxError(f"Miniflux's answer has no usable {key!r}", "BAD_ANSWER")
    return value


def _int(row: Mapping[str, Any], key: str) -> int:
    value = row.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _feed(row: Mapping[str, Any]) -> Feed:
    category = row.get("category")
    category = category if isinstance(category, dict) else {}
    return Feed(
        id=_field(row, "id"),
        title=_text(row, "title"),
        feed_url=_text(row, "feed_url"),
        category_id=_int(category, "id"),
        category=_text(category, "title"),
    )


def _entry(row: Mapping[str, Any]) -> Entry:
    tags = row.get("tags")
    return Entry(
        id=_field(row, "id"),
        feed_id=_field(row, "feed_id"),
        status=_text(row, "status"),
        starred=row.get("starred") is True,
        title=_text(row, "title"),
        url=_text(row, "url"),
        author=_text(row, "author"),
        published=_time(_text(row, "published_at")),
        content=_text(row, "content"),
        tags=tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else (),
    )


def _time(text: str) -> datetime:
    """Miniflux's RFC 3339 time (Go's, nanoseconds and all); the epoch when unreadable."""
    head, dot, rest = text.partition(".")
    if dot:  # Python takes six digits of a second's fraction at most
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return _EPOCH
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when, _EPOCH)
