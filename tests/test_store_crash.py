"""A process killed with SIGKILL while storing a large poll loses nothing that was committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ticker.store import Query, Store

WRITER = r"""
import sys, time
from datetime import UTC, datetime, timedelta
from ticker.model import Headline, Source
from ticker.store import PollRecord, Store

path = sys.argv[1]
source = Source("Wire", "http://127.0.0.1/wire.rss")
now = datetime.now(UTC)

def items(prefix, n):
    return [
        Headline(source.url, f"{prefix}{i}", f"Story {prefix}{i} " + "words " * 20,
                 f"http://127.0.0.1/{prefix}{i}", now - timedelta(seconds=i), summary="text " * 40)
        for i in range(n)
    ]

store = Store(path)
report = store.save([PollRecord(source, time.time(), items("kept", 20))])
store.set_read(report.new_rows[:5])
store.set_starred(report.new_rows[5:8])
print("marked", flush=True)
while True:  # large polls until killed
    store.save([PollRecord(source, time.time(), items(f"big{time.monotonic_ns()}-", 200_000))])
"""


def test_sigkill_mid_poll_leaves_a_sound_store_with_every_mark(tmp_path: Path) -> None:
    path = tmp_path / "ticker.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "marked"
        wal = Path(f"{path}-wal")
        deadline = time.monotonic() + 60
        # The large transaction is under way once the WAL holds several megabytes of it.
        while not (wal.exists() and wal.stat().st_size > 8 * 1024 * 1024):
            assert writer.poll() is None, "the writer died on its own"
            assert time.monotonic() < deadline, "the writer never got going"
            time.sleep(0.01)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL

    with Store(path) as store:
        assert store.integrity() == "ok"
        kept = store.headlines(Query(search="kept"))
        assert len(kept) == 20
        assert sum(h.read for h in kept) == 5
        assert sum(h.starred for h in kept) == 3
