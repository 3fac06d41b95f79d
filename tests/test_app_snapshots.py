"""How the app looks: SVG snapshots of each screen at 80x24 and 120x40.

Fixed data and a stopped clock (tests/appdata.py), no polling, the reader's article from the
store's cache: no network. Update after a deliberate change with `pytest --snapshot-update`,
then look at the SVGs (screenshots/make.py makes PNGs of the same screens).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import appdata
import pytest

SCREENS = [
    pytest.param(scene, size, id=f"{scene}-{size[0]}x{size[1]}")
    for scene in appdata.SCENES
    for size in appdata.SIZES
]

# The keys each scene in tests/appdata.py presses on the headline pane. A key that lost its
# binding does nothing: its snapshot would wait for a screen that never comes, or show another.
SCENE_KEYS: dict[str, tuple[str, ...]] = {
    "pane": (),
    "reader": ("enter",),
    "help": ("question_mark",),
    "sources": ("S",),
}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No config and no data outside tmp_path."""
    monkeypatch.setenv("TICKER_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("TICKER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


async def test_every_key_a_snapshot_presses_is_bound(tmp_path: Path) -> None:
    app = appdata.fixed_app(tmp_path)
    async with app.run_test() as pilot:
        await pilot.pause()
        bound = set(app.active_bindings)

    assert set(SCENE_KEYS) == set(appdata.SCENES), "say which keys a new scene presses"
    missing = [
        (scene, key) for scene, keys in SCENE_KEYS.items() for key in keys if key not in bound
    ]
    assert missing == []


@pytest.mark.parametrize(("scene", "size"), SCREENS)
def test_screen_looks_as_approved(
    snap_compare: Any, tmp_path: Path, scene: str, size: tuple[int, int]
) -> None:
    app = appdata.fixed_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=appdata.SCENES[scene])
