"""What events may name (declared types and their properties, segment keys), memoised per process.

A batch reads it once; the memo is keyed by two stamps every process reads (config.stamps):
the ruleset stamp, which any segment change moves, and the event-type stamp, which
an EventType change moves after commit. A marketer's new type or segment is thus accepted
by every serving process on its next batch, at the cost of two stamp reads per batch.
"""

import threading

from django.db import transaction

from config.stamps import Stamp
from personalization.events.models import EventType, PropertyType
from personalization.events.validation import Catalogue
from personalization.models import Segment
from personalization.ruleset_cache import ruleset_stamp

_types_stamp = Stamp("event-types")
_memo: tuple[tuple[int, int], Catalogue] | None = None
_lock = threading.Lock()


def event_catalogue() -> Catalogue:
    """The current catalogue: from the memo while neither stamp moved, else read (two queries)."""
    global _memo
    key = (ruleset_stamp(), _types_stamp.read())
    memo = _memo
    if memo is not None and memo[0] == key:
        return memo[1]
    with _lock:
        types = {name: _declared(properties) for name, properties in EventType.objects.values_list("name", "properties")}
        catalogue = Catalogue(types=types, segments=frozenset(Segment.objects.values_list("key", flat=True)))
        _memo = (key, catalogue)
    return catalogue


def _declared(properties: object) -> dict[str, str]:
    """{key: type} of a type's properties; a malformed entry (not saved through the admin) declares nothing."""
    items = properties if isinstance(properties, list) else []
    return {
        item["key"]: item["type"] for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str) and item.get("type") in PropertyType.values
    }


def event_types_changed(**kwargs) -> None:
    """post_save / post_delete of EventType: every process reads the types again after commit."""
    if not kwargs.get("raw"):
        transaction.on_commit(_types_stamp.bump)
