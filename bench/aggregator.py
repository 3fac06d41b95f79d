"""The aggregator at scale: ticker syncing from a real Tiny Tiny RSS with 5,000 feeds x 20 items.

One engine (tests/ttrss_engine.py: PostgreSQL, tt-rss served by `php -S` on loopback), filled
straight into its database (`Engine.bulk_feeds`, then dates made to rise with ids, as a live
server's do). Each run, with a fresh data dir:

- first sync: `ticker headlines --format json` as a process; wall, CPU (user+sys), peak RSS,
  tt-rss API requests, headlines stored;
- an incremental sync with nothing new, then one after 100 new items (inserted as bulk_feeds
  does, newer ids and dates, one in each of 100 feeds): wall, requests, headlines added.

Requests are counted from the PHP server's own log (a `[200]: POST /api/` line per request):
nothing sits between ticker and tt-rss. Then the pane, with bench/app.py's functions: first
paint in a 120x40 tmux pane and the CPU of `j` and PgDn headless, on the synced store (the app
with the aggregator's config; once more with its sync due at launch, so it syncs while it
paints) and on a store of the same number of local headlines (bench/app.py's `build_store`).
Last, what tt-rss itself costs per call at this size (getHeadlines by OFFSET and by since_id,
getFeeds, getCategories), timed from here with the tests' own raw client. Needs root, tmux
and the engine's Debian packages.

    python bench/aggregator.py [--runs 3] [--feeds 5000] [--items 20] [--keys 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent / "tests"))
from app import DEAD_SOURCE, ROW, build_store, first_paint, keypresses
from common import TICKER, count, cpu_model, measure
from ttrss_engine import Engine, running

USER, PASSWORD = "bench", "bench password"
NEW_ITEMS = 100
API_REQUEST = re.compile(rb"\]: POST /api/")


def write_config(home: Path, engine: Engine, user: str = USER, password: str = PASSWORD) -> Path:
    """A config syncing from the engine, the password from a command (as a person would)."""
    secret = home / "password"
    secret.write_text(password + "\n")
    config = home / "config.toml"
    config.write_text(
        "sources = []\n\n[poll]\ntimeout = 60\n\n[aggregator]\n"
        f'kind = "ttrss"\nurl = "{engine.url}"\nuser = "{user}"\n'
        f'password_command = ["cat", "{secret}"]\n'
    )
    return config


def _text(value: str) -> str:
    """An SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def api_requests(engine: Engine) -> int:
    """tt-rss API requests served so far, from the PHP server's log."""
    return len(API_REQUEST.findall((engine.root / "php.log").read_bytes()))


def sync(engine: Engine, config: Path, data: Path, *more: str) -> dict[str, float]:
    """One `ticker headlines` process: its wall, CPU, peak RSS, requests, headlines stored."""
    before = api_requests(engine)
    args = [TICKER, "headlines", "--format", "json", "--config", str(config), *more]
    wall, cpu, rss = measure([*args, "--data-dir", str(data)], dict(os.environ))
    return {
        "wall": wall,
        "cpu": cpu,
        "rss": rss,
        "requests": api_requests(engine) - before,
        "stored": count(data / "ticker.db", "items"),
    }


def add_new_items(engine: Engine, items: int, user: str = USER) -> None:
    """`items` new unread items, one in each of the user's first feeds, newer than all."""
    engine.sql(
        f"""
        BEGIN;
        CREATE TEMP TABLE new_feed ON COMMIT DROP AS
        SELECT f.id, f.owner_uid, row_number() OVER (ORDER BY f.id) AS n
        FROM ttrss_feeds AS f JOIN ttrss_users AS u ON u.id = f.owner_uid
        WHERE u.login = {_text(user)} ORDER BY f.id LIMIT {int(items)};
        CREATE TEMP TABLE new_entry ON COMMIT DROP AS
        WITH inserted AS (
            INSERT INTO ttrss_entries (title, guid, link, updated, content, content_hash,
                                       date_entered, date_updated, author)
            SELECT 'Fresh story ' || f.id || ' at ' || clock_timestamp(),
                   'fresh:' || f.id || ':' || clock_timestamp(),
                   'http://bulk.invalid/fresh/' || f.id || '/' || f.n || '.html',
                   NOW() + make_interval(secs => f.n), '<p>Fresh.</p>',
                   'SHA1:' || md5(f.id || ':' || clock_timestamp()),
                   NOW(), NOW(), 'Bulk desk'
            FROM new_feed AS f ORDER BY f.n
            RETURNING id, guid)
        SELECT id, guid FROM inserted;
        INSERT INTO ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, tag_cache,
                                        label_cache, unread)
        SELECT e.id, '', f.id, f.owner_uid, '', '', true
        FROM new_entry AS e JOIN new_feed AS f ON f.id = split_part(e.guid, ':', 2)::int;
        COMMIT;
        """
    )


def ttrss_costs(engine: Engine, runs: int) -> dict[str, list[float]]:
    """Seconds per API call as tt-rss answers it at this size (the raw client's round trip)."""
    sid = engine.login(USER, PASSWORD)
    newest = int(
        engine.sql(
            "SELECT max(ref_id) FROM ttrss_user_entries AS e JOIN ttrss_users AS u"
            f" ON u.id = e.owner_uid WHERE u.login = {_text(USER)};"
        )
    )
    page = {"feed_id": -4, "limit": 200, "view_mode": "all_articles", "show_content": True}
    calls: dict[str, Callable[[], object]] = {
        "getHeadlines, newest page (skip 0)": lambda: engine.call(
            "getHeadlines", sid=sid, skip=0, **page
        ),
        "getHeadlines, 10th page (skip 1800, OFFSET)": lambda: engine.call(
            "getHeadlines", sid=sid, skip=1800, **page
        ),
        f"getHeadlines, since_id (newest - {NEW_ITEMS})": lambda: engine.call(
            "getHeadlines", sid=sid, skip=0, since_id=newest - NEW_ITEMS, **page
        ),
        "getFeeds (cat_id -3, all)": lambda: engine.call("getFeeds", sid=sid, cat_id=-3),
        "getCategories": lambda: engine.call("getCategories", sid=sid, include_empty=True),
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    low, mid, high = (f"{v:.{digits}f}" for v in (min(values), median(values), max(values)))
    return f"{mid} {unit} ({low}-{high})"


def paint_with_sync_due(engine: Engine, data: Path, config: Path, runs: int) -> list[float]:
    """bench/app.py's first paint, with the store's sync due at launch: the time to rows on
    screen, the sync then seen reaching tt-rss before the app is told to quit."""
    tmux = ["tmux", "-L", f"ticker-bench-agg-{os.getpid()}"]
    subprocess.run([*tmux, "new-session", "-d", "-s", "paint", "-x", "120", "-y", "40"], check=True)
    command = f"TICKER_CONFIG={config} {TICKER} --data-dir {data} --source {DEAD_SOURCE}"
    times = []
    try:
        for _ in range(runs):
            with contextlib.closing(sqlite3.connect(data / "ticker.db")) as db, db:
                db.execute("UPDATE sources SET next_poll = 0 WHERE url LIKE '%#ticker-sync'")
            before = api_requests(engine)
            start = time.perf_counter()
            subprocess.run([*tmux, "respawn-pane", "-k", "-t", "paint", command], check=True)
            painted = None
            while painted is None and time.perf_counter() < start + 20:
                screen = subprocess.run(
                    [*tmux, "capture-pane", "-p", "-t", "paint"], capture_output=True, text=True
                ).stdout
                if sum(1 for line in screen.splitlines() if ROW.match(line)) >= 10:
                    painted = time.perf_counter() - start
                time.sleep(0.01)
            while api_requests(engine) == before and time.perf_counter() < start + 20:
                time.sleep(0.05)
            if painted is None or api_requests(engine) == before:
                raise SystemExit("no rows on screen, or no sync reached tt-rss, after 20 s")
            times.append(painted)
            subprocess.run([*tmux, "send-keys", "-t", "paint", "q"], check=True)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    return times


def pane(data: Path, config: Path, runs: int, keys: int) -> dict[str, list[float]]:
    """bench/app.py's first paint (tmux) and keys (headless) on the store in `data`."""
    results = asyncio.run(keypresses(data, config, keys))
    results["paint"] = first_paint(data, config, runs) if shutil.which("tmux") else []
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--keys", type=int, default=100)
    options = parser.parse_args()
    load_before = os.getloadavg()
    began = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="ticker-bench-agg-") as tmp,
        running(demo_feeds=1, demo_items=1) as engine,
    ):
        home = Path(tmp)
        engine.add_user(USER, PASSWORD)
        filled = time.perf_counter()
        engine.bulk_feeds(options.feeds, options.items, user=USER)
        print(
            f"engine up in {engine.timings['engine']:.1f} s; {options.feeds} feeds x"
            f" {options.items} items stored in tt-rss in {time.perf_counter() - filled:.1f} s",
            flush=True,
        )
        config = write_config(home, engine)
        first, idle, fresh, offline = [], [], [], []
        for run in range(options.runs):
            data = home / f"data-{run}"
            first.append(sync(engine, config, data))
            idle.append(sync(engine, config, data))
            add_new_items(engine, NEW_ITEMS)
            fresh.append(sync(engine, config, data))
            offline.append(sync(engine, config, data, "--offline"))
            print(f"run {run + 1}: {first[-1]} | {idle[-1]} | {fresh[-1]}", flush=True)
        synced = home / f"data-{options.runs - 1}"
        stored = count(synced / "ticker.db", "items")
        before = api_requests(engine)
        remote = pane(synced, config, options.runs, options.keys)
        # The store's sync is not due yet: the app, with the aggregator's config, paints alone.
        paint_requests = api_requests(engine) - before
        if shutil.which("tmux"):
            remote["paint, sync due"] = paint_with_sync_due(engine, synced, config, options.runs)
        local_data, local_config = home / "local", home / "local.toml"
        local_data.mkdir()
        local_config.write_text("[poll]\ntimeout = 2\n")
        build_store(local_data, stored)
        local = pane(local_data, local_config, options.runs, options.keys)
        costs = ttrss_costs(engine, options.runs)
    load_after = os.getloadavg()

    def col(rows: list[dict[str, float]], key: str) -> list[float]:
        return [row[key] for row in rows]

    print()
    print(
        f"{cpu_model()}, {os.cpu_count()} cores; load average {load_before[0]:.2f} before,"
        f" {load_after[0]:.2f} after; {options.runs} runs, whole script"
        f" {time.perf_counter() - began:.0f} s"
    )
    print()
    print("| sync | wall median (min-max) | CPU | peak RSS | requests | headlines |")
    print("| --- | --- | --- | --- | --- | --- |")
    no_rows: list[dict[str, float]] = [{"stored": 0}] * options.runs
    for name, rows, earlier in (
        (f"first ({options.feeds:,} feeds x {options.items})", first, no_rows),
        ("incremental, nothing new", idle, first),
        (f"incremental, {NEW_ITEMS} new", fresh, idle),
        ("`--offline` (the process alone, no sync)", offline, fresh),
    ):
        came = [r["stored"] - e["stored"] for r, e in zip(rows, earlier, strict=True)]
        print(
            f"| {name} | {spread(col(rows, 'wall'), 's')} | {median(col(rows, 'cpu')):.2f} s"
            f" | {median(col(rows, 'rss')):.0f} MB | {median(col(rows, 'requests')):.0f}"
            f" | +{median(came):.0f} |"
        )
    print()
    print(
        f"The app runs with the aggregator's config; on the synced store the sync is not due"
        f" ({paint_requests} tt-rss requests over {options.runs} launches), except in the row"
        " 'sync due' (the store's next sync set to now: the app syncs while it paints)."
    )
    print()
    print(f"| pane, {stored:,} headlines, 120x40 | synced store | local store | ratio |")
    print("| --- | --- | --- | --- |")
    for name, key, unit, digits in (
        ("first paint (tmux)", "paint", "s", 3),
        ("first paint, sync due (tmux)", "paint, sync due", "s", 3),
        ("`j`, CPU (headless)", "j", "ms", 1),
        ("PgDn, CPU (headless)", "pagedown", "ms", 1),
    ):
        if remote.get(key) and local["paint"]:
            theirs = local["paint" if key.startswith("paint") else key]
            print(
                f"| {name} | {spread(remote[key], unit, digits)}"
                f" | {spread(theirs, unit, digits)}"
                f" | {median(remote[key]) / median(theirs):.2f} |"
            )
    print()
    print(f"| tt-rss call ({options.feeds:,} feeds) | median (min-max) |")
    print("| --- | --- |")
    for name, values in costs.items():
        print(f"| {name} | {spread(values, 's')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
