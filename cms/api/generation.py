"""The content generation: a counter bumped by every change that can alter an API response.

Cached API bodies and per-process lookups (overrides, presets, live pages) are
keyed by it, so a publish, a snippet edit or an image change made by any process
is visible on the next request of every process, in listings and in every page
that embeds the changed item.
"""

from config.stamps import Stamp

# Shared by every process (a file under SHARED_STATE_DIR, or Redis): see config/stamps.py.
_generation = Stamp("content-generation")


def content_generation() -> int:
    """The current generation (one small file read or one cache GET; no database query)."""
    return _generation.read()


def content_generation_bump() -> None:
    """Invalidate every cached API response and per-generation memo, in every process."""
    _generation.bump()


def content_generation_reset() -> None:
    """Forget the generation (tests): the next one is above every earlier value."""
    _generation.reset()


class PerGeneration:
    """A per-process memo of `compute(*args)`, forgotten as soon as a newer generation is asked for."""

    def __init__(self, compute, *, max_entries: int = 4096):
        self._compute = compute
        self._max_entries = max_entries
        self._generation: int | None = None
        self._values: dict = {}

    def get(self, generation: int, *args):
        if generation != self._generation:
            if self._generation is not None and generation < self._generation:
                return self._compute(*args)  # a request that started before a change: do not memoise
            self._generation, self._values = generation, {}
        if args not in self._values:
            if len(self._values) >= self._max_entries:
                self._values.clear()
            self._values[args] = self._compute(*args)
        return self._values[args]

