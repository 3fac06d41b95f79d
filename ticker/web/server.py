"""`ticker web`: the app in browsers, through textual-serve, on the poller's event loop."""

from __future__ import annotations

import asyncio
import os

from aiohttp import web

from ticker.errors import TickerError
from ticker.hub.serve import Log
from ticker.web.options import WebOptions
from ticker.web.tab import QUIT_WITHIN

MISSING = "ticker web needs textual-serve: pip install 'ticker[web]'"
_SERVER_PACKAGES = ("textual_serve", "aiohttp_jinja2", "jinja2")


async def serve_web(options: WebOptions, log: Log) -> None:
    """Serve until cancelled; then every tab's app process ends before this returns."""
    try:
        from ticker.web.routes import TickerServer
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] in _SERVER_PACKAGES:
            raise TickerError(MISSING) from None
        raise
    server = TickerServer(options, log)
    runner = web.AppRunner(
        await server._make_app(), access_log=None, shutdown_timeout=QUIT_WITHIN + 1
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, options.host or None, options.port)
        try:
            await site.start()
        except OSError as error:
            where = f"{options.host}:{options.port}"
            # asyncio's message repeats the address; the errno's own words say it once.
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise TickerError(f"cannot serve on {where}: {reason}") from None
        port = runner.addresses[0][1]
        note = " (pages need their ?token=)" if options.token is not None else ""
        log.line(f"web: serving on {page_url(options.host, port)}{note}")
        await asyncio.Event().wait()  # until the task is cancelled
    finally:
        await server.close_all()
        await runner.cleanup()


def page_url(host: str, port: int) -> str:
    """The address a browser opens (without the token, which is never logged)."""
    name = host or "0.0.0.0"
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"http://{name}:{port}/"
