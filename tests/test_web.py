"""`ticker web` without a browser: who is served, who is refused, and that refusals start nothing.

The server runs on the test's loop on 127.0.0.1 (port 0) with the real app as each session's
command, behind a shell line that counts the sessions it starts, so "no process was started" is
counted, not assumed. What a session's terminal shows is read with pyte from the bytes sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import appdata
import pyte
import pytest

from ticker.__main__ import main
from ticker.errors import TickerError
from ticker.hub.serve import Log
from ticker.web import WebOptions, serve_web
from ticker.web.options import is_loopback

WAIT = 20.0  # seconds any one condition may take before the test fails
TOKEN = "s3cret-token-for-tests-0123"
# Each session appends a line to a file, then becomes the app (a viewer of the test's store).
COUNTED = 'echo started >> "$0"; exec "$@"'


@dataclass
class Running:
    url: str  # http://127.0.0.1:PORT
    log: io.StringIO
    started: Path  # a line per app process started

    def said(self, text: str) -> int:
        return self.log.getvalue().count(text)

    def sessions_started(self) -> int:
        return len(self.started.read_text().splitlines()) if self.started.exists() else 0

    def pids(self) -> list[int]:
        return [int(p) for p in re.findall(r"app process (\d+)", self.log.getvalue())]


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {within:g} s: {what}")
        await asyncio.sleep(0.05)


def viewer_command(home: Path) -> list[str]:
    data = home / "data"
    appdata.fill(appdata.session(data).store_path)
    app = [sys.executable, "-m", "ticker", "--viewer", "--data-dir", str(data)]
    return ["sh", "-c", COUNTED, str(home / "started"), *app]


@contextlib.asynccontextmanager
async def serving(home: Path, token: str | None = None) -> AsyncIterator[Running]:
    options = WebOptions(host="127.0.0.1", port=0, token=token, command=viewer_command(home))
    options.check()
    log = io.StringIO()
    task = asyncio.create_task(serve_web(options, Log(log)))
    running = Running("", log, home / "started")
    try:
        await until(lambda: running.said("web: serving on") == 1 or task.done(), "listening")
        port = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", log.getvalue())
        assert port is not None, log.getvalue()
        running.url = f"http://127.0.0.1:{port[1]}"
        yield running
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def screen_of(socket: aiohttp.ClientWebSocketResponse, wanted: str) -> str:
    """Feed the session's output into an 80x24 terminal until `wanted` is on it."""
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    text = ""
    while wanted not in text:
        left = deadline - loop.time()
        if left <= 0:
            raise AssertionError(f"{wanted!r} never showed; the screen:\n{text}")
        with contextlib.suppress(TimeoutError):
            message = await socket.receive(timeout=left)
            if message.type is aiohttp.WSMsgType.BINARY:
                stream.feed(message.data)
            elif message.type is not aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"the session ended: {message.type!r}; the screen:\n{text}")
        text = "\n".join(screen.display)
    return text


def alive(pid: int) -> bool:
    """True while `pid` runs (an exited process nobody has reaped yet counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


# -- who may be served ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_loopback_addresses_are_served_without_a_token(host: str) -> None:
    assert is_loopback(host)
    WebOptions(host=host, command=["ticker"]).check()


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.168.1.20", "news.example"])
def test_another_address_without_a_token_is_refused(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(TickerError, match="--token"):
        WebOptions(host=host, command=["ticker"]).check()
    WebOptions(host=host, token=TOKEN, command=["ticker"]).check()


@pytest.mark.parametrize("token", ["", "short", "has space in it, quite long", "x" * 15 + "?"])
def test_a_guessable_or_unsafe_token_is_refused(token: str) -> None:
    with pytest.raises(TickerError, match="at least 16"):
        WebOptions(host="0.0.0.0", token=token, command=["ticker"]).check()


def test_the_command_refuses_an_open_address_before_it_polls_or_listens(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["web", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(home / "d")])
    assert status == 2
    error = capsys.readouterr().err
    assert "--token" in error and "127.0.0.1" in error
    assert len(error.strip().splitlines()) == 1
    assert not (home / "d").exists()  # no store was made: nothing polled


# -- the server ------------------------------------------------------------------------------


async def test_without_the_token_the_page_and_the_websocket_are_403_and_start_no_process(
    home: Path,
) -> None:
    async with serving(home, token=TOKEN) as server, aiohttp.ClientSession() as http:
        for path in ("/", "/?token=", "/?token=wrong", f"/?token={TOKEN}x", f"/?Token={TOKEN}"):
            async with http.get(server.url + path) as response:
                assert response.status == 403, path
                assert "token" in await response.text()
        for path in ("/ws", "/ws/wrong", f"/ws/{TOKEN[:-1]}", f"/ws?token={TOKEN}"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(server.url + path + "?width=80&height=24")
            assert refused.value.status == 403, path
        # The right token from another site's page: a browser says where the page came from.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{server.url}/ws/{TOKEN}", origin="http://news.example")
        assert refused.value.status == 403
        assert server.sessions_started() == 0
        assert server.said("session opened") == 0

        async with http.get(f"{server.url}/?token={TOKEN}") as response:
            assert response.status == 200
            page = await response.text()
            assert response.headers["Referrer-Policy"] == "no-referrer"
        address = re.search(r'data-session-websocket-url="([^"]+)"', page)
        assert address is not None
        assert address[1] == f"ws://{server.url.removeprefix('http://')}/ws/{TOKEN}"
        assert "googleapis" not in page  # the page asks no other site for anything
        async with http.get(f"{server.url}/static/js/textual.js") as response:
            assert response.status == 200

        async with http.ws_connect(address[1] + "?width=80&height=24", origin=server.url) as socket:
            text = await screen_of(socket, "Ceasefire talks resume in Geneva")
            assert "Port of Halvik to reopen" in text
            assert server.sessions_started() == 1
            assert server.said("session opened for 127.0.0.1") == 1
        await until(lambda: server.said("session closed") == 1, "the session is closed")
        [pid] = server.pids()
        assert not alive(pid)


async def test_without_a_token_only_loopback_names_are_answered(home: Path) -> None:
    async with serving(home) as server, aiohttp.ClientSession() as http:
        port = server.url.rsplit(":", 1)[1]
        async with http.get(server.url + "/", headers={"Host": f"localhost:{port}"}) as response:
            assert response.status == 200
        # A site's name that resolves to 127.0.0.1 (DNS rebinding) reaches no app.
        for host in (f"news.example:{port}", "news.example"):
            async with http.get(server.url + "/", headers={"Host": host}) as response:
                assert response.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(server.url + "/ws", headers={"Host": host})
            assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(server.url + f"/ws/{TOKEN}")
        assert refused.value.status == 403
        assert server.sessions_started() == 0


async def test_every_session_is_its_own_process_and_all_end_when_the_server_stops(
    home: Path,
) -> None:
    async with serving(home) as server, aiohttp.ClientSession() as http:
        first = await http.ws_connect(server.url + "/ws?width=80&height=24")
        second = await http.ws_connect(server.url + "/ws?width=100&height=30")
        await screen_of(first, "Ceasefire talks")
        await until(lambda: server.said("(2 open)") == 1, "two sessions")
        pids = server.pids()
        assert len(set(pids)) == 2 and all(alive(pid) for pid in pids)
    # The server task was cancelled: each app was asked to quit (or killed) and waited for.
    assert not any(alive(pid) for pid in pids)
    assert server.said("session closed") == 2
    # Frames the app sent before it ended may still be queued: the close comes after them.
    closed = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)
    for _ in range(1000):
        message = await first.receive(timeout=WAIT)
        if message.type in closed:
            break
        assert message.type is aiohttp.WSMsgType.BINARY, message
    else:
        raise AssertionError("the websocket was not closed")
    await first.close()
    await second.close()


async def test_a_port_in_use_is_one_clear_error(home: Path) -> None:
    async with serving(home) as server:
        port = int(server.url.rsplit(":", 1)[1])
        options = WebOptions(port=port, command=["ticker"])
        with pytest.raises(
            TickerError, match=f"cannot serve on 127.0.0.1:{port}: Address already in use"
        ):
            await serve_web(options, Log(io.StringIO()))


async def test_a_server_killed_with_9_leaves_no_app_running(home: Path) -> None:
    appdata.fill(appdata.session(home / "data").store_path)
    (home / "config.toml").write_text("", encoding="utf-8")
    server = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "ticker", "web", "--port", "0", "--data-dir", str(home / "data")),
        env={**os.environ, "TICKER_CONFIG": str(home / "config.toml")},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    stderr = server.stderr
    assert stderr is not None
    said: list[str] = []
    app = 0

    async def line_with(text: str) -> str:
        while not any(text in line for line in said):
            said.append((await asyncio.wait_for(stderr.readline(), WAIT)).decode())
            assert said[-1], f"the server ended; it said: {said}"
        return next(line for line in said if text in line)

    try:
        port = re.search(r"127\.0\.0\.1:(\d+)/", await line_with("serving on"))
        assert port is not None
        async with aiohttp.ClientSession() as http:
            socket = await http.ws_connect(f"http://127.0.0.1:{port[1]}/ws?width=80&height=24")
            await screen_of(socket, "Ceasefire talks")
            opened = re.search(r"app process (\d+)", await line_with("session opened"))
            assert opened is not None
            app = int(opened[1])
            server.kill()
            await server.wait()
            await until(lambda: not alive(app), "the app process ends with its server")
            await socket.close()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
        if app and alive(app):  # the failure above: not left behind
            os.kill(app, signal.SIGKILL)
