"""The `ticker` command: the app, `headlines`, `serve`, `read`, sources, `demo-server`.

Start-up cost matters (a dashboard is opened often), so everything heavy is imported inside the
command that needs it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ticker import __version__

if TYPE_CHECKING:
    from ticker import reader
    from ticker.config import Settings
    from ticker.extract_child import ExtractChild
    from ticker.hub.serve import Log
    from ticker.model import Headline, PollOutcome, Source

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# `ticker serve`'s priority below the viewers' (its parse children: +10 more, so 19): with 5, a
# viewer's keys waited for a CPU during a cold poll of 1000 feeds (bench/README.md).
SERVE_NICENESS = 10


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    import gc

    # Start-up and a `read` make next to no cyclic garbage: the collector's passes over the
    # objects their imports build cost a read 13 ms (bench/read_process.py), and without them
    # the read of a 1.6 MB page peaks 1 MB higher. The commands that run for long collect.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _command(argv, collecting)
    finally:
        if argv is None:
            # The process ends now: the collector's last passes over every object there is
            # would cost a one-shot command about 40 ms (bench/read_process.py).
            gc.freeze()
        elif collecting:
            gc.enable()


def _command(argv: Sequence[str] | None, collecting: bool) -> int:
    from ticker import shutdown

    shutdown.install()
    args = _parser().parse_args(argv)
    if args.run is not _run_read and collecting:
        import gc

        gc.enable()
    from ticker.errors import TickerError

    try:
        return int(args.run(args))
    except TickerError as error:
        _complain(str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return shutdown.EXIT_INTERRUPTED
    except shutdown.Terminated:
        return shutdown.EXIT_TERMINATED
    except BrokenPipeError:
        # `ticker headlines | head`: the reader left; say nothing.
        sys.stderr.close()
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    sources = argparse.ArgumentParser(add_help=False)
    group = sources.add_argument_group("sources and files")
    group.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="URL",
        help="poll this feed instead of the configured sources (repeatable)",
    )
    group.add_argument(
        "--opml",
        metavar="FILE|URL",
        help="poll the feeds an OPML file (or an http(s) address of one) lists",
    )
    group.add_argument("--config", type=Path, metavar="FILE", help="config file to use")
    group.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="where the store lives ($TICKER_DATA_DIR)"
    )

    parser = argparse.ArgumentParser(
        prog="ticker",
        description="A live news ticker for the terminal.",
        parents=[sources],
    )
    parser.add_argument("--version", action="version", version=f"ticker {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against an embedded live news server on 127.0.0.1 (no network needed)",
    )
    # For the sessions `ticker ssh` and `ticker web` start: a viewer that never takes the
    # poller's role (the server polls), and one that changes no marks or sources.
    parser.add_argument("--viewer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--read-only", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(run=_run_app)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    headlines = commands.add_parser(
        "headlines",
        parents=[sources],
        help="poll once, print headlines, exit",
        description="Poll every source once, store what is new, print headlines newest first.",
    )
    headlines.add_argument("--format", choices=("plain", "json"), default="plain")
    headlines.add_argument(
        "--limit", type=_count, default=100, metavar="N", help="at most N headlines (0: all)"
    )
    headlines.add_argument("--search", metavar="QUERY", help="only headlines matching all words")
    headlines.add_argument("--badge", metavar="NAME", help="only headlines with this badge")
    headlines.add_argument(
        "--offline", action="store_true", help="print from the store without polling"
    )
    headlines.set_defaults(run=_run_headlines)

    serve = commands.add_parser(
        "serve",
        parents=[sources],
        help="poll for ever without a screen (the store's poller, for a host)",
        description="Poll every source when due, headless: one log line per round and per "
        "failing source on stderr. Other ticker processes on the store view what it stores. "
        "Stops cleanly on SIGTERM.",
    )
    serve.add_argument(
        "--once", action="store_true", help="one round, then exit (for cron): 1 if all failed"
    )
    serve.set_defaults(run=_run_serve)

    watch = commands.add_parser(
        "watch",
        parents=[sources],
        help="print headlines as they arrive, plain or JSON Lines (for scripts and pipes)",
        description="Print each headline as it reaches the store, a line each, flushed at "
        "once; an updated one again, marked. Polls when no other ticker polls the store, else "
        "fetches nothing and prints what that one stores. Stops cleanly on SIGTERM, Ctrl-C and "
        "when the reader of its output leaves.",
    )
    watch.add_argument("--format", choices=("plain", "json"), default="plain")
    watch.add_argument(
        "--backlog",
        type=_count,
        default=0,
        metavar="N",
        help="first print the N newest stored headlines (default: only what arrives)",
    )
    watch.add_argument(
        "--alerts", action="store_true", help="only headlines that fire an [[alerts]] rule"
    )
    watch.set_defaults(run=_run_watch)

    remote = argparse.ArgumentParser(add_help=False, parents=[sources])
    remote.add_argument(
        "--read-only",
        action="store_true",
        help="sessions cannot change read or starred marks, nor sources",
    )

    ssh = commands.add_parser(
        "ssh",
        parents=[remote],
        help="serve the app to SSH clients (public keys only, no shell)",
        description="Poll as `ticker serve` does, and serve the app to SSH clients: each "
        "session a viewer in its own terminal; keys from an authorized_keys file, no "
        "password, no shell, no commands.",
    )
    ssh.add_argument("--host", default="", help="address to listen on (default: every one)")
    ssh.add_argument("--port", type=int, default=2222)
    ssh.add_argument(
        "--authorized-keys",
        type=Path,
        metavar="FILE",
        help="public keys allowed in (default: authorized_keys in the config directory)",
    )
    ssh.set_defaults(run=_run_ssh)

    web = commands.add_parser(
        "web",
        parents=[remote],
        help="serve the app to web browsers (textual-serve)",
        description="Poll as `ticker serve` does, and serve the app to browsers: each tab a "
        "viewer. Listens on 127.0.0.1 unless --token is set (the page's address then carries "
        "it).",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--token", help="a secret every page must carry as ?token=... ")
    web.set_defaults(run=_run_web)

    read = commands.add_parser(
        "read",
        help="fetch a news page and print its article",
        description="Fetch a page, extract its article (title, byline, date, body, tags), print.",
    )
    read.add_argument("url", metavar="URL")
    read.add_argument("--format", choices=("plain", "markdown", "json"), default="plain")
    read.add_argument("--config", type=Path, metavar="FILE", help="config file to use")
    read.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="where the store lives ($TICKER_DATA_DIR)"
    )
    read.add_argument(
        "--refresh", action="store_true", help="fetch again even if the article is saved"
    )
    read.set_defaults(run=_run_read)

    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("--config", type=Path, metavar="FILE", help="config file to use")
    files.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="where the store lives ($TICKER_DATA_DIR)"
    )

    add = commands.add_parser(
        "add",
        parents=[files],
        help="add a news site by its address",
        description="Find a site's feeds (or, with --html, its list of headlines) and add it.",
    )
    add.add_argument("url", metavar="URL", help="a page of the site, or a feed")
    add.add_argument(
        "--html", action="store_true", help="no feed: read the page's list of headlines"
    )
    add.add_argument("--pick", action="store_true", help="choose among the feeds found")
    add.add_argument("--name", help="the source's name (default: the feed's title)")
    add.add_argument("--yes", "-y", action="store_true", help="save without asking")
    add.set_defaults(run=_run_add)

    remove = commands.add_parser(
        "remove",
        parents=[files],
        help="remove a source (its starred headlines stay)",
        description="Remove the source matching a URL, a name or a host such as example.org.",
    )
    remove.add_argument("match", metavar="URL|NAME|HOST")
    remove.set_defaults(run=_run_remove)

    listed = commands.add_parser(
        "sources",
        parents=[files],
        help="list the sources: health, headlines, next poll",
        description="Each configured source with its health, stored headlines and next poll.",
    )
    listed.add_argument("--format", choices=("plain", "json"), default="plain")
    listed.set_defaults(run=_run_sources)

    imported = commands.add_parser(
        "import",
        parents=[files],
        help="add the feeds an OPML file (or address) lists",
        description="Add every feed an OPML file or http(s) address lists (folders become "
        "categories); feeds already there are skipped.",
    )
    imported.add_argument(
        "file", metavar="FILE|URL", help="an OPML file, or the http(s) address of one"
    )
    imported.set_defaults(run=_run_import)

    exported = commands.add_parser(
        "export",
        parents=[files],
        help="print the sources as OPML",
        description="Print the configured sources as OPML 2.0, categories as folders.",
    )
    exported.set_defaults(run=_run_export)

    demo = commands.add_parser(
        "demo-server",
        help="serve a live, generated newsroom on 127.0.0.1",
        description="Serve generated news feeds and article pages for demos, tests and benchmarks.",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8765)
    demo.add_argument("--seed", type=int, default=1, help="same seed, same news")
    demo.add_argument(
        "--feeds",
        type=_count,
        default=0,
        metavar="N",
        help="also serve N static load-test feeds at /load/<i>.rss",
    )
    demo.add_argument("--items", type=_count, default=50, metavar="M", help="items per load feed")
    demo.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="delay every answer by MS milliseconds",
    )
    demo.add_argument(
        "--tick",
        type=float,
        default=4.0,
        metavar="S",
        help="seconds between new stories (0: never)",
    )
    demo.set_defaults(run=_run_demo_server)
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _complain(message: str) -> None:
    from ticker.sanitize import strip_controls

    print(f"ticker: {strip_controls(message)}", file=sys.stderr)


def _settings(args: argparse.Namespace) -> Settings:
    from ticker import config, locations

    settings = config.load(locations.config_file(args.config))
    if settings.aggregator is not None and settings.aggregator.warning:
        print(f"ticker: warning: {settings.aggregator.warning}", file=sys.stderr)
    return settings


def _chosen_sources(args: argparse.Namespace, settings: Settings) -> tuple[list[Source], bool]:
    """The sources to poll, and whether they were named on the command line."""
    from ticker.errors import TickerError
    from ticker.manage import host_name, read_opml
    from ticker.model import Source
    from ticker.sanitize import web_host

    chosen: list[Source] = []
    if args.opml:
        chosen += read_opml(args.opml, settings)
    for url in args.source:
        if web_host(url) is None:
            raise TickerError(f"{url}: only http and https sources can be polled")
        chosen.append(Source(name=host_name(url), url=url))
    if chosen:
        return chosen, True
    return list(settings.sources), False


def _run_headlines(args: argparse.Namespace) -> int:
    from ticker import locations
    from ticker.errors import TickerError
    from ticker.model import Badge
    from ticker.store import Query, Store

    settings = _settings(args)
    sources, named = _chosen_sources(args, settings)
    for source in sources:
        if not source.url.lower().startswith(("http://", "https://")):
            raise TickerError(f"{source.url}: only http and https sources can be polled")
    if not sources and settings.aggregator is None:
        raise TickerError("no sources: add some to the config file or use --source URL")
    try:
        badge = Badge.from_name(args.badge) if args.badge else None
    except ValueError as error:
        raise TickerError(str(error)) from None
    store_path = locations.store_file(args.data_dir)

    ok = True
    if not args.offline:
        from ticker.hub.serve import poll_once, poll_or_ask

        if named:  # not the store's configured sources: not what its poller polls
            outcomes: list[PollOutcome] | None = poll_once(store_path, sources, settings)
        else:
            outcomes = _waited(poll_or_ask, store_path, sources, settings)
        for outcome in outcomes or ():
            if not outcome.ok:
                _complain(f"{outcome.source.name} ({outcome.source.url}): {outcome.error}")
        ok = outcomes is None or any(o.ok for o in outcomes)

    query = Query(
        sources=tuple(s.url for s in sources) if named else (),
        badge=badge,
        search=args.search,
        limit=args.limit or None,
    )
    with Store(store_path) as store:
        rows = store.headlines(query)
    _print_headlines(rows, args.format, settings)
    return EXIT_OK if ok else EXIT_FAILED


def _waited(
    poll: Callable[[Path, list[Source], Settings], list[PollOutcome] | None],
    store_path: Path,
    sources: list[Source],
    settings: Settings,
) -> list[PollOutcome] | None:
    """Poll (or have the polling process poll); a poller that never answers is complained of,
    and what is stored is printed all the same."""
    from ticker.hub.serve import PollerSilent

    try:
        return poll(store_path, sources, settings)
    except PollerSilent as error:
        _complain(str(error))
        return []


def _run_serve(args: argparse.Namespace) -> int:
    """The poller alone: for ever (until SIGTERM or Ctrl-C), or one round with --once."""
    from ticker import locations, shutdown
    from ticker.errors import TickerError
    from ticker.hub.serve import Log, poll_or_ask, serve
    from ticker.session import Session

    settings = _settings(args)
    sources, _ = _chosen_sources(args, settings)
    if not sources and settings.aggregator is None:
        raise TickerError("no sources: add some to the config file or use --source URL")
    store_path = locations.store_file(args.data_dir)
    log = Log()
    if args.once:
        outcomes = _waited(poll_or_ask, store_path, sources, settings)
        if outcomes is None:
            log.line("the ticker that polls this store polled every source")
            return EXIT_OK
        log.outcomes(outcomes)
        return EXIT_OK if any(o.ok for o in outcomes) else EXIT_FAILED
    session = Session(store_path, sources, settings)
    session.prepare()
    # A host's poller is background work: the people's viewers on the same cores come first
    # (bench/viewers.py: a viewer's keys during a cold poll of 1000 feeds).
    with contextlib.suppress(OSError):
        os.nice(SERVE_NICENESS)
    _nice_session()
    try:
        shutdown.run(serve(session, log))
    except (KeyboardInterrupt, shutdown.Terminated):
        log.line("stopped")
        raise
    return EXIT_OK


def _run_watch(args: argparse.Namespace) -> int:
    """Headlines as lines as they reach the store, until SIGTERM, Ctrl-C or the reader leaves."""
    from ticker import locations, shutdown
    from ticker.errors import TickerError
    from ticker.hub.follow import Printer, follow
    from ticker.session import Session

    settings = _settings(args)
    sources, named = _chosen_sources(args, settings)
    if not sources and settings.aggregator is None:
        raise TickerError("no sources: add some to the config file or use --source URL")
    session = Session(locations.store_file(args.data_dir), sources, settings)
    session.prepare()
    printer = Printer(args.format, settings.tz(), sys.stdout)
    # Ends in BrokenPipeError once the reader left (`| head -3`): `main` exits 0 quietly.
    shutdown.run(follow(session, printer, named=named, backlog=args.backlog, alerts=args.alerts))
    return EXIT_OK


def _viewer_argv(args: argparse.Namespace) -> list[str]:
    """The command of one session of `ticker ssh` or `ticker web`: the app as a viewer of the
    server's store and sources, read-only if the server is."""
    argv = [sys.executable, "-m", "ticker", "--viewer"]
    if args.read_only:
        argv.append("--read-only")
    if args.config is not None:
        argv += ["--config", str(args.config.resolve())]
    if args.data_dir is not None:
        argv += ["--data-dir", str(args.data_dir.resolve())]
    if args.opml:
        argv += ["--opml", args.opml]
    for url in args.source:
        argv += ["--source", url]
    return argv


def _host(args: argparse.Namespace, front: Callable[[Log], Coroutine[Any, Any, None]]) -> int:
    """Poll the store (or view it while another process polls) and run `front`, the server
    sessions connect to, until SIGTERM or Ctrl-C."""
    import asyncio

    from ticker import locations, shutdown
    from ticker.hub.serve import Log, serve
    from ticker.session import Session

    settings = _settings(args)
    sources, _ = _chosen_sources(args, settings)
    session = Session(locations.store_file(args.data_dir), sources, settings)
    session.prepare()
    log = Log()

    async def both() -> None:
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(serve(session, log))
                group.create_task(front(log))
        except BaseExceptionGroup as failed:  # one line for a person, as from any command
            raise failed.exceptions[0] from None

    try:
        shutdown.run(both())
    except (KeyboardInterrupt, shutdown.Terminated):
        log.line("stopped")
        raise
    return EXIT_OK


def _run_ssh(args: argparse.Namespace) -> int:
    from ticker import locations
    from ticker.ssh import SshOptions, serve_ssh

    options = SshOptions(
        host=args.host,
        port=args.port,
        authorized_keys=args.authorized_keys or locations.authorized_keys_file(args.config),
        host_key=locations.ssh_host_key_file(args.data_dir),
        command=_viewer_argv(args),
    )
    options.check()  # nobody could log in, or no host key: said before polling starts
    return _host(args, lambda log: serve_ssh(options, log))


def _run_web(args: argparse.Namespace) -> int:
    from ticker.web import WebOptions, serve_web

    options = WebOptions(
        host=args.host, port=args.port, token=args.token, command=_viewer_argv(args)
    )
    options.check()  # another address than loopback without a token: refused before polling
    return _host(args, lambda log: serve_web(options, log))


def _print_headlines(rows: Sequence[Headline], fmt: str, settings: Settings) -> None:
    from datetime import UTC, datetime

    from ticker import output

    if fmt == "json":
        lines = output.json_lines(rows)
    else:
        lines = output.plain(rows, settings.tz(), datetime.now(UTC))
    out = sys.stdout
    for line in lines:
        out.write(line + "\n")
    out.flush()


def _run_read(args: argparse.Namespace) -> int:
    from ticker import locations, output, reader
    from ticker.errors import ConfigError, TickerError
    from ticker.extract_child import ExtractChild, spare_cpu

    store_path = locations.store_file(args.data_dir)
    child = None
    try:
        # A saved copy is read with nothing async, no HTTP client and no extractor imported.
        opened = None if args.refresh else reader.saved_copy(store_path, args.url)
        if opened is None and spare_cpu():
            # The child imports the extractor on the other core while this process reads its
            # config, imports the HTTP stack and fetches (bench/read_process.py).
            child = ExtractChild.start()
        settings = _settings(args)
        opened = opened or _fetch_article(args, settings, store_path, child)
    except ConfigError:
        raise
    except TickerError as error:
        _complain(f"{args.url}: {error}")
        return EXIT_FAILED
    finally:
        if child is not None:
            child.close()
    if opened.notice:
        _complain(opened.notice)
    article = opened.article
    if args.format == "json":
        text = output.article_json(article) + "\n"
    elif args.format == "markdown":
        text = output.article_markdown(article, settings.tz())
    else:
        text = output.article_plain(article)
    sys.stdout.write(text)
    sys.stdout.flush()
    return EXIT_OK


def _fetch_article(
    args: argparse.Namespace, settings: Settings, store_path: Path, child: ExtractChild | None
) -> reader.Opened:
    """The article fetched and extracted (or the saved or feed's copy when that fails)."""
    from ticker import reader, shutdown
    from ticker.fetch import Fetcher, Limits

    async def read() -> reader.Opened:
        # One page: httpx's own transport imports in a third of aiohttp's time (bench/README.md).
        limits = Limits.for_timeout(settings.poll.timeout, 1)
        async with Fetcher(limits, transport="httpx") as fetcher:
            return await reader.open_article(
                args.url,
                store_path,
                fetcher=fetcher,
                refresh=args.refresh,
                extractor=child.extract if child is not None else None,
            )

    return shutdown.run(read())


def _config_path(args: argparse.Namespace) -> Path:
    from ticker import locations

    return locations.config_file(args.config)


def _run_add(args: argparse.Namespace) -> int:
    from ticker import manage

    settings = _settings(args)
    return manage.add(
        args.url,
        settings,
        _config_path(args),
        html=args.html,
        pick=args.pick,
        name=args.name,
        asker=manage.Asker(args.yes),
    )


def _run_remove(args: argparse.Namespace) -> int:
    from ticker import locations, manage

    return manage.remove(
        args.match,
        _config_path(args),
        locations.store_file(args.data_dir),
        aggregator=_settings(args).aggregator,
    )


def _run_sources(args: argparse.Namespace) -> int:
    from ticker import locations, manage

    return manage.sources(_settings(args), locations.store_file(args.data_dir), args.format)


def _run_import(args: argparse.Namespace) -> int:
    from ticker import manage

    return manage.import_opml(args.file, _settings(args), _config_path(args))


def _run_export(args: argparse.Namespace) -> int:
    from ticker import manage

    return manage.export_opml(_settings(args))


def _run_demo_server(args: argparse.Namespace) -> int:
    from ticker.demo import serve_forever
    from ticker.errors import TickerError

    try:
        serve_forever(
            host=args.host,
            port=args.port,
            seed=args.seed,
            feeds=args.feeds,
            items=args.items,
            latency_ms=args.latency,
            tick_seconds=args.tick,
        )
    except OSError as error:
        raise TickerError(f"cannot serve on {args.host}:{args.port}: {error.strerror}") from None
    return EXIT_OK


def _run_app(args: argparse.Namespace) -> int:
    """The terminal app, on the configured sources, the named ones, or the demo newsroom."""
    from ticker import locations
    from ticker.errors import TickerError
    from ticker.session import Session

    settings = _settings(args)
    if args.demo:
        import tempfile

        from ticker.demo import APP_TICK, DemoServer

        # A story every few seconds, polled as often (built in code: the config's 10-second
        # floor is for real sites), so the demo is seen to be live from the start.
        server = DemoServer(seed=1, tick_seconds=APP_TICK)
        # The demo has a store of its own for each run: it never mixes with the person's
        # headlines, nor with an earlier demo's (whose server had another port).
        with tempfile.TemporaryDirectory(prefix="ticker-demo-") as data, server.running_in_thread():
            sources = server.live_sources()
            return _app(Session(Path(data) / locations.STORE_NAME, sources, settings))
    sources, _ = _chosen_sources(args, settings)
    store_path = locations.store_file(args.data_dir)
    if args.viewer and not store_path.exists():
        # A session of `ticker ssh` or `ticker web` views the store its server made.
        raise TickerError(f"no store at {store_path}: is the ticker that serves it running?")
    session = Session(
        store_path, sources, settings, polls=not args.viewer, read_only=args.read_only
    )
    return _app(session)


def _nice_session() -> None:
    """On Linux with autogroups (most desktops and many servers), a process's nice value
    counts only against its own session's processes: a `ticker serve` that a service manager
    started in a session of its own took turns with people's terminals as an equal. When this
    process leads its session (systemd's units do, a shell's background job does not: that
    would slow the shell's whole session), the session's group gets the same niceness."""
    if not sys.platform.startswith("linux") or os.getsid(0) != os.getpid():
        return
    niceness = os.getpriority(os.PRIO_PROCESS, 0)  # the process's own, as it now is
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
        group.write(str(niceness))


def _app(session: object) -> int:
    from ticker.app.app import TickerApp

    session.prepare()  # type: ignore[attr-defined]
    app = TickerApp(session, tune_gc=True)  # type: ignore[arg-type]
    app.run()
    # Textual prints a crash's traceback and sets the code; the shell must hear it too.
    return app.return_code or EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
