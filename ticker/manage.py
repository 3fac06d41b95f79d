"""Managing sources from the shell: `ticker add / remove / sources / import / export`.

Finding is core work shared with the app (`find_feeds`, `find_listing`); this module adds the
shell's side: printing what was found, asking before saving, and one-line errors. Every edit of
the config file goes through `sources_file`, which keeps the person's comments and layout.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from ticker import shutdown
from ticker.errors import FetchError, TickerError
from ticker.model import Source, SourceHealth
from ticker.sanitize import web_host

if TYPE_CHECKING:
    from ticker.aggregator.settings import AggregatorSettings
    from ticker.config import Settings
    from ticker.discover import Candidate, Discovery
    from ticker.listing import Proposal

T = TypeVar("T")
SAMPLE = 8  # headlines shown from a proposed listing before it is saved


# -- finding (shared with the app) ------------------------------------------------------------


async def find_feeds(url: str, settings: Settings) -> Discovery:
    """The feeds at `url` (the page's, or the URL itself if it is one)."""
    from ticker.discover import discover
    from ticker.fetch import Fetcher, Limits

    async with Fetcher(Limits.for_timeout(settings.poll.timeout, 8)) as fetcher:
        return await _https_first(url, lambda address: discover(address, fetcher))


async def find_listing(url: str, settings: Settings) -> tuple[str, list[Proposal]]:
    """The page at `url` and the headline lists proposed for it, best first."""
    from ticker import listing
    from ticker.fetch import PAGE_ACCEPT, Fetcher, Limits

    async with Fetcher(Limits.for_timeout(settings.poll.timeout, 1)) as fetcher:
        response = await _https_first(url, lambda address: fetcher.get(address, accept=PAGE_ACCEPT))
    proposals = await asyncio.to_thread(
        listing.propose, response.body, response.url, tz=settings.tz()
    )
    return response.url, proposals


async def _https_first(url: str, attempt: Callable[[str], Awaitable[T]]) -> T:
    """An address typed without a scheme is tried over https, then over http, as browsers do."""
    from ticker.discover import with_scheme
    from ticker.fetch import HTTPStatusError

    address = with_scheme(url)
    typed = url.strip()
    if address != "https://" + typed:
        return await attempt(address)  # the person chose the scheme
    try:
        return await attempt(address)
    except FetchError as https_failed:
        if isinstance(https_failed, HTTPStatusError):
            raise  # the server answered: https works there
        try:
            return await attempt("http://" + typed)
        except FetchError:
            raise https_failed from None


def feed_source(candidate: Candidate, name: str | None = None) -> Source:
    return Source(name=name or candidate.title or host_name(candidate.url), url=candidate.url)


def listing_source(page: str, proposal: Proposal, name: str | None = None) -> Source:
    return Source(
        name=name or proposal.title or host_name(page),
        url=page,
        kind="html",
        listing=proposal.listing,
    )


def host_name(url: str) -> str:
    """A source's default name: its host without www. and the like."""
    host = web_host(url) or url
    for prefix in ("www.", "feeds.", "rss.", "feed."):
        host = host.removeprefix(prefix)
    return host


# -- the commands -------------------------------------------------------------------------------


class Asker:
    """Questions on the terminal; without one (a script), nothing is saved unless --yes."""

    def __init__(self, yes: bool, out: TextIO | None = None) -> None:
        self.yes = yes
        self.out = out or sys.stdout
        self.interactive = sys.stdin.isatty()

    def confirm(self, question: str) -> bool:
        if self.yes:
            return True
        if not self.interactive:
            print(f"{question} not saved: no terminal to ask (use --yes)", file=self.out)
            return False
        answer = input(f"{question} [Y/n] ").strip().lower()
        return answer in ("", "y", "yes")

    def pick(self, count: int) -> int:
        if not self.interactive:
            raise TickerError("--pick needs a terminal to ask which one")
        while True:
            answer = input(f"Which one? [1-{count}] ").strip()
            if answer.isdigit() and 1 <= int(answer) <= count:
                return int(answer) - 1


def add(
    url: str,
    settings: Settings,
    config_path: Path,
    *,
    html: bool,
    pick: bool,
    name: str | None,
    asker: Asker,
) -> int:
    """`ticker add`: find the feed (or the headline list) at `url`, show it, save it."""
    try:
        return _add(url, settings, config_path, html=html, pick=pick, name=name, asker=asker)
    except FetchError as error:
        raise TickerError(f"{url}: {error}") from None


def _add(
    url: str,
    settings: Settings,
    config_path: Path,
    *,
    html: bool,
    pick: bool,
    name: str | None,
    asker: Asker,
) -> int:
    out = asker.out
    if html:
        page, proposals = shutdown.run(find_listing(url, settings))
        if not proposals:
            raise TickerError(f"no list of headlines with times found at {page}")
        choice = 0
        if pick and len(proposals) > 1:
            for number, proposal in enumerate(proposals, 1):
                print(f"{number}. {proposal.count} headlines: {proposal.listing.item}", file=out)
            choice = asker.pick(len(proposals))
        proposal = proposals[choice]
        print(describe_listing(page, proposal, settings.tz()), file=out)
        source = listing_source(page, proposal, name)
    else:
        from ticker.discover import message

        discovery = shutdown.run(find_feeds(url, settings))
        best = discovery.best
        if best is None:
            raise TickerError(message(discovery))
        print(describe_discovery(discovery), file=out)
        chosen = best
        if pick and len(discovery.candidates) > 1:
            chosen = discovery.candidates[asker.pick(len(discovery.candidates))]
        source = feed_source(chosen, name)
    from ticker import sources_file

    known = {sources_file.url_key(s.url): s for s in settings.sources}
    if (same := known.get(sources_file.url_key(source.url))) is not None:
        print(f"{same.name} ({same.url}) is a source already", file=out)
        return 0
    server = settings.aggregator
    if server is not None:
        # With an aggregator, the server polls: the feed is subscribed there, not here.
        from ticker.aggregator import manage as server_side

        if not asker.confirm(f"Subscribe to {source.name!r} ({source.url}) on {server.url}?"):
            return 1
        timeout = settings.poll.timeout
        shutdown.run(server_side.subscribe(server, source.url, timeout=timeout))
        print(f"subscribed to {source.name} ({source.url}) on {server.url}", file=out)
        return 0
    if not asker.confirm(f"Add {source.name!r} ({source.url}) to {config_path}?"):
        return 1
    sources_file.add(config_path, source)
    print(f"added {source.name} ({source.url})", file=out)
    return 0


def describe_discovery(discovery: Discovery) -> str:
    best = discovery.best
    count = len(discovery.candidates)
    lines = [f"{count} feed{'s' if count != 1 else ''} at {discovery.page}:"]
    for number, candidate in enumerate(discovery.candidates, 1):
        mark = "  (main)" if candidate == best else ""
        lines.append(
            f"{number:>3}. {candidate.title or '(untitled)'} — {candidate.items} items"
            f"  {candidate.url}{mark}"
        )
    for rejected, reason in discovery.rejected:
        lines.append(f"     not a working feed: {rejected}: {reason}")
    return "\n".join(lines)


def describe_listing(page: str, proposal: Proposal, tz: tzinfo | None) -> str:
    """The selectors a listing uses and the first headlines they read, for a person to judge."""
    listing = proposal.listing
    lines = [f"A list of {proposal.count} headlines at {page}, read with:"]
    for field in ("item", "title", "link", "time", "date", "label"):
        value = getattr(listing, field)
        if value:
            lines.append(f"  {field:6} {value}")
    lines.append("The first of them:")
    for headline in proposal.sample[:SAMPLE]:
        when = headline.published.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        badges = " ".join(label.upper() for label in headline.badges.labels())
        lines.append(f"  {when}  {badges + '  ' if badges else ''}{headline.title}")
    return "\n".join(lines)


def remove(
    match: str,
    config_path: Path,
    store_path: Path,
    out: TextIO | None = None,
    *,
    aggregator: AggregatorSettings | None = None,
) -> int:
    """`ticker remove`: the source leaves the config; its headlines go, starred ones stay.
    An aggregator's feed (named as the sources list shows it) is unsubscribed on the server."""
    out = out or sys.stdout
    from ticker import sources_file
    from ticker.store import Store

    try:
        removed = sources_file.remove(config_path, match)
    except sources_file.NoSuchSourceError:
        if aggregator is None or not store_path.exists():
            raise
        return _unsubscribe(match, aggregator, store_path, out)
    for source in removed:
        kept = 0
        if store_path.exists():
            with Store(store_path) as store:
                _, kept = store.forget_source(source.url)
        starred = f"; {kept} starred headline{'s' if kept != 1 else ''} kept" if kept else ""
        print(f"removed {source.name} ({source.url}){starred}", file=out)
    return 0


def _unsubscribe(match: str, aggregator: AggregatorSettings, store_path: Path, out: TextIO) -> int:
    from ticker import sources_file
    from ticker.aggregator import manage as server_side
    from ticker.store import Store

    with Store(store_path) as store:
        feeds = [h for h in store.health() if aggregator.feed_id(h.url) is not None]
    chosen = [h for h in feeds if match in (h.url, h.name) or h.name.casefold() == match.casefold()]
    if not chosen:
        raise sources_file.NoSuchSourceError(
            f"no source or {aggregator.url} feed matches {match!r}"
        )
    for feed in chosen:
        shutdown.run(server_side.unsubscribe(aggregator, feed.url))
        with Store(store_path) as store:
            _, kept = store.forget_source(feed.url)
        starred = f"; {kept} starred headline{'s' if kept != 1 else ''} kept" if kept else ""
        print(f"unsubscribed {feed.name} on {aggregator.url}{starred}", file=out)
    return 0


def sources(settings: Settings, store_path: Path, fmt: str, out: TextIO | None = None) -> int:
    """`ticker sources`: each configured source, its health, headlines and next poll."""
    out = out or sys.stdout
    health: dict[str, SourceHealth] = {}
    if store_path.exists():
        from ticker.store import Store

        with Store(store_path) as store:
            health = {h.url: h for h in store.health()}
    tz = settings.tz()
    if fmt == "json":
        for source in settings.sources:
            h = health.get(source.url)
            record = {
                "name": source.name,
                "url": source.url,
                "kind": source.kind,
                "category": source.category or None,
                "paused": source.paused,
                "items": h.item_count if h else 0,
                "ok": h.ok if h and h.last_attempt else None,
                "error": h.last_error if h else None,
                "last_success": _iso(h.last_success) if h else None,
                "next_poll": _iso(h.next_poll) if h else None,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    from ticker.sanitize import clean_line

    for source in settings.sources:
        h = health.get(source.url)
        if source.paused:
            state = "paused"
        elif h is None or h.last_attempt is None:
            state = "not polled yet"
        elif h.ok:
            state = "ok"
        else:
            state = f"failing: {clean_line(h.last_error or '', 100, markup=False)}"
        items = h.item_count if h else 0
        due = _clock(h.next_poll, tz) if h and h.next_poll and not source.paused else "-"
        kind = "" if source.kind == "feed" else f" [{source.kind}]"
        print(f"{source.name}{kind}  {source.url}", file=out)
        print(f"    {items} headlines · next poll {due} · {state}", file=out)
    return 0


def read_opml(location: str, settings: Settings) -> list[Source]:
    """The sources an OPML file lists, or the OPML document at an http(s) address."""
    from ticker import opml

    if not opml.is_address(location):
        return opml.read_sources(Path(location))
    from ticker.fetch import Fetcher, Limits

    async def fetch() -> list[Source]:
        async with Fetcher(Limits.for_timeout(settings.poll.timeout, 1)) as fetcher:
            return await opml.fetch_sources(location, fetcher)

    return shutdown.run(fetch())


def import_opml(
    location: str, settings: Settings, config_path: Path, out: TextIO | None = None
) -> int:
    """`ticker import`: every feed an OPML file (or address) lists becomes a source, once."""
    out = out or sys.stdout
    from ticker import sources_file

    found = read_opml(location, settings)
    server = settings.aggregator
    if server is not None:
        from ticker.aggregator import manage as server_side

        urls = [source.url for source in found]
        timeout = settings.poll.timeout
        done, refused = shutdown.run(server_side.subscribe_many(server, urls, timeout=timeout))
        for url, why in refused:
            print(f"not subscribed: {url}: {why}", file=out)
        print(f"subscribed to {len(done)} of {len(urls)} feeds on {server.url}", file=out)
        return 0 if not refused else 1
    added, skipped = sources_file.add_many(config_path, found)
    print(
        f"imported {len(added)} source{'s' if len(added) != 1 else ''} from {location}"
        f" ({len(skipped)} already there)",
        file=out,
    )
    return 0


def export_opml(settings: Settings, out: TextIO | None = None) -> int:
    """`ticker export`: the configured sources as OPML 2.0, folders from their categories."""
    out = out or sys.stdout
    from ticker import opml

    sources = list(settings.sources)
    if settings.aggregator is not None:  # the server's feeds too, at their own addresses
        from ticker.aggregator import manage as server_side

        timeout = settings.poll.timeout
        sources += shutdown.run(server_side.server_sources(settings.aggregator, timeout=timeout))
    text = opml.write(sources)
    out.write(text if text.endswith("\n") else text + "\n")
    return 0


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _clock(moment: datetime, tz: tzinfo | None) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
