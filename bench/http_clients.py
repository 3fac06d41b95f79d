#!/usr/bin/env python
"""Client-side CPU cost per request of the HTTP stacks `ticker` could poll feeds with.

    python bench/http_clients.py [--requests 2000] [--runs 5] [--checks] [--sniffio-path DIR]

Clients compared, each streaming a ~40 KB RSS body over keep-alive connections the way a
feed poller reads it (chunks, never `.read()` in one go):

  httpx          httpx.AsyncClient() with its default transport (httpcore + anyio + h11)
  httpx+aiohttp  httpx.AsyncClient(transport=httpx_aiohttp.AiohttpTransport())
  aiohttp        aiohttp.ClientSession alone (resp.content.iter_chunked)

at concurrency 1, 16 and 64 (C worker tasks sharing a budget of R requests: a bounded
gather), plus one conditional-GET variant per client (If-None-Match -> 304, at c=16).

The server is an aiohttp.web app in a SEPARATE process (this file with `--_serve`), bound
to 127.0.0.1:0, so `time.process_time()` in this process counts client work only. Each
run builds a fresh client, warms it up (opens the pool, outside the timed window), then
times R requests: wall seconds and client CPU seconds. Per configuration we print the
median / min / max over runs of CPU ms per request and of requests per second, the
server's CPU per request (to show whether the server bounded the wall numbers) and how
many TCP connections the server saw opened during the timed window (0 = keep-alive held).

Also measured: start-up cost of each client in a fresh interpreter (import, construct,
first request), and whether `sniffio` being importable changes httpx's default transport
(httpcore calls `import sniffio` on hot paths; a failed import is not cached).

`--checks` verifies, for httpx + AiohttpTransport (and, for contrast, httpx's default
transport), the behaviours the fetcher design relies on: gzip decoding / bomb bounding
while streaming, connect/read timeouts, redirects (limit, file:// and ftp:// targets) and
the exception raised for a refused connection.

Everything runs on 127.0.0.1; every request loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
FEED_PATH = "/feed.xml"
CONCURRENCIES = (1, 16, 64)
CONDITIONAL_CONCURRENCY = 16
AIOHTTP_CHUNK = 16 * 1024  # what httpx_aiohttp.AiohttpResponseStream uses
RUN_TIMEOUT_S = 60.0  # hard bound per timed run
CHECK_TIMEOUT_S = 10.0  # hard bound per check
BOMB_MIB = 128  # decoded size of the gzip bomb
CAP_BYTES = 1 * 1024 * 1024  # cap on decoded bytes a poller would enforce


# --------------------------------------------------------------------------------------
# Server (runs in its own process: `python bench/http_clients.py --_serve`)
# --------------------------------------------------------------------------------------


def make_feed(target_bytes: int = 40_000) -> bytes:
    """A deterministic RSS 2.0 document of about `target_bytes`."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Bench Newsroom</title><link>http://example.invalid/</link>"
        "<description>Benchmark feed</description>\n"
    )
    items = []
    i = 0
    size = len(head)
    while size < target_bytes - 300:
        item = (
            f"<item><title>Headline number {i}: markets, weather and a long enough title"
            f"</title><link>http://example.invalid/news/{i}</link>"
            f'<guid isPermaLink="false">bench-{i}</guid>'
            f"<pubDate>Mon, 0{i % 9 + 1} Jan 2024 12:{i % 60:02d}:00 GMT</pubDate>"
            f"<description>Paragraph {i} &lt;b&gt;with&lt;/b&gt; some markup and enough "
            f"words to look like a real summary of a news story, item {i}.</description>"
            "</item>\n"
        )
        items.append(item)
        size += len(item)
        i += 1
    return (head + "".join(items) + "</channel></rss>\n").encode()


def serve_main() -> None:
    from aiohttp import web, web_server

    feed = make_feed()
    etag = '"' + hashlib.sha1(feed).hexdigest()[:16] + '"'
    feed_gz = gzip.compress(feed, compresslevel=6)
    bomb: dict[str, bytes] = {}
    counters = {"connections": 0, "requests": 0}
    rss_headers = {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag}

    async def feed_handler(request: web.Request) -> web.StreamResponse:
        counters["requests"] += 1
        inm = request.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            if etag in tags or "*" in tags:
                return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=feed, headers=rss_headers)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({**counters, "cpu": time.process_time()})

    async def gzip_feed(request: web.Request) -> web.Response:
        return web.Response(body=feed_gz, headers={**rss_headers, "Content-Encoding": "gzip"})

    async def gzip_bomb(request: web.Request) -> web.Response:
        if "body" not in bomb:  # built on first use only (checks mode)
            zeros = bytes(1024 * 1024)
            comp = __import__("zlib").compressobj(9, 8, 31)  # 31 = gzip container
            parts = [comp.compress(zeros) for _ in range(BOMB_MIB)]
            bomb["body"] = b"".join(parts) + comp.flush()
        return web.Response(
            body=bomb["body"],
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        )

    async def slow_headers(request: web.Request) -> web.Response:
        await asyncio.sleep(min(float(request.query.get("delay", "2")), 3.0))
        return web.Response(body=feed, headers=rss_headers)

    async def slow_body(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers=rss_headers)
        resp.content_length = len(feed)
        await resp.prepare(request)
        await resp.write(feed[:1024])
        await asyncio.sleep(min(float(request.query.get("delay", "2")), 3.0))
        with contextlib.suppress(ConnectionError):  # the client timed out and left
            await resp.write(feed[1024:])
            await resp.write_eof()
        return resp

    async def redirect_chain(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        target = FEED_PATH if n <= 1 else f"/redirect/{n - 1}"  # n hops in all
        raise web.HTTPFound(target)

    async def redirect_to(request: web.Request) -> web.Response:
        # Location header set verbatim (HTTPFound would also do, but be explicit).
        return web.Response(status=302, headers={"Location": request.query["url"]})

    app = web.Application()
    app.router.add_get(FEED_PATH, feed_handler)
    app.router.add_get("/stats", stats)
    app.router.add_get("/gzip-feed", gzip_feed)
    app.router.add_get("/gzip-bomb", gzip_bomb)
    app.router.add_get("/slow-headers", slow_headers)
    app.router.add_get("/slow-body", slow_body)
    app.router.add_get(r"/redirect/{n:\d+}", redirect_chain)
    app.router.add_get("/redirect-to", redirect_to)

    async def raw_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Broken servers aiohttp.web will not imitate: /drop closes without a response,
        /truncated promises 40000 bytes, sends 1000 and closes."""
        with contextlib.suppress(Exception):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            path = head.split(b" ", 2)[1]
            if path.startswith(b"/truncated"):
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                    b"Content-Length: 40000\r\n\r\n" + feed[:1000]
                )
                await writer.drain()
        writer.close()

    async def main() -> None:
        raw = await asyncio.start_server(raw_conn, HOST, 0)
        raw_port = raw.sockets[0].getsockname()[1]
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        server: web_server.Server = runner.server  # type: ignore[assignment]
        orig_made = server.connection_made

        def connection_made(handler: Any, transport: Any) -> None:
            counters["connections"] += 1
            orig_made(handler, transport)

        server.connection_made = connection_made  # type: ignore[method-assign]
        site = web.TCPSite(runner, HOST, 0, backlog=1024)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        info = {
            "port": port,
            "etag": etag,
            "body_len": len(feed),
            "gz_len": len(feed_gz),
            "raw_port": raw_port,
        }
        print(json.dumps(info), flush=True)
        # Exit when the parent closes our stdin (or after a hard ceiling of 15 minutes).
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.add_reader(sys.stdin.fileno(), lambda: done.done() or done.set_result(None))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(done, 900)
        await runner.cleanup()

    asyncio.run(main())


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    etag: str
    body_len: int
    gz_len: int
    raw_port: int = 0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stats(self) -> dict[str, float]:
        # Blocking stdlib call, only ever made outside timed windows.
        import urllib.request

        with urllib.request.urlopen(self.base + "/stats", timeout=5) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if self.proc.stdin:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_server() -> Server:
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--_serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("bench server failed to start")
    info = json.loads(line)
    return Server(
        proc, info["port"], info["etag"], info["body_len"], info["gz_len"], info["raw_port"]
    )


# --------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------

CLIENTS = ("httpx", "httpx+aiohttp", "aiohttp")
LABELS = {
    "httpx": "httpx (httpcore)",
    "httpx+aiohttp": "httpx+AiohttpTransport",
    "aiohttp": "aiohttp alone",
}

Fetch = Callable[[], Awaitable[tuple[int, int]]]


class BenchClient:
    """A client under test: `fetch()` does one streamed GET; `aclose()` releases it."""

    def __init__(self, kind: str, url: str, headers: dict[str, str]) -> None:
        self.kind = kind
        self.url = url
        self.headers = headers
        self.fetch: Fetch
        self._closer: Callable[[], Awaitable[None]]

    @classmethod
    async def create(cls, kind: str, url: str, headers: dict[str, str]) -> BenchClient:
        self = cls(kind, url, headers)
        if kind in ("httpx", "httpx+aiohttp"):
            import httpx

            # Both pools may keep every connection alive (httpx's default keeps only 20
            # idle ones, which would make c=64 a reconnect benchmark instead).
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
            timeout = httpx.Timeout(10.0)
            if kind == "httpx":
                client = httpx.AsyncClient(limits=limits, timeout=timeout)
            else:
                import httpx_aiohttp

                client = httpx.AsyncClient(
                    transport=httpx_aiohttp.AiohttpTransport(limits=limits), timeout=timeout
                )

            async def fetch() -> tuple[int, int]:
                n = 0
                async with client.stream("GET", url, headers=headers) as resp:
                    async for chunk in resp.aiter_bytes():
                        n += len(chunk)
                    return resp.status_code, n

            self.fetch = fetch
            self._closer = client.aclose
        else:
            import aiohttp

            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=10),
            )

            async def fetch() -> tuple[int, int]:
                n = 0
                async with session.get(url, headers=headers) as resp:
                    async for chunk in resp.content.iter_chunked(AIOHTTP_CHUNK):
                        n += len(chunk)
                    return resp.status, n

            self.fetch = fetch
            self._closer = session.close
        return self

    async def aclose(self) -> None:
        await self._closer()


async def drive(fetch: Fetch, total: int, concurrency: int, expect: tuple[int, int]) -> int:
    """Run `total` fetches with at most `concurrency` in flight; return the mismatch count."""
    remaining = total
    bad = 0

    async def worker() -> None:
        nonlocal remaining, bad
        while remaining > 0:
            remaining -= 1
            if await fetch() != expect:
                bad += 1

    await asyncio.gather(*(worker() for _ in range(min(concurrency, total))))
    return bad


@dataclass
class Config:
    client: str
    concurrency: int
    conditional: bool = False

    @property
    def name(self) -> str:
        mode = "304 If-None-Match" if self.conditional else "200 stream 40KB"
        return f"{LABELS[self.client]:<23} {mode}"


@dataclass
class RunResult:
    wall: float
    cpu: float
    srv_cpu: float
    new_conns: int


@dataclass
class Series:
    config: Config
    runs: list[RunResult] = field(default_factory=list)


async def timed_run(server: Server, cfg: Config, requests: int) -> RunResult:
    headers = {"If-None-Match": server.etag} if cfg.conditional else {}
    expect = (304, 0) if cfg.conditional else (200, server.body_len)
    client = await BenchClient.create(cfg.client, server.base + FEED_PATH, headers)
    try:
        async with asyncio.timeout(RUN_TIMEOUT_S):
            # Warm-up: fill the pool with `concurrency` keep-alive connections.
            bad = await drive(client.fetch, 2 * cfg.concurrency + 20, cfg.concurrency, expect)
            before = server.stats()
            w0, c0 = time.perf_counter(), time.process_time()
            bad += await drive(client.fetch, requests, cfg.concurrency, expect)
            c1, w1 = time.process_time(), time.perf_counter()
            after = server.stats()
        if bad:
            raise RuntimeError(f"{cfg.name}: {bad} responses had an unexpected status/length")
    finally:
        await client.aclose()
    return RunResult(
        wall=w1 - w0,
        cpu=c1 - c0,
        srv_cpu=after["cpu"] - before["cpu"],
        # minus 1: the `after` stats call's own urllib connection
        new_conns=int(after["connections"] - before["connections"]) - 1,
    )


async def run_series(
    server: Server, configs: list[Config], requests: int, runs: int, progress: bool = True
) -> list[Series]:
    series = [Series(c) for c in configs]
    for r in range(runs):
        # Rotate the order each run so slow drift (thermal, other load) hits all configs.
        order = series[r % len(series) :] + series[: r % len(series)]
        for s in order:
            s.runs.append(await timed_run(server, s.config, requests))
        if progress:
            print(f"  run {r + 1}/{runs} done", file=sys.stderr, flush=True)
    return series


def summarise(s: Series, requests: int) -> dict[str, Any]:
    cpu_ms = [r.cpu / requests * 1e3 for r in s.runs]
    rps = [requests / r.wall for r in s.runs]
    srv_ms = [r.srv_cpu / requests * 1e3 for r in s.runs]
    return {
        "cpu_ms": (statistics.median(cpu_ms), min(cpu_ms), max(cpu_ms)),
        "rps": (statistics.median(rps), min(rps), max(rps)),
        "srv_ms": statistics.median(srv_ms),
        "new_conns": max(r.new_conns for r in s.runs),
    }


def print_table(series: list[Series], requests: int) -> None:
    base = {
        (s.config.concurrency, s.config.conditional): summarise(s, requests)["cpu_ms"][0]
        for s in series
        if s.config.client == "aiohttp"
    }
    hdr = (
        f"{'configuration':<41}{'conc':>5}  {'client CPU ms/req':>8} {'[min..max]':<15}"
        f"{'vs aiohttp':>10}  {'req/s':>7} {'[min..max]':<13}{'srv ms/req':>10}"
        f"{'new conns':>10}"
    )
    print(hdr)
    print("-" * len(hdr))
    for s in series:
        m = summarise(s, requests)
        cm, cmin, cmax = m["cpu_ms"]
        rm, rmin, rmax = m["rps"]
        ref = base.get((s.config.concurrency, s.config.conditional))
        ratio = f"{cm / ref:.2f}x" if ref else "-"
        print(
            f"{s.config.name:<41}{s.config.concurrency:>5}  {cm:>8.3f} "
            f"{f'[{cmin:.3f}..{cmax:.3f}]':<15}{ratio:>10}  {rm:>7.0f} "
            f"{f'[{rmin:.0f}..{rmax:.0f}]':<13}{m['srv_ms']:>10.3f}{m['new_conns']:>10}"
        )


# --------------------------------------------------------------------------------------
# Start-up cost (fresh interpreters)
# --------------------------------------------------------------------------------------

STARTUP_SNIPPET = r"""
import sys, time, json
t0 = time.perf_counter()
KIND = sys.argv[1]; URL = sys.argv[2]
if KIND == "httpx+aiohttp":
    import httpx, httpx_aiohttp
elif KIND == "httpx":
    import httpx
else:
    import aiohttp
t1 = time.perf_counter()
import asyncio
async def main():
    ta = time.perf_counter()
    if KIND == "aiohttp":
        c = aiohttp.ClientSession()
    elif KIND == "httpx":
        c = httpx.AsyncClient()
    else:
        c = httpx.AsyncClient(transport=httpx_aiohttp.AiohttpTransport())
    tb = time.perf_counter()
    if KIND == "aiohttp":
        async with c.get(URL) as r:
            async for _ in r.content.iter_chunked(16384):
                pass
    else:
        async with c.stream("GET", URL) as r:
            async for _ in r.aiter_bytes():
                pass
    tc = time.perf_counter()
    if KIND == "aiohttp":
        await c.close()
    else:
        await c.aclose()
    return tb - ta, tc - tb
construct, first = asyncio.run(main())
print(json.dumps({"import": t1 - t0, "construct": construct, "first": first,
                  "modules": len(sys.modules)}))
"""

STARTUP_TARGETS = (
    ("httpx", "import httpx"),
    ("httpx+aiohttp", "import httpx, httpx_aiohttp"),
    ("aiohttp", "import aiohttp"),
)


def importtime_top(stmt: str, n: int = 4) -> list[tuple[str, float]]:
    """Top-level packages by cumulative import time, from `python -X importtime`."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", stmt],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stderr
    per_pkg: dict[str, float] = {}
    for line in out.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(fields) != 3:
            continue
        try:
            self_us = int(fields[0])
        except ValueError:  # the header line
            continue
        top = fields[2].strip().split(".")[0]
        per_pkg[top] = per_pkg.get(top, 0.0) + self_us / 1e3
    return sorted(per_pkg.items(), key=lambda kv: -kv[1])[:n]


def startup_report(server: Server, reps: int) -> None:
    print(f"Start-up in a fresh interpreter (median of {reps}; ms)")
    base = []
    for _ in range(reps):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=30)
        base.append((time.perf_counter() - t) * 1e3)
    print(f"  bare interpreter start+exit: {statistics.median(base):.1f} ms")
    hdr = f"  {'client':<30}{'import':>8}{'construct':>11}{'1st req':>9}{'total':>8}{'modules':>9}"
    print(hdr)
    for kind, stmt in STARTUP_TARGETS:
        rows = []
        for _ in range(reps):
            out = subprocess.run(
                [sys.executable, "-c", STARTUP_SNIPPET, kind, server.base + FEED_PATH],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
            rows.append(json.loads(out))
        med = {k: statistics.median(r[k] for r in rows) for k in ("import", "construct", "first")}
        total = sum(med.values())
        print(
            f"  {stmt:<30}{med['import'] * 1e3:>8.1f}{med['construct'] * 1e3:>11.1f}"
            f"{med['first'] * 1e3:>9.1f}{total * 1e3:>8.1f}{rows[0]['modules']:>9}"
        )
    print("  heaviest packages by self import time (-X importtime, one run):")
    for _kind, stmt in STARTUP_TARGETS:
        top = importtime_top(stmt)
        print(f"    {stmt:<30}" + ", ".join(f"{k} {v:.1f}" for k, v in top))
    print(
        "  (import = the import statement; construct = first client object, which for\n"
        "   httpx also lazily imports httpcore and builds an SSL context from certifi;\n"
        "   1st req = first streamed GET on loopback, incl. lazy imports such as anyio/h11)"
    )


# --------------------------------------------------------------------------------------
# sniffio variant (httpx default transport in a subprocess)
# --------------------------------------------------------------------------------------


def sniffio_status() -> str:
    import importlib.util

    spec = importlib.util.find_spec("sniffio")
    return f"installed ({spec.origin})" if spec else "NOT installed"


def sniffio_worker(args: argparse.Namespace) -> None:
    """Subprocess entry: bench httpx's default transport under one sniffio condition."""
    if args._sniffio_mode == "hidden":
        sys.modules["sniffio"] = None  # type: ignore[assignment]  # import now fails fast
    import httpcore._synchronization as sync

    calls = 0
    orig = sync.current_async_library

    def counted() -> str:
        nonlocal calls
        calls += 1
        return orig()

    sync.current_async_library = counted  # type: ignore[assignment]
    server = Server(None, args._port, args._etag, args._body_len, 0)  # type: ignore[arg-type]
    configs = [Config("httpx", c) for c in (1, 16)]

    async def main() -> list[Series]:
        return await run_series(server, configs, args.requests, args.runs, progress=False)

    series = asyncio.run(main())
    # every request of the timed runs and of their warm-ups (2c+20 each)
    total_reqs = args.runs * sum(args.requests + 2 * c.concurrency + 20 for c in configs)
    out = {
        "sniffio": getattr(sys.modules.get("sniffio"), "__file__", None),
        "calls_per_req": calls / max(total_reqs, 1),
        "series": [{"c": s.config.concurrency, **summarise(s, args.requests)} for s in series],
    }
    print(json.dumps(out))


def sniffio_report(server: Server, args: argparse.Namespace) -> None:
    status = sniffio_status()
    print(f"sniffio and httpx's default transport (sniffio in this venv: {status})")
    modes: list[tuple[str, str, dict[str, str]]] = []
    env = dict(os.environ)
    modes.append(("as installed in venv", "asis", env))
    modes.append(("hidden: sys.modules['sniffio']=None", "hidden", env))
    if args.sniffio_path:
        env2 = dict(env)
        env2["PYTHONPATH"] = os.pathsep.join(
            [args.sniffio_path, *filter(None, [env.get("PYTHONPATH")])]
        )
        modes.append((f"on path ({args.sniffio_path})", "asis", env2))
    elif "NOT" in status:
        print("  (pass --sniffio-path DIR with an unpacked sniffio wheel to also bench it present)")
    runs = min(args.runs, 3)
    reqs = min(args.requests, 1000)  # keeps the whole bench under ~3 minutes
    print(
        f"  httpx default transport, 200 stream, {reqs} req x {runs} runs, medians; "
        "each row a subprocess"
    )
    print(
        f"  {'condition':<44}{'CPU ms/req c=1':>15}{'c=16':>8}{'req/s c=1':>11}{'c=16':>8}"
        f"{'sniff calls/req':>17}{'sniffio loaded':>16}"
    )
    for label, mode, env_m in modes:
        cmd = [
            sys.executable,
            os.path.abspath(__file__),
            "--_sniffio-worker",
            "--_sniffio-mode",
            mode,
            "--_port",
            str(server.port),
            "--_etag",
            server.etag,
            "--_body-len",
            str(server.body_len),
            "--requests",
            str(reqs),
            "--runs",
            str(runs),
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env_m, timeout=300)
        if res.returncode != 0:
            print(f"  {label:<44}FAILED: {res.stderr.strip().splitlines()[-1:]}")
            continue
        out = json.loads(res.stdout.strip().splitlines()[-1])
        by_c = {s["c"]: s for s in out["series"]}
        print(
            f"  {label:<44}{by_c[1]['cpu_ms'][0]:>15.3f}{by_c[16]['cpu_ms'][0]:>8.3f}"
            f"{by_c[1]['rps'][0]:>11.0f}{by_c[16]['rps'][0]:>8.0f}{out['calls_per_req']:>17.1f}"
            f"{'yes' if out['sniffio'] else 'no':>16}"
        )
    print(
        "  (httpcore.current_async_library() does `import sniffio` on every call; when the\n"
        "   module is absent each call is a failed import that walks sys.path finders)"
    )


# --------------------------------------------------------------------------------------
# --checks: behaviour of httpx + AiohttpTransport that the fetcher design relies on
# --------------------------------------------------------------------------------------


def make_httpx(kind: str, **kw: Any) -> Any:
    import httpx

    if kind == "httpx+aiohttp":
        import httpx_aiohttp

        return httpx.AsyncClient(transport=httpx_aiohttp.AiohttpTransport(), **kw)
    return httpx.AsyncClient(**kw)


def exc_name(e: BaseException) -> str:
    mod = type(e).__module__.split(".")[0]
    return f"{mod}.{type(e).__name__}"


async def run_check(fn: Callable[[], Awaitable[str]]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await fn()
    except TimeoutError:
        return f"did not finish within {CHECK_TIMEOUT_S:.0f}s (bounded by the check)"
    except Exception as e:
        return f"raised {exc_name(e)}: {str(e)[:100]}"


def full_backlog_listener() -> tuple[socket.socket, list[socket.socket], int]:
    """A listener whose accept queue is full: further SYNs are dropped -> connect hangs."""
    lsock = socket.socket()
    lsock.bind((HOST, 0))
    lsock.listen(0)
    port = lsock.getsockname()[1]
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            s.connect((HOST, port))
        fillers.append(s)
    time.sleep(0.2)
    return lsock, fillers, port


def refused_port() -> int:
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now -> RST -> ECONNREFUSED
    return port


async def checks(server: Server) -> None:
    import aiohttp
    import httpx

    base = server.base
    kinds = ("httpx+aiohttp", "httpx")
    feed_plain = None
    async with make_httpx("httpx") as c:
        feed_plain = (await c.get(base + FEED_PATH)).content

    print("(a) gzip: httpx decodes Content-Encoding while streaming; decoded-bytes cap vs bomb")
    for kind in kinds:

        async def gz_feed(kind: str = kind) -> str:
            async with make_httpx(kind) as c:
                async with c.stream("GET", base + "/gzip-feed") as r:
                    decoded = b"".join([ch async for ch in r.aiter_bytes()])
                async with c.stream("GET", base + "/gzip-feed") as r:
                    raw = sum([len(ch) async for ch in r.aiter_raw()])
            ok = decoded == feed_plain
            return (
                f"gzip feed: aiter_bytes -> {len(decoded)} B, identical to plain body: {ok};"
                f" aiter_raw -> {raw} B (server sent {server.gz_len} B gzip)"
            )

        async def bomb(kind: str = kind) -> str:
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            async with make_httpx(kind) as c:
                total = biggest = chunks = 0
                async with c.stream("GET", base + "/gzip-bomb") as r:
                    async for ch in r.aiter_bytes():
                        chunks += 1
                        total += len(ch)
                        biggest = max(biggest, len(ch))
                        if total > CAP_BYTES:
                            break
                    wire = r.num_bytes_downloaded
            rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return (
                f"bomb ({BOMB_MIB} MiB zeros gzip'd), cap {CAP_BYTES >> 20} MiB decoded: "
                f"stopped after {chunks} chunk(s), {total / 2**20:.1f} MiB decoded, "
                f"{wire / 1024:.0f} KiB read off the wire; largest decoded chunk "
                f"{biggest / 2**20:.1f} MiB; peak RSS +{(rss1 - rss0) / 1024:.0f} MiB"
            )

        print(f"  [{kind}] {await run_check(gz_feed)}")
        print(f"  [{kind}] {await run_check(bomb)}")

    print("(b) timeouts: httpx.Timeout(connect=, read=) honoured?")
    for kind in kinds:

        async def read_hdr(kind: str = kind) -> str:
            t = time.perf_counter()
            async with make_httpx(kind, timeout=httpx.Timeout(5.0, read=0.3)) as c:
                try:
                    async with c.stream("GET", base + "/slow-headers?delay=2") as r:
                        async for _ in r.aiter_bytes():
                            pass
                    return f"no timeout, took {time.perf_counter() - t:.2f}s (server delays 2s)"
                except httpx.HTTPError as e:
                    took = time.perf_counter() - t
                    return f"read=0.3, headers delayed 2s -> {exc_name(e)} after {took:.2f}s"

        async def read_body(kind: str = kind) -> str:
            t = time.perf_counter()
            async with make_httpx(kind, timeout=httpx.Timeout(5.0, read=0.3)) as c:
                got = 0
                try:
                    async with c.stream("GET", base + "/slow-body?delay=2") as r:
                        async for ch in r.aiter_bytes():
                            got += len(ch)
                    return f"no timeout, took {time.perf_counter() - t:.2f}s"
                except httpx.HTTPError as e:
                    return (
                        f"read=0.3, body stalls 2s after {got} B -> {exc_name(e)} "
                        f"after {time.perf_counter() - t:.2f}s"
                    )

        async def connect_to(kind: str = kind) -> str:
            lsock, fillers, port = full_backlog_listener()
            try:
                # Premise: does a raw connect to this port really hang?
                probe = socket.socket()
                probe.settimeout(0.3)
                try:
                    probe.connect((HOST, port))
                    premise = "NOT simulated (raw connect succeeded: kernel accepted it)"
                except TimeoutError:
                    premise = "raw connect hangs"
                finally:
                    probe.close()
                t = time.perf_counter()
                async with make_httpx(kind, timeout=httpx.Timeout(5.0, connect=0.3)) as c:
                    try:
                        await c.get(f"http://{HOST}:{port}/")
                        res = "no exception"
                    except httpx.HTTPError as e:
                        res = exc_name(e)
                return (
                    f"connect=0.3 to a full-backlog listener ({premise}) -> {res} after "
                    f"{time.perf_counter() - t:.2f}s"
                )
            finally:
                for s in fillers:
                    s.close()
                lsock.close()

        for fn in (read_hdr, read_body, connect_to):
            print(f"  [{kind}] {await run_check(fn)}")

    print("(c) redirects: follow_redirects=True, max_redirects=N; non-HTTP targets")
    for kind in kinds:

        async def chain_ok(kind: str = kind) -> str:
            async with (
                make_httpx(kind, follow_redirects=True, max_redirects=5) as c,
                c.stream("GET", base + "/redirect/5") as r,
            ):
                n = sum([len(ch) async for ch in r.aiter_bytes()])
                return (
                    f"5 hops, max 5 -> {r.status_code}, {n} B, history "
                    f"{[h.status_code for h in r.history]}, final {r.url.path}"
                )

        async def chain_too_long(kind: str = kind) -> str:
            async with make_httpx(kind, follow_redirects=True, max_redirects=5) as c:
                try:
                    async with c.stream("GET", base + "/redirect/6") as r:
                        return f"6 hops, max 5 -> NO exception, status {r.status_code}"
                except httpx.HTTPError as e:
                    return f"6 hops, max 5 -> {exc_name(e)}: {e}"

        async def to_scheme(target: str, kind: str = kind) -> str:
            from urllib.parse import quote

            async with make_httpx(kind, follow_redirects=True, max_redirects=5) as c:
                try:
                    async with c.stream("GET", f"{base}/redirect-to?url={quote(target)}") as r:
                        body = b"".join([ch async for ch in r.aiter_bytes()])
                        return f"-> {target}: NO exception! status {r.status_code}, {body[:40]!r}"
                except httpx.HTTPError as e:
                    return (
                        f"-> {target}: {exc_name(e)} (is httpx.HTTPError: True; "
                        f"request url {e.request.url}): {str(e)[:70]}"
                    )

        print(f"  [{kind}] {await run_check(chain_ok)}")
        print(f"  [{kind}] {await run_check(chain_too_long)}")
        for target in ("file:///etc/passwd", "ftp://127.0.0.1/feed.xml"):
            print(f"  [{kind}] {await run_check(lambda t=target, k=kind: to_scheme(t, k))}")

    print("(d) refused connection (port with no listener)")
    port = refused_port()
    for kind in kinds:

        async def refused(kind: str = kind) -> str:
            async with make_httpx(kind) as c:
                try:
                    await c.get(f"http://{HOST}:{port}/")
                    return "no exception"
                except httpx.HTTPError as e:
                    cause = e.__cause__ or e.__context__
                    mro = " < ".join(f"httpx.{k.__name__}" for k in type(e).__mro__[1:4])
                    return (
                        f"{exc_name(e)} ({mro}); isinstance ConnectError: "
                        f"{isinstance(e, httpx.ConnectError)}, TimeoutException: "
                        f"{isinstance(e, httpx.TimeoutException)}; cause "
                        f"{exc_name(cause) if cause else None}"
                    )

        print(f"  [{kind}] {await run_check(refused)}")

    async def refused_aiohttp() -> str:
        async with aiohttp.ClientSession() as s:
            try:
                async with s.get(f"http://{HOST}:{port}/") as r:
                    return f"no exception {r.status}"
            except aiohttp.ClientError as e:
                return f"{exc_name(e)}: {str(e)[:80]}"

    print(f"  [aiohttp alone] {await run_check(refused_aiohttp)}")

    print("(e) extra: how the transport's exception mapping classifies other network failures")
    raw = f"http://{HOST}:{server.raw_port}"
    for kind in kinds:
        for what, path in (
            ("server closes without a response", "/drop"),
            ("body truncated (CL 40000, 1000 sent)", "/truncated"),
        ):

            async def broken(path: str = path, what: str = what, kind: str = kind) -> str:
                async with make_httpx(kind) as c:
                    got = 0
                    try:
                        async with c.stream("GET", raw + path) as r:
                            async for ch in r.aiter_bytes():
                                got += len(ch)
                        return f"{what}: no exception, {got} B"
                    except httpx.HTTPError as e:
                        cause = e.__cause__ or e.__context__
                        return (
                            f"{what}: {exc_name(e)} after {got} B "
                            f"(cause {exc_name(cause) if cause else None})"
                        )

            print(f"  [{kind}] {await run_check(broken)}")


# --------------------------------------------------------------------------------------


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("httpx", "httpcore", "httpx-aiohttp", "aiohttp", "anyio", "h11", "sniffio"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg} -")
    return ", ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="requests per timed run")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per configuration")
    ap.add_argument("--checks", action="store_true", help="run the behaviour checks only")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up timings")
    ap.add_argument("--no-sniffio", action="store_true", help="skip the sniffio comparison")
    ap.add_argument("--sniffio-path", help="dir holding an unpacked sniffio, for a 'present' row")
    ap.add_argument("--_serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_sniffio-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_sniffio-mode", default="asis", help=argparse.SUPPRESS)
    ap.add_argument("--_port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_etag", help=argparse.SUPPRESS)
    ap.add_argument("--_body-len", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._serve:
        return serve_main()
    if args._sniffio_worker:
        return sniffio_worker(args)
    if args.requests < 1 or args.runs < 1:
        ap.error("--requests and --runs must be >= 1")

    t_start = time.perf_counter()
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    print(versions())
    server = start_server()
    try:
        print(
            f"server: aiohttp.web in pid {server.proc.pid} on {server.base}, "
            f"feed {server.body_len} B, ETag {server.etag}\n"
        )
        if args.checks:
            asyncio.run(checks(server))
            return
        configs = [Config(k, c) for k in CLIENTS for c in CONCURRENCIES]
        configs += [Config(k, CONDITIONAL_CONCURRENCY, conditional=True) for k in CLIENTS]
        print(
            f"Client CPU per request: {args.requests} requests x {args.runs} runs per row, "
            "keep-alive, streamed body; median [min..max] over runs"
        )
        series = asyncio.run(run_series(server, configs, args.requests, args.runs))
        print_table(series, args.requests)
        print(
            "  vs aiohttp = median client CPU / aiohttp alone's at the same concurrency/mode;\n"
            "  srv ms/req = server process CPU per request (median); new conns = max TCP\n"
            "  connections opened during a timed window (0 = every request reused one).\n"
        )
        if not args.no_sniffio:
            sniffio_report(server, args)
            print()
        if not args.no_startup:
            startup_report(server, reps=7)
    finally:
        server.stop()
        print(f"\ntotal bench time {time.perf_counter() - t_start:.0f}s")


if __name__ == "__main__":
    main()
