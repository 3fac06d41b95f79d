"""The app's remembered preferences: forgiving to read, atomic to write."""

from __future__ import annotations

from pathlib import Path

from ticker.state import load_state, save_state


def test_state_round_trips_and_a_rewrite_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.json"
    save_state(path, {"theme": "gruvbox"})
    assert load_state(path) == {"theme": "gruvbox"}
    save_state(path, {"theme": "nord"})
    assert load_state(path) == {"theme": "nord"}
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary left


def test_missing_corrupt_or_odd_state_is_empty(tmp_path: Path) -> None:
    assert load_state(tmp_path / "none.json") == {}
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"theme": \xff')
    assert load_state(broken) == {}
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    assert load_state(listed) == {}
