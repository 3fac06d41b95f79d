"""Shared fixtures. Every server a test talks to listens on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

# The real Tiny Tiny RSS and Miniflux for the aggregator's tests (started only by a test that
# asks for one).
pytest_plugins = ["ttrss_fixtures", "miniflux_fixtures"]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No config and no data: a first run, and whatever ticker looks up lands in tmp_path."""
    monkeypatch.setenv("TICKER_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("TICKER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path
