"""An exclusive lock shared by the processes of one host, for read-modify-write of shared files."""

import contextlib
import fcntl
import os
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
