"""`ticker read`'s extraction in a forked child (ticker/extract_child.py).

A child is forked only from a process with no other thread, and pytest's has some: each case
runs a small script in a process of its own, with the real fork, pipes and signals.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from articles import FIXTURES

from ticker.__main__ import main
from ticker.demo import DemoServer
from ticker.extract_child import ExtractChild
from ticker.reader import extract_page

PAGE = FIXTURES / "a_breaking_short.html"
URL = "https://news.example/breaking"

# Runs in a new process with the arguments: a page's path, its URL and a scenario. Prints one
# JSON line: what `extract` gave or raised, and whether the child was still there after close().
SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, signal, sys
    from pathlib import Path
    from ticker.extract_child import ExtractChild
    from ticker.errors import TickerError

    page, url, scenario = Path(sys.argv[1]).read_bytes(), sys.argv[2], sys.argv[3]
    child = ExtractChild.start()
    assert child is not None, "one thread: a child"

    async def main():
        if scenario == "killed":
            os.kill(child.pid, signal.SIGKILL)
        if scenario == "late":
            os.kill(child.pid, signal.SIGSTOP)  # it never answers: the deadline ends the wait
            child.deadline = 0.5
        if scenario == "cancelled":
            os.kill(child.pid, signal.SIGSTOP)  # it never answers: only cancelling ends the wait
            task = asyncio.create_task(child.extract(page, "text/html", url))
            await asyncio.sleep(0.2)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return {"cancelled": task.cancelled()}
        if scenario == "unused":
            return {}
        try:
            article = await child.extract(page, "text/html; charset=utf-8", url)
        except TickerError as error:
            return {"error": str(error)}
        return {"title": article.title, "body": article.body, "tags": list(article.tags)}

    result = asyncio.run(main())
    child.close()
    try:
        os.waitpid(child.pid, os.WNOHANG)
        result["reaped"] = False
    except ChildProcessError:
        result["reaped"] = True
    print(json.dumps(result))
    """
)


def run(scenario: str, page: Path = PAGE) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(page), URL, scenario],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # neither process printed a traceback or a warning
    return dict(json.loads(done.stdout))


def test_the_child_gives_the_article_the_reader_extracts_in_process() -> None:
    expected = extract_page(PAGE.read_bytes(), "text/html; charset=utf-8", URL)
    assert run("page") == {
        "title": expected.title,
        "body": expected.body,
        "tags": list(expected.tags),
        "reaped": True,
    }


def test_a_page_without_an_article_is_the_readers_own_error(tmp_path: Path) -> None:
    page = tmp_path / "menu.html"
    page.write_text("<html><body><nav><a href='/a'>Home</a> <a href='/b'>World</a></nav></body>")
    assert run("page", page) == {"error": "no article found on the page", "reaped": True}


def test_a_child_that_dies_is_reported_not_waited_for() -> None:
    assert run("killed") == {
        "error": "the article could not be extracted: the extractor was stopped by SIGKILL",
        "reaped": True,
    }


def test_a_child_past_its_deadline_is_ended_and_reported() -> None:
    assert run("late") == {
        "error": "the article could not be extracted in 0.5 s",
        "reaped": True,
    }


def test_a_cancelled_read_ends_the_child() -> None:
    assert run("cancelled") == {"cancelled": True, "reaped": True}


def test_a_child_not_needed_is_ended_by_close() -> None:
    assert run("unused") == {"reaped": True}


def test_one_cpu_is_none_to_spare() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from ticker.extract_child import spare_cpu;"
            "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); print(spare_cpu())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == "False\n", done.stderr


def test_no_child_is_forked_beside_another_thread() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert ExtractChild.start() is None
    finally:
        stop.set()
        other.join()


def test_ticker_read_through_the_child_prints_what_a_read_in_a_thread_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command as a user runs it (one thread: the child) against the same command run in
    this process (threads about: the worker thread), on a real server."""
    server = DemoServer(seed=5, tick_seconds=0)
    with server.running_in_thread() as base:
        story = server.newsroom.newest(1)[0]
        url = f"{base}/articles/{story.slug}.html"
        env = {
            **os.environ,
            "TICKER_CONFIG": str(tmp_path / "a.toml"),
            "TICKER_DATA_DIR": str(tmp_path / "a"),
        }
        command = [sys.executable, "-m", "ticker", "read", url, "--format", "json"]
        forked = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        monkeypatch.setenv("TICKER_CONFIG", str(tmp_path / "b.toml"))
        monkeypatch.setenv("TICKER_DATA_DIR", str(tmp_path / "b"))
        assert main(["read", url, "--format", "json"]) == 0
    assert (forked.returncode, forked.stderr) == (0, "")
    assert json.loads(forked.stdout) == json.loads(capsys.readouterr().out)
    assert story.title[:20] in forked.stdout
