"""`ticker read`'s extraction in a forked child, which imports the extractor during the fetch.

A one-page read spends most of its time importing: the extractor (lxml, trafilatura and what
they import, 0.09 s) and the HTTP stack (asyncio, httpx, httpcore, anyio, 0.08 s), one after
the other on one core (bench/read_process.py). Forked once the store has no saved copy, the child
imports the extractor on the other core while the parent imports httpx and fetches; the page goes
to the child down a pipe and its article comes back up another. A page that crashes the
extractor, or keeps it busy past a deadline, ends the child, not the command, which says so.

Only where forking is safe (a POSIX process with no other thread: the `ticker read` command) and
a CPU is free (`spare_cpu`). Elsewhere the caller extracts in a thread, as the app does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import sys
import threading
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from ticker.errors import TickerError

if TYPE_CHECKING:
    from ticker.model import Article

_LENGTH = struct.Struct("!Q")
DEADLINE = 60.0  # seconds for one page's extraction: the slowest of 1,120 real pages took 0.4 s


class ExtractChild:
    """A forked process that extracts one page; `start()`, `await extract(...)`, `close()`."""

    def __init__(self, pid: int, requests: BinaryIO, answers: BinaryIO) -> None:
        self.pid = pid
        self.deadline = DEADLINE
        self._requests = requests
        self._answers = answers
        self._status: int | None = None

    @classmethod
    def start(cls) -> ExtractChild | None:
        """The child, importing the extractor; None where this process cannot fork safely (no
        fork, or a thread that could hold a lock the child would need)."""
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return None
        requests_in, requests_out = os.pipe()
        answers_in, answers_out = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered gets written twice
            if stream is not None:
                stream.flush()
        try:
            pid = os.fork()
        except OSError:
            for fd in (requests_in, requests_out, answers_in, answers_out):
                os.close(fd)
            return None
        if pid == 0:
            os.close(requests_out)
            os.close(answers_in)
            _child(requests_in, answers_out)
        os.close(requests_in)
        os.close(answers_out)
        return cls(pid, os.fdopen(requests_out, "wb"), os.fdopen(answers_in, "rb"))

    async def extract(self, body: bytes, content_type: str | None, url: str) -> Article:
        """The article of the page `body`, extracted in the child; the child's TickerError
        (no article found...) is raised here, and one saying so when the child has gone or
        has not answered by the deadline."""
        import asyncio

        try:
            async with asyncio.timeout(self.deadline):
                return await asyncio.to_thread(self._exchange, body, content_type, url)
        except TimeoutError:
            self.close()
            raise TickerError(
                f"the article could not be extracted in {self.deadline:g} s"
            ) from None
        except BaseException:
            self.close()  # cancelled: the thread waiting for the answer gets an end of file
            raise

    def _exchange(self, body: bytes, content_type: str | None, url: str) -> Article:
        import pickle

        try:
            with self._requests:
                frame = pickle.dumps((body, content_type, url), pickle.HIGHEST_PROTOCOL)
                self._requests.write(_LENGTH.pack(len(frame)) + frame)
            with self._answers:
                answer = _receive(self._answers)
        except (OSError, ValueError):  # the child went before the page was in (a broken pipe)
            answer = None
        if answer is None:
            raise TickerError(f"the article could not be extracted: {self._end()}")
        ok, value = answer
        if ok:
            return value  # type: ignore[no-any-return]
        raise TickerError(value)

    def _end(self) -> str:
        """How the child ended, once it has."""
        self._reap(block=True)
        status = self._status or 0
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = str(number)
            return f"the extractor was stopped by {name}"
        return f"the extractor stopped (exit status {os.waitstatus_to_exitcode(status)})"

    def close(self) -> None:
        """End the child if it still runs (a read that needed no extraction), and reap it."""
        if self._status is None and not self._reap(block=False):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap(block=True)
        for stream in (self._requests, self._answers):
            if not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()

    def _reap(self, *, block: bool) -> bool:
        """Whether the child has ended (its status kept); waits for it when `block`."""
        if self._status is None:
            try:
                pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid == 0:
                return False
            self._status = status
        return True


def spare_cpu() -> bool:
    """Whether a CPU is free for a child: two or more this process may run on, and a load
    average below their number. Without, the child only takes turns with the parent and the
    read costs the child's share more (bench/read_process.py: 0.28 -> 0.36 s on one CPU; with
    one of two CPUs kept busy, the same as without a child)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return cpus >= 2 and load < cpus


def _child(requests_fd: int, answers_fd: int) -> NoReturn:
    """The child's whole life: import the extractor, wait for the page, answer, exit. It never
    returns into the parent's code, never runs the parent's exit handlers or flushes its
    buffers, and keeps off the terminal: Ctrl-C there is the parent's to handle."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)  # a pipe reading the parent's output sees its end with the parent's
        os.close(null)
        with os.fdopen(requests_fd, "rb") as requests, os.fdopen(answers_fd, "wb") as answers:
            import pickle

            from ticker import extract

            extract.prepare()
            request = _receive(requests)
            if request is not None:
                frame = pickle.dumps(_answer(*request), pickle.HIGHEST_PROTOCOL)
                answers.write(_LENGTH.pack(len(frame)) + frame)
        status = 0
    finally:
        os._exit(status)


def _answer(body: bytes, content_type: str | None, url: str) -> tuple[bool, Article | str]:
    from ticker.reader import extract_page

    try:
        return True, extract_page(body, content_type, url)
    except TickerError as error:
        return False, str(error)
    except Exception as error:  # an extractor's bug fails this page with a line, no traceback
        return False, f"the article could not be extracted ({type(error).__name__})"


def _receive(stream: BinaryIO) -> Any:
    """One length-prefixed pickle from `stream`; None at an end of file."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    size = _LENGTH.unpack(header)[0]
    frame = stream.read(size)
    if len(frame) < size:
        return None
    import pickle

    return pickle.loads(frame)
