"""Hashed visitor ids: the erasure log and the suppression list never hold an id itself.

The hash is an HMAC keyed by a secret derived from SECRET_KEY: the same id always hashes the
same (so arriving ids can be checked), and a leaked table cannot be reversed by hashing
guessed ids without the key.
"""

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings

from personalization.models import Suppression

_SALT = b"tailor.customers.erased-id"


def id_hash(visitor_id: str) -> str:
    """The keyed hash under which an erased id is remembered."""
    key = hashlib.sha256(_SALT + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, visitor_id.encode(), hashlib.sha256).hexdigest()


def suppressed(visitor_ids: Iterable[str]) -> set[str]:
    """The ids among `visitor_ids` that were erased and have not consented since."""
    by_hash = {id_hash(visitor_id): visitor_id for visitor_id in visitor_ids if visitor_id}
    if not by_hash:
        return set()
    found = Suppression.objects.filter(id_hash__in=list(by_hash)).values_list("id_hash", flat=True)
    return {by_hash[hashed] for hashed in found}


def suppress(visitor_ids: Iterable[str]) -> None:
    """Remember erased ids (hashed), so that late events or CRM pushes do not bring them back."""
    Suppression.objects.bulk_create(
        [Suppression(id_hash=id_hash(visitor_id)) for visitor_id in set(visitor_ids)], ignore_conflicts=True
    )


def unsuppress(visitor_id: str) -> bool:
    """Lift the suppression of an id that consented again; True if it was suppressed."""
    deleted, _ = Suppression.objects.filter(id_hash=id_hash(visitor_id)).delete()
    return bool(deleted)
