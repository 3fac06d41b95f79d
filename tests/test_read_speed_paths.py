"""`ticker` starts, and runs `read`, without the cyclic garbage collector (bench/read_process.py):
a command run in-process (a test, a script) gets the collector back as it was, whatever the
read's outcome."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticker.__main__ import main
from ticker.demo import DemoServer


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKER_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("TICKER_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "config.toml").write_text("[poll]\ntimeout = 2\n")
    return tmp_path


@pytest.fixture(scope="module")
def newsroom() -> Iterator[DemoServer]:
    server = DemoServer(seed=3, tick_seconds=0)
    with server.running_in_thread():
        yield server


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_read_in_process_leaves_the_collector_on(
    home: Path, newsroom: DemoServer, collector_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    story = newsroom.newsroom.newest(1)[0]
    assert main(["read", f"{newsroom.url}/articles/{story.slug}.html"]) == 0
    assert story.title[:20] in capsys.readouterr().out
    assert gc.isenabled()


def test_a_failed_read_leaves_the_collector_on(
    home: Path, newsroom: DemoServer, collector_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["read", f"{newsroom.url}/articles/no-such-story.html"]) == 1
    assert "404" in capsys.readouterr().err
    assert gc.isenabled()


def test_a_read_leaves_a_collector_that_was_off_off(
    home: Path, newsroom: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        story = newsroom.newsroom.newest(2)[1]
        assert main(["read", f"{newsroom.url}/articles/{story.slug}.html"]) == 0
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
