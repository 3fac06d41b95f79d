"""SIGTERM handled as Ctrl-C is: whatever is open closes, and the process exits 143.

Python's default for SIGTERM ends the process where it stands: no `finally`, no `async with`
exit, an unclosed HTTP client, a demo's temporary store left behind. A service manager, `kill`
and `timeout` all send it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, like KeyboardInterrupt: no `except Exception` eats it."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _main_thread() -> bool:
    """Signals reach the main thread only; a command run from another (a test) keeps them."""
    return threading.current_thread() is threading.main_thread()


def install() -> None:
    """From now on SIGTERM raises Terminated in the main thread (outside event loops)."""
    if _main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, with SIGTERM cancelling `main` as Ctrl-C does, then Terminated.

    A signal that raised in the middle of the loop could land inside any callback; cancelling
    the main task lets every `async with` below it close in order.
    """
    import asyncio  # here: every command installs the handler, `ticker read` forks first

    if not _main_thread():
        return asyncio.run(main)
    terminated = False

    async def guarded() -> T:
        nonlocal terminated
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_sigterm() -> None:
            nonlocal terminated
            terminated = True
            task.cancel()

        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        try:
            return await main
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            install()  # removing the loop's handler put back the default, which kills

    try:
        result = asyncio.run(guarded())
    except asyncio.CancelledError:
        if terminated:
            raise Terminated from None
        raise
    if terminated:
        raise Terminated
    return result
