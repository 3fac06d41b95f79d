"""Feed parsing in a child process, on the other core, for polls of many sources.

The parent talks to `python -m ticker.parse_process` over its stdin and stdout with
length-prefixed pickles, all on the event loop: no executor threads. multiprocessing's
ProcessPoolExecutor spent more CPU in its manager and feeder threads than the parsing it moved
(bench/poll.py), in the very process that also fetches and stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import struct
import sys
from datetime import datetime, tzinfo
from typing import BinaryIO

from ticker.errors import FeedError, TickerError
from ticker.model import Headline, Source

_LENGTH = struct.Struct("!I")
NICENESS = 10  # the children's priority below the parent's


class WorkerGone(TickerError):
    """The parse process is not running (it could not start, or it died)."""


class ParseProcess:
    """Child processes that turn feed bodies into headlines; `async with ParseProcess(2)`."""

    def __init__(self, workers: int = 1) -> None:
        self._size = max(workers, 1)
        self._workers: list[_Worker] = []

    async def __aenter__(self) -> ParseProcess:
        try:
            for _ in range(self._size):
                self._workers.append(await _Worker.start())
        except BaseException:  # no child outlives a start that failed or was cancelled
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        workers, self._workers = self._workers, []
        await asyncio.gather(*(worker.stop() for worker in workers))

    async def parse(
        self, body: bytes, source: Source, now: datetime, tz: tzinfo | None = None
    ) -> list[Headline]:
        """The headlines of `body`, parsed in a child; FeedError as `feeds.headlines` raises."""
        alive = [worker for worker in self._workers if worker.alive]
        if not alive:
            raise WorkerGone("the parse process is not running")
        worker = min(alive, key=lambda worker: len(worker.waiting))
        return await worker.parse(body, source, now, tz)


class _Worker:
    """One child process and the answers it owes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.waiting: dict[int, asyncio.Future[list[Headline]]] = {}
        self._next = 0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls) -> _Worker:
        # -P: the working directory is not put on sys.path, so a `ticker/parse_process.py` in
        # the folder a person runs ticker from is never what runs.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-P",
            "-m",
            "ticker.parse_process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and not self._reader.done()

    async def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), 5)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        await self._reader

    async def parse(
        self, body: bytes, source: Source, now: datetime, tz: tzinfo | None
    ) -> list[Headline]:
        stdin = self.process.stdin
        assert stdin is not None
        self._next += 1
        number = self._next
        done: asyncio.Future[list[Headline]] = asyncio.get_running_loop().create_future()
        self.waiting[number] = done
        frame = pickle.dumps((number, body, source, now, tz), pickle.HIGHEST_PROTOCOL)
        try:
            stdin.write(_LENGTH.pack(len(frame)))
            stdin.write(frame)
            await stdin.drain()
        except (ConnectionError, RuntimeError) as error:
            self.waiting.pop(number, None)
            raise WorkerGone(f"the parse process is gone: {error}") from None
        return await done

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                size = _LENGTH.unpack(await stdout.readexactly(_LENGTH.size))[0]
                number, ok, value = pickle.loads(await stdout.readexactly(size))
                done = self.waiting.pop(number, None)
                if done is None or done.done():
                    continue
                if ok:
                    done.set_result(value)
                else:
                    done.set_exception(FeedError(value))
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError):
            pass
        finally:
            for done in self.waiting.values():
                if not done.done():
                    done.set_exception(WorkerGone("the parse process stopped"))
            self.waiting.clear()


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The child's loop: parse each request, answer (number, ok, headlines or message)."""
    from ticker import feeds

    while header := requests.read(_LENGTH.size):
        if len(header) < _LENGTH.size:
            return
        request = pickle.loads(requests.read(_LENGTH.unpack(header)[0]))
        number, body, source, now, tz = request
        answer: tuple[int, bool, object]
        try:
            answer = (number, True, feeds.headlines(body, source, now=now, tz=tz))
        except TickerError as error:
            answer = (number, False, str(error))
        except Exception as error:  # a parser's bug fails this feed, not the process
            answer = (number, False, f"the feed could not be parsed ({type(error).__name__})")
        frame = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        answers.write(_LENGTH.pack(len(frame)) + frame)
        answers.flush()


if __name__ == "__main__":
    # Background work yields the CPU: on two cores, the parse children at normal priority
    # took turns from the terminal app's own process and a key waited up to 0.17 s.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)
    serve(sys.stdin.buffer, sys.stdout.buffer)
