"""What bench/aggregator.py relies on, at a small size: requests counted from tt-rss's PHP log,
a server whose dates rise with its ids, and new items that an incremental sync takes alone."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from ttrss_engine import Engine
from ttrss_fixtures import TtrssUser

from ticker.aggregator.sync import FIRST_PAGES, PAGE

BENCH = Path(__file__).resolve().parent.parent / "bench" / "aggregator.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_aggregator", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_php_log_counts_each_api_request_once(bench: ModuleType, ttrss_engine: Engine) -> None:
    before = bench.api_requests(ttrss_engine)
    sid = ttrss_engine.login()
    ttrss_engine.call("getApiLevel", sid=sid)
    ttrss_engine.call("getFeeds", sid=sid, cat_id=-3)
    assert bench.api_requests(ttrss_engine) - before == 3


def test_after_a_first_sync_of_the_newest_only_new_items_come_down(
    bench: ModuleType, ttrss_engine: Engine, ttrss_user: TtrssUser, tmp_path: Path
) -> None:
    # More than a first sync takes: what it leaves is older than what it took, ids and dates.
    feeds, items = 11, FIRST_PAGES * PAGE // 10
    ttrss_engine.bulk_feeds(
        feeds, items, user=ttrss_user.login, prefix=f"http://{ttrss_user.login}.invalid/"
    )
    config = bench.write_config(tmp_path, ttrss_engine, ttrss_user.login, ttrss_user.password)
    data = tmp_path / "data"
    first = bench.sync(ttrss_engine, config, data)
    assert first["stored"] == FIRST_PAGES * PAGE
    idle = bench.sync(ttrss_engine, config, data)
    assert idle["stored"] == first["stored"]
    assert idle["requests"] <= 5  # login, headlines since, two pages of marks
    bench.add_new_items(ttrss_engine, 7, ttrss_user.login)
    fresh = bench.sync(ttrss_engine, config, data)
    assert fresh["stored"] == first["stored"] + 7
    assert fresh["requests"] <= 5
