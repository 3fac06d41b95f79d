"""The poller role as an OS lock on a file beside the store.

`flock` belongs to the open file: the kernel lets it go when the process exits or is killed,
so no stale PID file can keep a store without its poller.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ticker.errors import StoreError

LOCK_SUFFIX = ".poller.lock"


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + LOCK_SUFFIX)


class PollerLock:
    """The store's poller lock; `acquire()` never waits."""

    def __init__(self, store_path: Path) -> None:
        self.path = lock_path(store_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if no other process (or open file) holds it; whether it is held."""
        if self._fd is not None:
            return True
        # Opened anew for each try: a lock is per open file, so two stores in one process
        # (a test) exclude each other as two processes do. Not inherited by child processes.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as error:
            raise StoreError(f"cannot open {self.path}: {error.strerror or error}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the file lets the lock go
