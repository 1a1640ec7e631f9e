"""An exclusive lock shared by the processes of one host, for read-modify-write of shared files."""

import fcntl
import os
import threading
from pathlib import Path


class HostLock:
    """An exclusive lock on `path` for the processes of one host, cheap to take again and again.

    The lock file stays open (reopened in a forked child: a descriptor shared with the
    parent would share its lock too); a thread lock orders this process's threads, which
    `flock` on one descriptor would not. A lock file deleted by hand (its directory
    emptied) is noticed once locked and recreated, directory included, so that every
    process locks the same file again.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._fd: int | None = None
        self._pid = 0
        self._threads = threading.Lock()

    def __enter__(self) -> "HostLock":
        self._threads.acquire()
        try:
            while True:
                if self._fd is None or self._pid != os.getpid():
                    self._open()
                fcntl.flock(self._fd, fcntl.LOCK_EX)
                if os.fstat(self._fd).st_nlink > 0:
                    return self
                os.close(self._fd)  # locked a deleted file: no other process would see that lock
                self._fd = None
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc_info) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _open(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # a forked child's copy of the parent's, or a deleted file's
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        self._fd, self._pid = fd, os.getpid()
