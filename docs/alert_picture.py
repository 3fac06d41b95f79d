"""Makes docs/alert.svg, the README's picture of an alert: the app on the demo newsroom with a
rule on breaking and exclusive headlines, right after a poll fired it.

    python docs/alert_picture.py
    chromium --headless=new --no-sandbox --hide-scrollbars --window-size=1100,760 \
        --screenshot=docs/alert.png docs/alert.svg
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from ticker import config
from ticker.app.app import TickerApp
from ticker.demo import DemoServer
from ticker.session import Session

RULES = """
[[alerts]]
name = "Breaking"
badges = ["breaking", "exclusive"]
actions = ["toast", "desktop"]
"""


async def picture(out: Path) -> None:
    server = DemoServer(seed=1, tick_seconds=0)
    async with server:
        with tempfile.TemporaryDirectory() as home:
            path = Path(home) / "config.toml"
            tables = "".join(
                f'[[sources]]\nname = "{name}"\nurl = "{url}"\n\n'
                for name, url in server.live_feeds()
            )
            path.write_text(tables + RULES, encoding="utf-8")
            settings = config.load(path)
            store = Path(home) / "ticker.db"
            # The newsroom's first stories are stored before the rule exists (they never fire
            # it); then the newsroom publishes, and the app's next poll fires the rule.
            app = TickerApp(Session(store, settings.sources, settings), poll=True)
            async with app.run_test(size=(110, 32), notifications=True) as pilot:
                while not app.pane.timeline.rows:
                    await asyncio.sleep(0.05)
                while not app.pane.alerted:
                    server.advance(3)
                    await pilot.press("r")
                    for _ in range(40):
                        await asyncio.sleep(0.05)
                        if app.pane.alerted:
                            break
                await pilot.pause(0.5)
                out.write_text(app.export_screenshot(), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(picture(Path(__file__).parent / "alert.svg"))
