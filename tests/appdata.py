"""Fixed headlines for the app's tests, snapshots and screenshots: same store, same screen.

Everything is pinned: the clock (`NOW`, passed to `TickerApp(now=...)`), the time zone (UTC, in
the settings), the sources, the titles, badges and marks. Nothing here touches the network.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ticker.config import PollSettings, Settings
from ticker.model import NO_BADGES, Article, Badge, Headline, Source
from ticker.session import Session
from ticker.store import PollRecord, Store

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from ticker.app.app import TickerApp

NOW = datetime(2024, 10, 28, 9, 41, tzinfo=UTC)  # a Monday morning
TIMEZONE = "UTC"

SOURCES: tuple[Source, ...] = (
    Source("Meridian World", "https://meridian.example/world.rss"),
    Source("Harbour Gazette", "https://harbour.example/news.atom"),
    Source("Northern Ledger", "https://ledger.example/feed.json"),
    Source("Wire Desk", "https://wire.example/rss"),
)

B = Badge


@dataclass(frozen=True)
class Item:
    """One fixed headline: which source, how long before NOW, what it says, how it is marked."""

    source: int
    minutes_ago: int
    title: str
    badges: Badge = NO_BADGES
    read: bool = False
    starred: bool = False
    summary: str = ""


# Newest first. Monday 28 (today) down to Friday 25 October 2024.
ITEMS: tuple[Item, ...] = (
    Item(0, 3, "Ceasefire talks resume in Geneva as envoys meet overnight", B.BREAKING),
    Item(3, 9, "Port of Halvik to reopen after three-week dockworkers' strike", B.EXCLUSIVE),
    Item(1, 17, "City council approves night bus pilot for the harbour district"),
    Item(2, 26, "Central bank holds rates, signals cut before the end of the year", B.ANALYSIS),
    Item(0, 38, "Flooding closes rail line between Arlen and Motsby", B.LIVE),
    Item(3, 52, "Rescue teams reach village cut off by landslide", B.UPDATED, starred=True),
    Item(1, 71, "The budget hides a tax rise nobody voted for", B.OPINION, read=True),
    Item(2, 95, "Chipmaker shares jump 12% on record quarterly orders", read=True),
    Item(0, 130, "Watch: the moment the new bridge span was lifted into place", B.VIDEO),
    Item(3, 188, "Election commission publishes final list of candidates"),
    Item(1, 250, "Review: a quiet, devastating production of The Seagull", B.REVIEW),
    Item(
        2,
        340,
        "Wind farm consortium wins approval for the largest offshore project in the region"
        " after a decade of planning disputes, court challenges and two public inquiries",
    ),
    Item(0, 460, "Museum returns looted bronzes in ceremony attended by ministers"),
    # Sunday 27 October (yesterday)
    Item(3, 620, "Storm warning upgraded for the northern coast", B.BREAKING | B.UPDATED),
    Item(1, 700, "Harbour ferry timetable changes from next week", read=True),
    Item(2, 780, "Retail sales fall for a second month as households cut back", B.ANALYSIS),
    Item(0, 860, "Talks on grain corridor stall over inspection rules", starred=True),
    Item(3, 960, "Marathon runner breaks course record by four minutes"),
    Item(1, 1080, "Library opens overnight reading room for students", read=True),
    Item(2, 1200, "Airline adds winter routes to three southern cities"),
    Item(0, 1330, "Exclusive: leaked memo shows delays to hospital contract", B.EXCLUSIVE),
    Item(3, 1500, "Police appeal for witnesses after warehouse fire"),
    Item(1, 1640, "Letters: what the new cycle lanes mean for our street", B.OPINION),
    Item(2, 1800, "Start-up raises funds to turn old mines into batteries"),
    Item(0, 2000, "Parliament votes to extend the emergency water measures", read=True),
    # Saturday 26 October
    Item(3, 2150, "Live: results from the regional elections", B.LIVE, read=True),
    Item(1, 2300, "Hospital waiting lists shrink for the first time in two years"),
    Item(2, 2480, "Shipping rates ease as canal traffic returns to normal", B.ANALYSIS),
    Item(0, 2650, "Scientists map the seabed off the Halvik peninsula", B.VIDEO),
    Item(3, 2800, "Teachers accept pay offer after weeks of talks", B.UPDATED),
    Item(1, 2950, "A winter guide to the old town's bakeries", B.REVIEW),
    Item(2, 3100, "Pension fund sells stake in coal operator"),
    # Friday 25 October
    Item(0, 3500, "Foreign ministers sign fisheries accord", starred=True, read=True),
    Item(3, 3650, "Court orders new inquest into 2019 harbour crash"),
    Item(1, 3800, "Town hall clock restored after 40 years of silence"),
    Item(2, 3990, "Carmaker recalls 80,000 vehicles over brake fault", B.BREAKING),
    Item(0, 4200, "Drought eases in the south after a week of rain"),
    Item(3, 4400, "Opinion: the ferry strike was avoidable", B.OPINION),
)

ARTICLE_BODY = """\
Envoys from both sides arrived in Geneva late on Sunday and met through the night, officials \
said, the first direct talks since the spring.

"We have agreed to keep talking, which is more than we could say a week ago," one delegate \
told reporters outside the Palais des Nations shortly before dawn.

## What is on the table

The draft seen by Meridian covers a 30-day truce, the exchange of prisoners and a corridor for \
aid convoys. Monitors from three neutral countries would report to both delegations every week.

- a truce along the whole line of contact
- prisoner exchanges within 14 days
- aid convoys under international escort

Talks resume at 10:00 local time.
"""


def settings(sources: Sequence[Source] = SOURCES, timezone: str = TIMEZONE) -> Settings:
    """Settings as built in code: no config file is read or written."""
    return Settings(sources=tuple(sources), poll=PollSettings(timeout=5.0), timezone=timezone)


def session(
    directory: Path, sources: Sequence[Source] = SOURCES, timezone: str = TIMEZONE
) -> Session:
    """A session on a new store in `directory`, its sources' rows created."""
    made = Session(directory / "ticker.db", tuple(sources), settings(sources, timezone))
    made.prepare()
    return made


def url_of(item: Item) -> str:
    slug = "-".join(item.title.lower().split()[:6]).replace(":", "").replace("'", "")
    return f"{SOURCES[item.source].url.rsplit('/', 1)[0]}/{slug}"


def headline(item: Item, index: int, now: datetime = NOW) -> Headline:
    source = SOURCES[item.source]
    return Headline(
        source=source.url,
        guid=f"fixed-{index}",
        title=item.title,
        url=url_of(item),
        published=now - timedelta(minutes=item.minutes_ago),
        badges=item.badges,
        summary=item.summary or f"{item.title}. More to follow.",
        source_name=source.name,
    )


def fill(path: Path, items: Sequence[Item] = ITEMS, now: datetime = NOW) -> list[int]:
    """Store `items` (published relative to `now`) with their marks; their row ids, in order."""
    with Store(path) as store:
        records = [
            PollRecord(
                source=source,
                attempted=now.timestamp(),
                headlines=[
                    headline(item, i, now) for i, item in enumerate(items) if item.source == s
                ],
            )
            for s, source in enumerate(SOURCES)
        ]
        store.save(records)
        rows = {h.guid: h.row for h in store.headlines()}
        ids = [rows[f"fixed-{i}"] for i in range(len(items))]
        store.set_read([r for r, item in zip(ids, items, strict=True) if item.read and r])
        store.set_starred([r for r, item in zip(ids, items, strict=True) if item.starred and r])
    return [r for r in ids if r is not None]


def fill_many(path: Path, count: int, now: datetime = NOW, batch: int = 25_000) -> None:
    """`count` plain headlines, one every 30 seconds back from `now`, stored in big batches."""
    with Store(path) as store:
        for start in range(0, count, batch):
            records = []
            for s, source in enumerate(SOURCES):
                found = [
                    Headline(
                        source=source.url,
                        guid=f"many-{i}",
                        title=f"Headline number {i} from {source.name}",
                        url=f"{source.url}/{i}",
                        published=now - timedelta(seconds=30 * i),
                        source_name=source.name,
                    )
                    for i in range(start + s, min(start + batch, count), len(SOURCES))
                ]
                records.append(
                    PollRecord(source=source, attempted=now.timestamp(), headlines=found)
                )
            store.save(records)


def article(item: Item = ITEMS[0]) -> Article:
    """The page behind `item`, as the reader caches it."""
    return Article(
        url=url_of(item),
        title=item.title,
        body=ARTICLE_BODY,
        byline="Ana Ferreira and Tom Lindqvist",
        published=NOW - timedelta(minutes=item.minutes_ago),
        tags=("Diplomacy", "Geneva", "Ceasefire"),
        lang="en",
    )


def cache_article(path: Path, item: Item = ITEMS[0]) -> Article:
    """Put `item`'s article in the store's cache, so the reader needs no network."""
    found = article(item)
    with Store(path) as store:
        store.save_article(found)
    return found


# -- the screens the snapshots and screenshots show ------------------------------------------


def fixed_app(directory: Path) -> TickerApp:
    """The app on the fixed store, its first article cached, its clock stopped, no polling."""
    from ticker.app.app import TickerApp

    made = session(directory)
    fill(made.store_path)
    cache_article(made.store_path)
    return TickerApp(made, poll=False, now=NOW)


async def wait_for(pilot: Pilot, condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Let the app run until `condition()` holds; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    await pilot.pause()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds} s for {condition}")
        await pilot.pause(0.01)
    await pilot.pause()


def has_binding(key: str) -> bool:
    """Whether the app binds `key` (screens another change may add)."""
    from ticker.app.app import TickerApp

    return any(getattr(b, "key", None) == key for b in TickerApp.BINDINGS)


async def show_pane(pilot: Pilot) -> None:
    await pilot.pause()


async def show_reader(pilot: Pilot) -> None:
    """The first headline's article, loaded from the cache."""

    from ticker.app.screens.reader import ReaderScreen

    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReaderScreen))
    await wait_for(pilot, lambda: not pilot.app.screen.opening)


async def show_help(pilot: Pilot) -> None:
    from ticker.app.screens.help import HelpScreen

    await pilot.pause()
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))


async def show_sources(pilot: Pilot) -> None:
    await pilot.pause()
    before = pilot.app.screen
    await pilot.press("S")
    await wait_for(pilot, lambda: pilot.app.screen is not before)


SCENES: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "pane": show_pane,
    "reader": show_reader,
    "help": show_help,
    "sources": show_sources,
}
SIZES: tuple[tuple[int, int], ...] = ((80, 24), (120, 40))
