"""A real Miniflux for tests, started and torn down here (issue 15, point 5).

Debian's miniflux binary (`.ci/miniflux-deps` puts it at /usr/local/bin/miniflux) on a
private PostgreSQL cluster reached over a unix socket only, serving its API on loopback. Its
feeds come from `ticker demo-server` on loopback too: Miniflux refuses private addresses
unless FETCHER_ALLOW_PRIVATE_NETWORKS is set, which this engine sets (no namespace needed).
Its scheduler never polls on its own: a test refreshes a feed through the API when it wants.

Needs root (to run PostgreSQL as the `postgres` user); whatever is missing is named in the
EngineError raised. The process helpers are tests/ttrss_engine.py's.
"""

from __future__ import annotations

import base64
import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ttrss_engine import (
    _NO_PROXY_ENV,
    _RUN_USER,
    EngineError,
    _free_port,
    _hold_root,
    _pg_bin,
    _read,
    _spawn,
    _start_postgres,
    _stop,
    _sweep_stale_roots,
    _wait_until,
)
from ttrss_engine import Engine as _PgRunner  # its _run: a command as the engine's user

ADMIN = "admin"
ADMIN_PASSWORD = "admin-password"  # Miniflux wants 6 characters at least
MINIFLUX_PATHS = ("/usr/local/bin/miniflux", "/usr/bin/miniflux")
INSTALL_HINT = "run .ci/miniflux-deps (Debian's miniflux binary) and install postgresql"

__all__ = ["ADMIN", "ADMIN_PASSWORD", "Engine", "EngineError", "running", "start"]


@dataclass
class Engine:
    """A running Miniflux: its URL, its feed server. Use `start()`."""

    root: Path
    url: str  # Miniflux's base URL; its API is at url + "/v1/"
    feed_base: str  # the demo server: http://127.0.0.1:port
    demo_feeds: int
    demo_items: int
    version: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    _socket_dir: Path = Path()
    _pg_bin: Path = Path()
    _uid: int = 0
    _gid: int = 0
    _cleanups: list[Callable[[], None]] = field(default_factory=list)

    def feed_url(self, index: int) -> str:
        """The URL of the demo server's load feed `index`."""
        return f"{self.feed_base}/load/{index}.rss"

    def api(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        user: str = ADMIN,
        password: str = ADMIN_PASSWORD,
    ) -> Any:
        """One raw API exchange (the tests' own, independent of ticker's client); its JSON."""
        data = json.dumps(body).encode() if body is not None else None
        secret = base64.b64encode(f"{user}:{password}".encode()).decode()
        request = urllib.request.Request(
            f"{self.url}/v1/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"Basic {secret}", "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=60) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as error:
            raise EngineError(
                f"Miniflux answered {method} /v1/{path} with {error.code}: {error.read()[:500]!r}"
            ) from None
        return json.loads(raw) if raw else None

    def add_user(self, login: str, password: str) -> int:
        """A Miniflux user of its own (made by the admin); its id."""
        made = self.api("POST", "users", {"username": login, "password": password})
        return int(made["id"])

    def subscribe(self, url: str, *, user: str, password: str) -> int:
        """Subscribe `user` to `url` in its first category (Miniflux fetches it now)."""
        category = self.api("GET", "categories", user=user, password=password)[0]["id"]
        made = self.api(
            "POST",
            "feeds",
            {"feed_url": url, "category_id": category},
            user=user,
            password=password,
        )
        return int(made["feed_id"])

    def refresh(self, feed_id: int, *, user: str, password: str) -> None:
        """Fetch one feed now (Miniflux does it before it answers)."""
        self.api("PUT", f"feeds/{int(feed_id)}/refresh", user=user, password=password)

    def entries(self, *, user: str, password: str, **query: object) -> dict[int, dict[str, Any]]:
        """The user's entries as Miniflux holds them, by id (at most 1,000)."""
        params = urllib.parse.urlencode({"limit": 1000, "order": "id", **query})
        answer = self.api("GET", f"entries?{params}", user=user, password=password)
        return {row["id"]: row for row in answer["entries"]}

    def requests_of(self, login: str) -> list[str]:
        """The API requests Miniflux has logged for `login`, oldest first (path and query)."""
        found = []
        for line in _read(self.root / "miniflux.log").splitlines():
            if f" username={login} " in line and "authentication_successful=true" in line:
                uri = line.split(" request_uri=", 1)[1].strip('"')
                found.append(urllib.parse.unquote(uri))
        return found

    def publish(self, feed: int, title: str | None = None) -> dict[str, Any]:
        """A new item at the top of demo load feed `feed` (the demo's /_demo/publish)."""
        query = f"feed={feed}"
        if title is not None:
            query += "&title=" + urllib.parse.quote(title)
        request = urllib.request.Request(f"{self.feed_base}/_demo/publish?{query}", method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as answer:
            reply: dict[str, Any] = json.loads(answer.read())
        return reply

    def close(self) -> None:
        """Stop everything this engine started, newest first; safe to call twice."""
        while self._cleanups:
            cleanup = self._cleanups.pop()
            with contextlib.suppress(Exception):
                cleanup()


@contextlib.contextmanager
def running(*, demo_feeds: int = 2, demo_items: int = 30, seed: int = 1) -> Iterator[Engine]:
    """A started engine for the `with` block, torn down after it, also when it fails."""
    engine = start(demo_feeds=demo_feeds, demo_items=demo_items, seed=seed)
    try:
        yield engine
    finally:
        engine.close()


def start(*, demo_feeds: int = 2, demo_items: int = 30, seed: int = 1) -> Engine:
    """Start an engine: cluster, demo feeds, Miniflux (its migrations and admin)."""
    binary = _check_requirements()
    account = pwd.getpwnam(_RUN_USER)
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="ticker-miniflux-"))
    engine = Engine(
        root=root,
        url="",
        feed_base="",
        demo_feeds=demo_feeds,
        demo_items=demo_items,
        _socket_dir=root / "run",
        _pg_bin=_pg_bin(),
        _uid=account.pw_uid,
        _gid=account.pw_gid,
    )
    _hold_root(engine)
    try:
        _sweep_stale_roots(root)
        os.chown(root, account.pw_uid, account.pw_gid)
        _start_cluster(engine)
        engine.timings["cluster"] = time.perf_counter() - began
        _start_demo(engine, seed)
        _start_miniflux(engine, binary)
        engine.version = str(engine.api("GET", "version").get("version", ""))
        engine.timings["engine"] = time.perf_counter() - began
    except BaseException:
        engine.close()
        raise
    return engine


def _check_requirements() -> str:
    """The miniflux binary; EngineError naming every missing piece, before anything starts."""
    missing = []
    binary = next((path for path in MINIFLUX_PATHS if os.access(path, os.X_OK)), None)
    binary = binary or shutil.which("miniflux")
    if binary is None:
        missing.append(f"miniflux (looked for {', '.join(MINIFLUX_PATHS)} and on PATH)")
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        missing.append("postgresql (initdb under /usr/lib/postgresql/*/bin)")
    try:
        pwd.getpwnam(_RUN_USER)
    except KeyError:
        missing.append(f"the {_RUN_USER} user (made by the postgresql package)")
    if missing or binary is None:
        raise EngineError(
            f"the real Miniflux engine cannot start: missing {'; '.join(missing)}; {INSTALL_HINT}"
        )
    if os.geteuid() != 0:
        raise EngineError(
            f"the real Miniflux engine needs root: to run PostgreSQL as the {_RUN_USER} user"
        )
    return binary


def _runner(engine: Engine) -> _PgRunner:
    """ttrss_engine's command runner, as this engine's user in its root."""
    return _PgRunner(
        root=engine.root, url="", feed_base="", demo_feeds=0, demo_items=0,
        _uid=engine._uid, _gid=engine._gid,
    )  # fmt: skip


def _start_cluster(engine: Engine) -> None:
    """A throwaway cluster with Miniflux's empty database."""
    # A superuser: Miniflux's migrations create extensions (hstore in older schemas).
    setup = "CREATE ROLE miniflux LOGIN SUPERUSER; CREATE DATABASE miniflux OWNER miniflux;"
    _start_postgres(engine, _runner(engine)._run, setup)


def _start_demo(engine: Engine, seed: int) -> None:
    """`ticker demo-server` on a free loopback port; waits for its ready line."""
    log = engine.root / "demo.log"
    port = _free_port()
    server = _spawn(
        engine,
        [
            sys.executable,
            *("-m", "ticker", "demo-server", "--host", "127.0.0.1", "--port", str(port)),
            *("--feeds", str(engine.demo_feeds), "--items", str(engine.demo_items)),
            *("--tick", "0", "--seed", str(seed)),
        ],
        log=log,
        as_root=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    engine._cleanups.append(lambda: _stop(server, signal.SIGTERM))
    _wait_until(lambda: "demo newsroom at" in _read(log), server, "ticker demo-server", log)
    engine.feed_base = f"http://127.0.0.1:{port}"


def _start_miniflux(engine: Engine, binary: str) -> None:
    """Miniflux on a free loopback port: migrations, the admin, no polling of its own."""
    log = engine.root / "miniflux.log"
    port = _free_port()
    engine.url = f"http://127.0.0.1:{port}"
    env = {
        **_NO_PROXY_ENV,
        "DATABASE_URL": f"host={engine._socket_dir} user=miniflux dbname=miniflux sslmode=disable",
        "RUN_MIGRATIONS": "1",
        "CREATE_ADMIN": "1",
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LISTEN_ADDR": f"127.0.0.1:{port}",
        "BASE_URL": engine.url,
        # The demo server is on loopback: Miniflux refuses private addresses by default.
        "FETCHER_ALLOW_PRIVATE_NETWORKS": "1",
        # No polling of its own: a test refreshes a feed when it wants its new items.
        "DISABLE_SCHEDULER_SERVICE": "1",
        "POLLING_FREQUENCY": "1440",
        "WORKER_POOL_SIZE": "2",
        "LOG_LEVEL": "info",
    }
    server = _spawn(
        engine,
        [binary],
        log=log,
        env=env,
    )
    engine._cleanups.append(lambda: _stop(server, signal.SIGTERM))

    def answers() -> bool:
        try:
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"{engine.url}/healthcheck", timeout=5
            ) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    _wait_until(answers, server, "miniflux", log)


if __name__ == "__main__":
    # `python tests/miniflux_engine.py`: start one, print where it is, stop on Enter.
    with running() as _engine:
        print(_engine.url, _engine.feed_base, _engine.version, _engine.timings, flush=True)
        input()
