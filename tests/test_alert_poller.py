"""Alerts fired by a real Poller against a news desk on 127.0.0.1, and the notify command."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

import pytest
from newsdesk import Newsdesk

from ticker.alerts.rules import Action, AlertRule, AlertSettings, QuietHours
from ticker.model import Badge, Source
from ticker.poller import PollBatch, Poller
from ticker.store import Store

RECORD_ARGV = """\
import json, os, sys
folder = sys.argv[1]
with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as out:
    json.dump(sys.argv[2:], out)
"""
HANG = """\
import os, sys, time
with open(sys.argv[1], "w") as out:
    out.write(str(os.getpid()))
time.sleep(3600)
"""
BREAKING = AlertRule("Breaking", badges=Badge.BREAKING, actions=Action.TOAST | Action.COMMAND)


@pytest.fixture
async def desk() -> AsyncIterator[Newsdesk]:
    async with Newsdesk().running() as running:
        yield running


def recorder(tmp_path: Path) -> tuple[list[str], Path]:
    """A notify command that writes the argv it got as JSON, one file per run."""
    script = tmp_path / "record_argv.py"
    script.write_text(RECORD_ARGV)
    runs = tmp_path / "runs"
    runs.mkdir()
    return [sys.executable, str(script), str(runs)], runs


def runs_of(folder: Path) -> list[list[str]]:
    return [json.loads(path.read_text()) for path in sorted(folder.iterdir())]


async def test_a_burst_of_fifty_breaking_headlines_is_one_summary(
    desk: Newsdesk, tmp_path: Path
) -> None:
    command, runs = recorder(tmp_path)
    wire = desk.desk("wire")
    for number in range(50):
        wire.publish(f"g{number}", f"BREAKING: Story {number}")
    batches: list[PollBatch] = []
    alerts = AlertSettings(rules=(BREAKING,), command=(*command, "{rule}", "{title}", "{count}"))
    source = Source("Wire", desk.feed_url("wire"))
    async with Poller(
        tmp_path / "t.db", [source], alerts=alerts, listener=batches.append
    ) as poller:
        await poller.poll_once()
        await poller.commands_done()
    assert sum(len(b.alerts) for b in batches) == 50
    # Story 0 was published first: the feed lists it last, so it is stored last.
    [argv] = runs_of(runs)
    assert argv == ["50 alerts", "Breaking × 50; newest: Story 0", "50"]  # noqa: RUF001
    with Store(tmp_path / "t.db") as store:
        assert len(store.alerts_after(0)) == 50 and store.alert_problems() == {}


async def test_the_notify_command_gets_a_hostile_title_as_one_argument_never_a_shell(
    desk: Newsdesk, tmp_path: Path
) -> None:
    command, runs = recorder(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    marker = tmp_path / "pwned"
    title = (
        f"BREAKING: $(touch {marker}); rm -rf {victim} `touch {marker}` | touch {marker}"
        " \x1b]0;pwn\x07 {url} end"
    )
    desk.desk("wire").publish("g1", title)
    alerts = AlertSettings(rules=(BREAKING,), command=(*command, "{title}", "{url}", "{source}"))
    source = Source("Wire; rm -rf ~", desk.feed_url("wire"))
    async with Poller(tmp_path / "t.db", [source], alerts=alerts) as poller:
        await poller.poll_once()
        await poller.commands_done()
    with Store(tmp_path / "t.db") as store:
        [stored] = store.headlines()
    assert "\x1b" not in stored.title and stored.title.startswith("$(touch")
    [argv] = runs_of(runs)
    # Exactly the stored fields, one argument each: a "{url}" inside the title stays as it is.
    assert argv == [stored.title, stored.url, "Wire; rm -rf ~"]
    assert "{url} end" in argv[0]
    assert not marker.exists() and victim.is_dir()


async def test_a_command_without_placeholders_gets_rule_title_and_url(
    desk: Newsdesk, tmp_path: Path
) -> None:
    command, runs = recorder(tmp_path)
    desk.desk("wire").publish("g1", "BREAKING: Quake")
    alerts = AlertSettings(rules=(BREAKING,), command=tuple(command))
    async with Poller(
        tmp_path / "t.db", [Source("Wire", desk.feed_url("wire"))], alerts=alerts
    ) as poller:
        await poller.poll_once()
        await poller.commands_done()
    assert runs_of(runs) == [["Breaking", "Quake", "http://127.0.0.1/news/g1"]]


async def test_a_hanging_command_is_killed_at_its_timeout_and_the_polls_go_on(
    desk: Newsdesk, tmp_path: Path
) -> None:
    script = tmp_path / "hang.py"
    script.write_text(HANG)
    pid_file = tmp_path / "pid"
    wire = desk.desk("wire")
    wire.publish("g1", "BREAKING: First")
    alerts = AlertSettings(
        rules=(BREAKING,), command=(sys.executable, str(script), str(pid_file)), command_timeout=2
    )
    batches: list[PollBatch] = []
    source = Source("Wire", desk.feed_url("wire"))
    async with Poller(
        tmp_path / "t.db", [source], alerts=alerts, listener=batches.append
    ) as poller:
        await poller.poll_once()
        # The command hangs; the next poll is stored all the same, while it runs.
        wire.publish("g2", "Calm")
        [outcome] = await poller.poll_once()
        assert outcome.ok and outcome.new == 1
        assert poller.alert_error is None  # not yet killed: the polls did not wait for it
        await poller.commands_done()
        program = os.path.basename(sys.executable)
        assert poller.alert_error == f"{program} did not end within 2 s and was killed"
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with Store(tmp_path / "t.db") as store:
        [(what, (_, problem))] = store.alert_problems().items()
        assert what == "command" and "was killed" in problem
    assert len(batches) == 2


async def test_a_failing_command_is_noted_for_the_sources_screen(
    desk: Newsdesk, tmp_path: Path
) -> None:
    desk.desk("wire").publish("g1", "BREAKING: Quake")
    failing = (sys.executable, "-c", "import sys; sys.stderr.write('no display\\n'); sys.exit(3)")
    missing = (str(tmp_path / "no-such-program"),)
    for command, problem in [
        (failing, "exited with status 3: no display"),
        (missing, "cannot run no-such-program: No such file or directory"),
    ]:
        db = tmp_path / f"{len(command)}.db"
        alerts = AlertSettings(rules=(BREAKING,), command=command)
        async with Poller(db, [Source("Wire", desk.feed_url("wire"))], alerts=alerts) as poller:
            await poller.poll_once()
            await poller.commands_done()
        with Store(db) as store:
            assert problem in store.alert_problems()["command"][1]


async def test_quiet_hours_run_no_command_but_the_alert_is_recorded(
    desk: Newsdesk, tmp_path: Path
) -> None:
    command, runs = recorder(tmp_path)
    desk.desk("wire").publish("g1", "BREAKING: Quake at night")
    alerts = AlertSettings(
        rules=(BREAKING,), command=tuple(command), quiet_hours=QuietHours(0, 24 * 60 - 1)
    )
    midday = 1_720_000_000.0 - 1_720_000_000.0 % 86_400 + 12 * 3600  # 12:00 UTC
    async with Poller(
        tmp_path / "t.db",
        [Source("Wire", desk.feed_url("wire"))],
        alerts=alerts,
        clock=lambda: midday,
        tz=UTC,  # the display zone: quiet hours are read in it
    ) as poller:
        await poller.poll_once()
        await poller.commands_done()
    assert runs_of(runs) == []
    with Store(tmp_path / "t.db") as store:
        assert [e.rule for e in store.alerts_after(0)] == ["Breaking"]


async def test_an_alert_fires_once_across_restarts_of_the_poller(
    desk: Newsdesk, tmp_path: Path
) -> None:
    wire = desk.desk("wire")
    wire.publish("g1", "BREAKING: Quake")
    quake = AlertRule("Quake", title="quake", updates=True)
    alerts = AlertSettings(rules=(BREAKING, quake))
    source = Source("Wire", desk.feed_url("wire"))

    async def poll() -> list[str]:
        batches: list[PollBatch] = []
        async with Poller(
            tmp_path / "t.db", [source], alerts=alerts, listener=batches.append
        ) as poller:
            await poller.poll_once()
        return [f"{e.rule}:{e.guid}:{e.revision}" for b in batches for e in b.alerts]

    assert await poll() == ["Breaking:g1:0", "Quake:g1:0"]
    assert await poll() == []  # a new poller, the same feed
    wire.items[0] = ("g1", "BREAKING: Quake, 40 dead")
    wire.version += 1
    assert await poll() == ["Quake:g1:1"]
    assert await poll() == []
    with Store(tmp_path / "t.db") as store:
        assert len(store.alerts_after(0)) == 3


async def test_a_rule_added_to_a_running_poller_never_fires_for_what_was_stored(
    desk: Newsdesk, tmp_path: Path
) -> None:
    wire = desk.desk("wire")
    wire.publish("g1", "Quake")
    source = Source("Wire", desk.feed_url("wire"))
    batches: list[PollBatch] = []
    async with Poller(tmp_path / "t.db", [source], listener=batches.append) as poller:
        await poller.poll_once()
        poller.set_alerts(AlertSettings(rules=(AlertRule("Quake", title="quake", updates=True),)))
        wire.items[0] = ("g1", "Quake, update")
        wire.publish("g2", "Second quake")
        await poller.poll_once()
    assert [(e.rule, e.guid) for b in batches for e in b.alerts] == [("Quake", "g2")]
