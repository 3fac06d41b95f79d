"""One browser tab's app process: textual-serve's AppService, stopped for sure and kept tame."""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlsplit

from textual_serve.app_service import AppService

QUIT_WITHIN = 5.0  # seconds an app has to quit when asked before it is killed


class Tab(AppService):
    """The app behind one websocket; only "exit" and http(s) "open_url" reach the browser."""

    async def run(self) -> None:
        await super().run()
        # The app ended (quit, crashed, killed): the page says so instead of a frozen screen.
        await self.remote_close()

    async def on_meta(self, data: bytes) -> None:
        try:
            meta = json.loads(data)
        except ValueError:
            return
        if not isinstance(meta, dict):
            return
        kind = meta.get("type")
        if kind == "exit":
            await super().on_meta(data)
        elif kind == "open_url" and _is_web_link(meta.get("url")):
            # The browser opens it in the page's origin: a javascript: link would see the token.
            await super().on_meta(data)
        # Anything else (file deliveries...) ticker never sends; it is dropped.

    async def close(self) -> None:
        """Ask the app to quit; kill it if it has not within QUIT_WITHIN seconds."""
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(self.stop(), QUIT_WITHIN)
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def pid(self) -> int | None:
        """The app process's id, once started."""
        return None if self._process is None else self._process.pid


def _is_web_link(url: object) -> bool:
    return isinstance(url, str) and urlsplit(url).scheme in ("http", "https")
