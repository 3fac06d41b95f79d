"""Make the README's screenshots: the app's screens as SVG, and PNG where a converter exists.

    python screenshots/make.py            # every screen at 80x24 and 120x40

The screens are the snapshot tests' (tests/appdata.py): a fixed store, a stopped clock, no
network. PNGs come from `rsvg-convert` (librsvg2-bin) when it is installed.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

import appdata  # noqa: E402


async def screenshot(scene: str, size: tuple[int, int]) -> str:
    """One screen of the app, as SVG."""
    with tempfile.TemporaryDirectory(prefix="ticker-shot-") as directory:
        app = appdata.fixed_app(Path(directory))
        async with app.run_test(size=size) as pilot:
            await appdata.SCENES[scene](pilot)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            return app.export_screenshot(title="ticker")


def to_png(svg: Path) -> Path | None:
    converter = shutil.which("rsvg-convert")
    if converter is None:
        return None
    png = svg.with_suffix(".png")
    # Rich pads cells with no-break spaces; without xml:space="preserve" librsvg drops the
    # leading ones, and right-aligned or padded cells shift left in the PNG.
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    subprocess.run([converter, "-o", str(png)], input=text.encode(), check=True)
    return png


def main() -> int:
    scenes = [s for s in appdata.SCENES if s != "sources" or appdata.has_binding("S")]
    for scene in scenes:
        for width, height in appdata.SIZES:
            svg = HERE / f"{scene}-{width}x{height}.svg"
            svg.write_text(asyncio.run(screenshot(scene, (width, height))), encoding="utf-8")
            png = to_png(svg)
            print(svg.name, png.name if png else "(no rsvg-convert: SVG only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
