"""An exclusive lock shared by the processes of one host, for read-modify-write of shared files."""

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def host_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (created if missing) for the `with` block."""
    with open(path, "a+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


class HostLock:
    """An exclusive lock on `path` for the processes of one host, cheap to take again and again.

    The lock file stays open (reopened in a forked child: a descriptor shared with the
    parent would share its lock too); a thread lock orders this process's threads, which
    `flock` on one descriptor would not.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._threads = threading.Lock()

    def __enter__(self) -> "HostLock":
        self._threads.acquire()
        try:
            if self._fd is None or self._pid != os.getpid():
                if self._fd is not None:
                    os.close(self._fd)
                self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()
