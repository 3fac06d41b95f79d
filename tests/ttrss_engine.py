"""A real Tiny Tiny RSS for tests and benchmarks, started and torn down here (issue 15).

Debian's tt-rss on a private PostgreSQL cluster, served by PHP's built-in server on loopback,
with a private copy of its www tree so its config (and database) is this engine's alone: two
test processes never share one. tt-rss refuses feeds on loopback and on ports other than 80
and 443, so the feeds come from `ticker demo-server` on port 80 inside a network namespace
reached over a veth pair; the updater is run on demand (no daemon), as a non-root user.

Needs root (for the namespace and to drop to the `postgres` user) and the packages that
`.ci/ttrss-deps` installs. Whatever is missing is named in the EngineError raised.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import glob
import hashlib
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TTRSS_WWW = Path("/usr/share/tt-rss/www")
TTRSS_SCHEMA = Path("/usr/share/tt-rss/schema/ttrss_schema_pgsql.sql")
TTRSS_CONFIG = Path("/etc/tt-rss/config.php")  # the package's, used as the template of ours
ADMIN = "admin"
ADMIN_PASSWORD = "password"  # the schema's own admin user
INSTALL_HINT = "install Debian's tt-rss, postgresql, php-pgsql and php-cli (.ci/ttrss-deps)"
_RUN_USER = "postgres"  # initdb and tt-rss's updater refuse root; the postgresql package makes it
_NET_BLOCKS = 16_384  # /30 blocks of 10.213.0.0/16, one per engine
_NETNS_PREFIX = "ticker-ttrss-"
_READY_TIMEOUT = 30.0
_PR_SET_PDEATHSIG = 1
# A child whose test process dies (kill -9, a crash) must not outlive it.
_DEATH_SIGNAL = {"postgres": signal.SIGQUIT, "default": signal.SIGTERM}
_NO_PROXY_ENV = {
    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
}


class EngineError(RuntimeError):
    """The engine could not be started; the message names what is missing."""


@dataclass
class _Net:
    """The namespace and veth pair of one engine, named after its locked /30 block."""

    block: int
    lock: Any
    name: str = ""
    host_if: str = ""
    host_addr: str = ""
    ns_addr: str = ""

    def __post_init__(self) -> None:
        third, fourth = divmod(self.block * 4, 256)
        self.name = f"{_NETNS_PREFIX}{self.block}"
        self.host_if = f"tkt{self.block}h"
        self.host_addr = f"10.213.{third}.{fourth + 1}"
        self.ns_addr = f"10.213.{third}.{fourth + 2}"


@dataclass
class Engine:
    """A running tt-rss: its URL, its database, its feed server. Use `start()`."""

    root: Path
    url: str  # the tt-rss base URL; its JSON API is at url + "/api/"
    feed_base: str  # the demo server in the namespace, port 80: http://10.213.x.y
    demo_feeds: int
    demo_items: int
    timings: dict[str, float] = field(default_factory=dict)
    _www: Path = Path()
    _socket_dir: Path = Path()
    _pg_bin: Path = Path()
    _uid: int = 0
    _gid: int = 0
    _cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def feed_url(self, index: int) -> str:
        """The URL of the demo server's load feed `index`, as tt-rss reaches it."""
        return f"{self.feed_base}/load/{index}.rss"

    def sql(self, statement: str) -> str:
        """Run SQL in the engine's database as its owner; the unaligned output, no headers."""
        done = self._run(
            [
                str(self._pg_bin / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self._socket_dir),
                "-U",
                "ttrss",
                "-d",
                "ttrss",
            ],
            input=statement,
        )
        return done.stdout.strip()

    def add_user(self, login: str, password: str, *, api: bool = True) -> int:
        """A tt-rss user (tt-rss's own SHA1 password form), with API access when `api`."""
        digest = hashlib.sha1(password.encode()).hexdigest()
        uid = int(
            self.sql(
                "INSERT INTO ttrss_users (login, pwd_hash, access_level, created)"
                f" VALUES ({_quote(login)}, 'SHA1:{digest}', 0, NOW()) RETURNING id;"
            )
        )
        self.set_api_access(login, api)
        return uid

    def set_api_access(self, login: str, enabled: bool) -> None:
        """Allow or refuse the JSON API to `login` (tt-rss's ENABLE_API_ACCESS preference)."""
        value = "true" if enabled else "false"
        self.sql(
            "DELETE FROM ttrss_user_prefs WHERE pref_name = 'ENABLE_API_ACCESS' AND owner_uid ="
            f" (SELECT id FROM ttrss_users WHERE login = {_quote(login)});"
            " INSERT INTO ttrss_user_prefs (owner_uid, pref_name, profile, value)"
            f" SELECT id, 'ENABLE_API_ACCESS', NULL, '{value}' FROM ttrss_users"
            f" WHERE login = {_quote(login)};"
        )

    def call(self, op: str, *, sid: str | None = None, **params: object) -> dict[str, Any]:
        """One raw API exchange (the tests' own, independent of ticker's client)."""
        body: dict[str, object] = {"op": op, **params}
        if sid is not None:
            body["sid"] = sid
        request = urllib.request.Request(
            self.api_url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=60) as answer:
            reply: dict[str, Any] = json.loads(answer.read())
        return reply

    def login(self, user: str = ADMIN, password: str = ADMIN_PASSWORD) -> str:
        """A session id for `user`; EngineError when tt-rss refuses."""
        reply = self.call("login", user=user, password=password)
        if reply.get("status") != 0:
            raise EngineError(f"tt-rss refused the login of {user}: {reply.get('content')}")
        return str(reply["content"]["session_id"])

    def subscribe(self, url: str, *, user: str = ADMIN, password: str = ADMIN_PASSWORD) -> int:
        """Subscribe `user` to `url` through the API (tt-rss fetches it once); the feed id."""
        sid = self.login(user, password)
        reply = self.call("subscribeToFeed", sid=sid, feed_url=url)
        status = reply.get("content", {}).get("status", {})
        if reply.get("status") != 0 or status.get("code") not in (0, 1):
            raise EngineError(f"tt-rss could not subscribe to {url}: {reply}")
        return int(status["feed_id"])

    def update_feeds(self, feed_ids: Iterable[int] | None = None) -> str:
        """Run tt-rss's updater once (`update.php --feeds`, no daemon); its log.

        With `feed_ids`, those feeds are made due first (and whatever else is due is updated
        too: feeds never updated); without, every feed is (`--force-update`).
        """
        args = ["/usr/bin/php", str(self._www / "update.php"), "--feeds"]
        if feed_ids is None:
            args.append("--force-update")
        else:
            ids = ",".join(str(int(i)) for i in feed_ids) or "NULL"
            self.sql(
                "UPDATE ttrss_feeds SET last_updated = '1970-01-01',"
                f" last_update_started = '1970-01-01' WHERE id IN ({ids});"
            )
        # tt-rss reuses a feed it fetched less than 30 s ago from its cache (RSSUtils): gone,
        # an update right after a publish fetches the new item, as one 30 s later would.
        for cached in (self.root / "cache" / "feeds").glob("*.xml"):
            cached.unlink()
        started = time.perf_counter()
        done = self._run(args, cwd=self._www, timeout=600)
        self.timings["last_update"] = time.perf_counter() - started
        return done.stdout

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

    def bulk_feeds(
        self,
        feeds: int,
        items: int,
        *,
        user: str = ADMIN,
        prefix: str = "http://bulk.invalid/feed/",
        category: str | None = None,
    ) -> None:
        """`feeds` feeds of `items` unread items each for `user`, straight into the database.

        For the scale bench: nothing is fetched, and the feeds are never updated (their update
        interval is -1, "disabled"), so the updater leaves them alone. Ids ascend feed by feed,
        and so do the items' dates (entered and updated), one second apart: the newest items have
        the highest ids, as on a live server, and tt-rss's date order is a total order.
        """
        total = int(feeds) * int(items)  # dates rise with ids, as a live tt-rss takes items in
        cat, new_cat = "NULL", ""
        if category is not None:
            cat = "(SELECT id FROM new_cat)"
            new_cat = (
                ", new_cat AS (INSERT INTO ttrss_feed_categories (owner_uid, title)"
                f" SELECT id, {_quote(category)} FROM owner RETURNING id)"
            )
        self.sql(
            f"""
            BEGIN;
            CREATE TEMP TABLE bulk_feed ON COMMIT DROP AS
            WITH owner AS (SELECT id FROM ttrss_users WHERE login = {_quote(user)}){new_cat},
            inserted AS (
                INSERT INTO ttrss_feeds (owner_uid, title, feed_url, site_url, cat_id,
                                         update_interval, last_updated)
                SELECT owner.id, 'Bulk feed ' || n, {_quote(prefix)} || n || '.rss',
                       {_quote(prefix)} || n || '/', {cat}, -1, NOW()
                FROM owner, generate_series(1, {int(feeds)}) AS n
                RETURNING id, owner_uid)
            SELECT id, owner_uid, row_number() OVER (ORDER BY id) AS n FROM inserted;
            CREATE TEMP TABLE bulk_entry ON COMMIT DROP AS
            WITH inserted AS (
                INSERT INTO ttrss_entries (title, guid, link, updated, content, content_hash,
                                           date_entered, date_updated, author)
                SELECT 'Bulk story ' || f.n || '.' || j,
                       'bulk:' || f.id || ':' || j,
                       {_quote(prefix)} || f.n || '/' || j || '.html',
                       NOW() - make_interval(secs => {total} - ((f.n - 1) * {int(items)} + j)),
                       '<p>Story ' || j || ' of bulk feed ' || f.n || '.</p>',
                       'SHA1:' || md5(f.id || ':' || j),
                       NOW() - make_interval(secs => {total} - ((f.n - 1) * {int(items)} + j)),
                       NOW(), 'Bulk desk'
                FROM bulk_feed AS f, generate_series(1, {int(items)}) AS j
                ORDER BY f.id, j
                RETURNING id, guid)
            SELECT id, guid FROM inserted;
            INSERT INTO ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, tag_cache,
                                            label_cache, unread)
            SELECT e.id, '', f.id, f.owner_uid, '', '', true
            FROM bulk_entry AS e JOIN bulk_feed AS f ON f.id = split_part(e.guid, ':', 2)::int;
            COMMIT;
            ANALYZE;
            """
        )

    def close(self) -> None:
        """Stop everything this engine started, newest first; safe to call twice."""
        while self._cleanups:
            cleanup = self._cleanups.pop()
            with contextlib.suppress(Exception):
                cleanup()

    def _run(
        self,
        args: list[str],
        *,
        input: str | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command as the engine's user; EngineError with its output when it fails."""
        done = subprocess.run(
            args,
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd or self.root,
            env=_NO_PROXY_ENV,
            timeout=timeout,
            **_as_user(self._uid, self._gid),
        )
        if done.returncode != 0:
            raise EngineError(
                f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
                f" {done.stdout.strip()[-1000:]}"
            )
        return done


@contextlib.contextmanager
def running(*, demo_feeds: int = 2, demo_items: int = 30, seed: int = 1) -> Iterator[Engine]:
    """A started engine for the `with` block, torn down after it, also when it fails."""
    engine = start(demo_feeds=demo_feeds, demo_items=demo_items, seed=seed)
    try:
        yield engine
    finally:
        engine.close()


def start(*, demo_feeds: int = 2, demo_items: int = 30, seed: int = 1) -> Engine:
    """Start an engine: cluster, schema, config, PHP's server, namespace, demo feeds."""
    _check_requirements()
    account = pwd.getpwnam(_RUN_USER)
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="ticker-ttrss-"))
    engine = Engine(
        root=root,
        url="",
        feed_base="",
        demo_feeds=demo_feeds,
        demo_items=demo_items,
        _www=root / "www",
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
        net = _start_network(engine)
        _start_demo(engine, net, seed)
        _write_www(engine)
        _start_php(engine)
        engine.set_api_access(ADMIN, True)
        engine.timings["engine"] = time.perf_counter() - began
    except BaseException:
        engine.close()
        raise
    return engine


def _hold_root(engine: Any) -> None:
    """The engine's root goes when it closes, and is locked while it runs (so that another
    engine's sweep leaves it alone). Any engine with `root` and `_cleanups` (Miniflux's too)."""
    root = engine.root
    engine._cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    alive = open(root / "engine.lock", "w")  # noqa: SIM115  # held while the engine runs
    fcntl.flock(alive, fcntl.LOCK_EX)
    engine._cleanups.append(alive.close)


def _sweep_stale_roots(mine: Path) -> None:
    """Remove the directories of engines of the same kind (`mine`'s name up to its random
    part: ticker-ttrss, ticker-miniflux) whose process died without tearing down (kill -9)."""
    kind = mine.name.rsplit("-", 1)[0]
    for lock in mine.parent.glob(f"{kind}-*/engine.lock"):
        if lock.parent != mine:
            with contextlib.suppress(OSError), open(lock) as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails: a live engine's
                shutil.rmtree(lock.parent, ignore_errors=True)


def _check_requirements() -> None:
    """EngineError naming every missing piece, before anything is started."""
    missing = []
    if not TTRSS_WWW.is_dir() or not TTRSS_SCHEMA.is_file() or not TTRSS_CONFIG.is_file():
        missing.append("tt-rss (Debian package: /usr/share/tt-rss, /etc/tt-rss/config.php)")
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        missing.append("postgresql (initdb under /usr/lib/postgresql/*/bin)")
    if not Path("/usr/bin/php").exists():
        missing.append("php-cli (/usr/bin/php)")
    elif not glob.glob("/usr/lib/php/*/pgsql.so") and not _php_has_pgsql():
        missing.append("php-pgsql (PHP's pdo_pgsql module)")
    if shutil.which("ip") is None:
        missing.append("iproute2 (the ip command, for the feeds' network namespace)")
    try:
        pwd.getpwnam(_RUN_USER)
    except KeyError:
        missing.append(f"the {_RUN_USER} user (made by the postgresql package)")
    if missing:
        raise EngineError(
            f"the real tt-rss engine cannot start: missing {'; '.join(missing)}; {INSTALL_HINT}"
        )
    if os.geteuid() != 0:
        raise EngineError(
            "the real tt-rss engine needs root: to create the feeds' network namespace"
            f" (ip netns) and to run PostgreSQL and tt-rss as the {_RUN_USER} user"
        )


def _php_has_pgsql() -> bool:
    done = subprocess.run(["/usr/bin/php", "-m"], capture_output=True, text=True, check=False)
    return "pdo_pgsql" in done.stdout


def _pg_bin() -> Path:
    """The newest installed PostgreSQL's programs."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(re.sub(r"\D", "", Path(p).parent.parent.name) or 0),
    )
    return Path(found[-1]).parent


def _start_cluster(engine: Engine) -> None:
    """A throwaway cluster with the tt-rss schema loaded."""
    _start_postgres(
        engine, engine._run, "CREATE ROLE ttrss LOGIN; CREATE DATABASE ttrss OWNER ttrss;"
    )
    engine.sql(TTRSS_SCHEMA.read_text(encoding="utf-8"))


def _start_postgres(engine: Any, run: Callable[..., Any], setup_sql: str) -> None:
    """A throwaway cluster on a unix socket only (no TCP), `setup_sql` run in it as postgres.

    `engine` has root, _socket_dir, _pg_bin, _uid, _gid and _cleanups (Miniflux's too); `run`
    runs a command as the engine's user.
    """
    data = engine.root / "pg"
    engine._socket_dir.mkdir()
    os.chown(engine._socket_dir, engine._uid, engine._gid)
    run(
        [
            str(engine._pg_bin / "initdb"),
            *("-D", str(data), "-U", "postgres", "--auth=trust"),
            *("--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"),
        ]
    )
    server = _spawn(
        engine,
        [
            str(engine._pg_bin / "postgres"),
            *("-D", str(data), "-k", str(engine._socket_dir), "-c", "listen_addresses="),
            # A test database: durability traded for speed.
            *("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
        ],
        log=engine.root / "postgres.log",
        death_signal=_DEATH_SIGNAL["postgres"],
    )
    # SIGINT: PostgreSQL's fast shutdown (clients cut off, no waiting on them).
    engine._cleanups.append(lambda: _stop(server, signal.SIGINT))
    _wait_until(lambda: _pg_ready(engine), server, "PostgreSQL", engine.root / "postgres.log")
    run(
        [
            str(engine._pg_bin / "psql"),
            *("-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(engine._socket_dir)),
            *("-U", "postgres", "-d", "postgres"),
        ],
        input=setup_sql,
    )


def _pg_ready(engine: Engine) -> bool:
    done = subprocess.run(
        [str(engine._pg_bin / "pg_isready"), "-q", "-h", str(engine._socket_dir)],
        check=False,
    )
    return done.returncode == 0


def _start_network(engine: Engine) -> _Net:
    """The feeds' namespace and veth pair on a /30 no other engine of this host holds."""
    _sweep_stale_nets()
    net = _lock_block()
    engine._cleanups.append(net.lock.close)
    _remove_net(net)  # what a killed earlier holder of this block left
    engine._cleanups.append(lambda: _remove_net(net))
    steps = [
        ["ip", "netns", "add", net.name],
        [
            "ip",
            "link",
            "add",
            net.host_if,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            net.name,
        ],
        ["ip", "addr", "add", f"{net.host_addr}/30", "dev", net.host_if],
        ["ip", "link", "set", net.host_if, "up"],
        ["ip", "netns", "exec", net.name, "ip", "addr", "add", f"{net.ns_addr}/30", "dev", "eth0"],
        ["ip", "netns", "exec", net.name, "ip", "link", "set", "eth0", "up"],
        ["ip", "netns", "exec", net.name, "ip", "link", "set", "lo", "up"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise EngineError(
                f"cannot create the feeds' network namespace: `{' '.join(step)}` said"
                f" {done.stderr.strip() or done.returncode} (needs root with CAP_NET_ADMIN and"
                " a kernel with network namespaces and veth)"
            )
    engine.feed_base = f"http://{net.ns_addr}"
    return net


def _sweep_stale_nets() -> None:
    """Remove the namespaces of engines whose process died without tearing down (kill -9)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    for line in listed.stdout.splitlines():
        name = line.split(" ", 1)[0]
        block = name.removeprefix(_NETNS_PREFIX)
        if name.startswith(_NETNS_PREFIX) and block.isdigit():
            lock = _lock_dir() / f"{block}.lock"
            with contextlib.suppress(OSError), open(lock, "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails: a live engine's
                _remove_net(_Net(int(block), handle))


def _lock_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "ticker-ttrss-net"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _lock_block() -> _Net:
    """Lock a free /30 of 10.213.0.0/16 for this engine (a lock per block, held while running)."""
    lock_dir = _lock_dir()
    first = random.randrange(_NET_BLOCKS)
    for step in range(_NET_BLOCKS):
        block = (first + step) % _NET_BLOCKS
        handle = open(lock_dir / f"{block}.lock", "w")  # noqa: SIM115  # held while running
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return _Net(block, handle)
    raise EngineError("no free /30 network for the feeds' namespace in 10.213.0.0/16")


def _remove_net(net: _Net) -> None:
    """Remove the namespace (killing what runs in it) and the host's end of the veth pair."""
    pids = subprocess.run(
        ["ip", "netns", "pids", net.name], capture_output=True, text=True, check=False
    ).stdout.split()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)
    # The host's end first: the kernel removes a deleted namespace's devices only later.
    subprocess.run(["ip", "link", "del", net.host_if], capture_output=True, check=False)
    subprocess.run(["ip", "netns", "del", net.name], capture_output=True, check=False)


def _start_demo(engine: Engine, net: _Net, seed: int) -> None:
    """`ticker demo-server` on port 80 inside the namespace; waits for its ready line."""
    log = engine.root / "demo.log"
    server = _spawn(
        engine,
        [
            "ip",
            "netns",
            "exec",
            net.name,
            sys.executable,
            "-m",
            "ticker",
            "demo-server",
            "--host",
            net.ns_addr,
            "--port",
            "80",
            "--feeds",
            str(engine.demo_feeds),
            "--items",
            str(engine.demo_items),
            "--tick",
            "0",
            "--seed",
            str(seed),
        ],
        log=log,
        as_root=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    engine._cleanups.append(lambda: _stop(server, signal.SIGTERM))
    _wait_until(lambda: "demo newsroom at" in _read(log), server, "ticker demo-server", log)


def _write_www(engine: Engine) -> None:
    """A private copy of tt-rss's www with a config.php of this engine's own.

    The package's www links config.php to /etc/tt-rss/config.php, which reads the one
    database of /etc/tt-rss/database.php; a copy (7 MB of PHP, translations and links) lets
    two engines run at once and leaves /etc alone.
    """
    shutil.copytree(TTRSS_WWW, engine._www, symlinks=True)
    for link in [engine._www, *engine._www.rglob("*")]:
        if link.is_symlink():  # relative links (lib/gettext -> ../../../php/...) made absolute
            target = (TTRSS_WWW / link.relative_to(engine._www)).resolve()
            link.unlink()
            link.symlink_to(target)
    (engine._www / "config.php").unlink()
    (engine._www / "feed-icons").unlink()
    for name in (
        "feed-icons",
        "lock",
        "cache/images",
        "cache/upload",
        "cache/export",
        "cache/feeds",
    ):
        (engine.root / name).mkdir(parents=True, exist_ok=True)
    (engine._www / "feed-icons").symlink_to(engine.root / "feed-icons")
    port = _free_port()
    engine.url = f"http://127.0.0.1:{port}"
    (engine._www / "config.php").write_text(_config(engine), encoding="utf-8")
    for path in [engine.root, *engine.root.rglob("*")]:
        if not path.is_relative_to(engine.root / "pg"):
            os.lchown(path, engine._uid, engine._gid)


def _config(engine: Engine) -> str:
    """The package's config.php with this engine's database, paths and URL."""
    text = TTRSS_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"include_once\('/etc/tt-rss/database\.php'\);\s*", "", text)
    values: dict[str, str] = {
        "DB_TYPE": "'pgsql'",
        "DB_HOST": _php(str(engine._socket_dir)),
        "DB_PORT": "'5432'",
        "DB_USER": "'ttrss'",
        "DB_NAME": "'ttrss'",
        "DB_PASS": "''",
        "SELF_URL_PATH": _php(engine.url + "/"),
        "LOCK_DIRECTORY": _php(str(engine.root / "lock")),
        "CACHE_DIR": _php(str(engine.root / "cache")),
        "PLUGINS": "'auth_internal'",
        "LOG_DESTINATION": "'sql'",  # errors land in ttrss_error_log, readable by a test
        "CHECK_FOR_UPDATES": "false",
    }
    for name, value in values.items():
        pattern = re.compile(rf"define\('{name}',[^;]*\);")
        replacement = f"define('{name}', {value});"
        text, count = pattern.subn(lambda _m, r=replacement: r, text)
        if count != 1:
            raise EngineError(f"the package's {TTRSS_CONFIG} has no define('{name}', ...)")
    extra = (
        # Update every feed whatever its owner's last login, as many as there are.
        "\tdefine('DAEMON_UPDATE_LOGIN_LIMIT', 0);\n"
        "\tdefine('DAEMON_FEED_LIMIT', 100000);\n"
        "\tdefine('_SKIP_SELF_URL_PATH_CHECKS', true);\n"
    )
    return text.replace("<?php", "<?php\n" + extra, 1)


def _start_php(engine: Engine) -> None:
    """PHP's built-in server on the www copy; up when the API answers."""
    log = engine.root / "php.log"
    port = engine.url.rsplit(":", 1)[1]
    server = _spawn(
        engine,
        ["/usr/bin/php", "-S", f"127.0.0.1:{port}", "-t", str(engine._www)],
        log=log,
        # One process, serving one request at a time: PHP_CLI_SERVER_WORKERS's workers would
        # outlive a killed test process (the parent-death signal reaches only their parent).
        cwd=engine._www,
    )
    engine._cleanups.append(lambda: _stop(server, signal.SIGTERM))

    def answers() -> bool:
        try:
            reply = engine.call("isLoggedIn")
        except OSError:
            return False
        return reply.get("status") == 0

    _wait_until(answers, server, "tt-rss (php -S)", log)


def _spawn(
    engine: Engine,
    args: list[str],
    *,
    log: Path,
    death_signal: int = _DEATH_SIGNAL["default"],
    as_root: bool = False,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """A long-running child, its output in `log`, signalled if this process dies first."""
    libc = ctypes.CDLL(None, use_errno=True)

    def die_with_parent() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0)

    with open(log, "wb") as out:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env if env is not None else _NO_PROXY_ENV,
            cwd=cwd or engine.root,
            preexec_fn=die_with_parent,  # no threads start engines
            **({} if as_root else _as_user(engine._uid, engine._gid)),
        )


def _as_user(uid: int, gid: int) -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    return {"user": uid, "group": gid, "extra_groups": []}


def _stop(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path
) -> None:
    """Poll `ready` until true; EngineError with the log's tail when the process ends first."""
    deadline = time.monotonic() + _READY_TIMEOUT
    while not ready():
        if process.poll() is not None:
            raise EngineError(
                f"{what} exited with {process.returncode} before it was ready: {_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise EngineError(f"{what} not ready after {_READY_TIMEOUT:g} s: {_tail(log)}")
        time.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _tail(path: Path, size: int = 1500) -> str:
    return _read(path)[-size:].strip() or "(no output)"


def _quote(value: str) -> str:
    """An SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _php(value: str) -> str:
    """A PHP single-quoted string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


if __name__ == "__main__":
    # `python tests/ttrss_engine.py`: start one, print where it is, stop on Enter.
    with running() as _engine:
        print(_engine.url, _engine.feed_base, _engine.timings, _engine.root, flush=True)
        input()
