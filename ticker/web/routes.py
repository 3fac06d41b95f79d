"""textual-serve's server with a token, a page that asks no other site, and bounded sessions.

One websocket is one browser tab is one app process (`Tab`). The token, when set, is in the
page's query (`/?token=...`) and in the websocket's path (`/ws/<token>`): textual.js appends
`?width=..&height=..` to the websocket address it is given, so the path is where it survives.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import json
import os
import shlex
import string
import sys
from importlib.resources import files
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.server import Server

from ticker.hub.serve import Log
from ticker.web.options import WebOptions, is_loopback
from ticker.web.tab import Tab

SIZE_MAX = (500, 200)  # columns, rows a browser may ask for: each cell costs the app memory
FONT_SIZES = (8, 16, 40)  # the smallest, default and largest ?fontsize=
MESSAGE_MAX = 1 << 16  # bytes of one message from the browser: keys, sizes, pings
# The page carries the token in its address: not to be sent on as a referrer, cached, or framed.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


class TickerServer(Server):
    """Serves the app to browsers: a page, its static files, and a websocket per tab."""

    def __init__(self, options: WebOptions, log: Log) -> None:
        # `exec`: the shell textual-serve starts becomes the app, so killing it ends the app.
        command = "exec " + shlex.join([*_with_parent(), *options.command])
        super().__init__(command, host=options.host, port=options.port, title="ticker")
        self.options = options
        self._log = log
        self._page = string.Template(files("ticker.web").joinpath("page.html").read_text("utf-8"))
        self._tabs: dict[Tab, web.WebSocketResponse] = {}

    async def _make_app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.get("/", self._serve_page, name="index"),
                web.get("/ws", self._serve_websocket, name="websocket"),
                web.get("/ws/{token}", self._serve_websocket, name="websocket-token"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        return app

    @property
    def open_tabs(self) -> int:
        """How many browser tabs have an app process now."""
        return len(self._tabs)

    async def close_all(self) -> None:
        """End every tab's app process (asked to quit, then killed) and close its websocket."""
        tabs = list(self._tabs.items())
        await asyncio.gather(*(tab.close() for tab, _ in tabs), return_exceptions=True)
        await asyncio.gather(
            *(socket.close(code=WSCloseCode.GOING_AWAY) for _, socket in tabs),
            return_exceptions=True,
        )

    # -- handlers ------------------------------------------------------------------------------

    async def _serve_page(self, request: web.Request) -> web.StreamResponse:
        refused = self._refusal(request, request.query.get("token", ""))
        if refused is not None:
            return refused
        router = request.app.router
        token = self.options.token
        path = (
            router["websocket-token"].url_for(token=token)
            if token is not None
            else router["websocket"].url_for()
        )
        scheme = "wss" if request.secure else "ws"
        low, default, high = FONT_SIZES
        font_size = min(max(_number(request.query.get("fontsize"), default), low), high)
        page = self._page.substitute(
            title="ticker",
            static="/static/",
            websocket=html.escape(f"{scheme}://{request.host}{path}"),
            font_size=font_size,
        )
        return web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)

    async def _serve_websocket(self, request: web.Request) -> web.StreamResponse:
        refused = self._refusal(request, request.match_info.get("token", ""), websocket=True)
        if refused is not None:
            return refused
        if len(self._tabs) >= self.options.max_sessions:
            return _plain(503, f"Too many sessions: {self.options.max_sessions} are open.")
        columns, rows = SIZE_MAX
        width = min(max(_number(request.query.get("width"), 80), 1), columns)
        height = min(max(_number(request.query.get("height"), 24), 1), rows)
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MESSAGE_MAX)
        await websocket.prepare(request)

        async def close_websocket() -> None:
            with contextlib.suppress(Exception):
                await websocket.close()

        tab = Tab(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close_websocket,
            download_manager=self.download_manager,
        )
        self._tabs[tab] = websocket
        peer = request.remote or "?"
        try:
            await tab.start(width, height)
            self._log.line(
                f"web: session opened for {peer}: app process {tab.pid} ({self.open_tabs} open)"
            )
            await _relay(websocket, tab)
        finally:
            await tab.close()
            with contextlib.suppress(Exception):
                await websocket.close()
            del self._tabs[tab]
            self._log.line(f"web: session closed for {peer} ({self.open_tabs} open)")
        return websocket

    def _refusal(
        self, request: web.Request, given: str, *, websocket: bool = False
    ) -> web.Response | None:
        """A 403 for a wrong or missing token, a foreign page's websocket, or a foreign name."""
        token = self.options.token
        if token is None:
            if given:
                return _plain(403, "Forbidden: this server has no token.")
            # Without a token only loopback is served; a name of another site that resolves
            # to 127.0.0.1 (DNS rebinding) must not reach the app from a browser.
            if not is_loopback(_host_name(request.host)):
                return _plain(403, "Forbidden: open this page at 127.0.0.1 or localhost.")
        elif not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
            return _plain(403, "Forbidden: a wrong or missing token (open /?token=...).")
        origin = request.headers.get("Origin")
        if websocket and origin is not None and not _same_site(origin, request.host):
            # Browsers always send Origin on websockets: another site's page is refused.
            return _plain(403, "Forbidden: a page of another site.")
        return None


async def _relay(websocket: web.WebSocketResponse, tab: Tab) -> None:
    """The browser's messages to the app: keys, sizes, pings, focus; malformed ones dropped."""
    columns, rows = SIZE_MAX
    async for message in websocket:
        if message.type is not WSMsgType.TEXT:
            continue
        try:
            envelope = json.loads(message.data)
        except ValueError:
            continue
        if not isinstance(envelope, list) or not envelope:
            continue
        kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(data, str):
            await tab.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            width, height = data.get("width"), data.get("height")
            if isinstance(width, int) and isinstance(height, int):
                await tab.set_terminal_size(min(max(width, 1), columns), min(max(height, 1), rows))
        elif kind == "ping" and isinstance(data, str):
            await websocket.send_json(["pong", data[:32]])
        elif kind == "blur":
            await tab.blur()
        elif kind == "focus":
            await tab.focus()


def _with_parent() -> list[str]:
    """A prefix that makes the command die with this process, on Linux (PR_SET_PDEATHSIG).

    An app served by textual-serve does not exit when its input pipe closes: without this, a
    `ticker web` killed with -9 would leave every tab's app running for ever.
    """
    if not sys.platform.startswith("linux"):
        return []
    return [sys.executable, "-I", "-S", "-c", _DIE_WITH_PARENT, str(os.getpid())]


# prctl(PR_SET_PDEATHSIG, SIGKILL); a parent gone before that exits at once; then exec.
_DIE_WITH_PARENT = (
    "import ctypes, os, sys; ctypes.CDLL(None).prctl(1, 9); "
    "os.getppid() == int(sys.argv[1]) or sys.exit(1); os.execvp(sys.argv[2], sys.argv[2:])"
)


def _plain(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text + "\n", headers={"Cache-Control": "no-store"})


def _same_site(origin: str, host: str) -> bool:
    return urlsplit(origin).netloc.lower() == host.lower()


def _host_name(host: str) -> str:
    """The name in a Host header, without its port ('' when it cannot be read)."""
    try:
        return urlsplit(f"//{host}").hostname or ""
    except ValueError:
        return ""


def _number(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
