"""API key issue and lookup. Secrets are random, so a SHA-256 of the whole key is a safe index."""

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from cms.models import ApiKey, ApiScope

KEY_PREFIX = "tlr"
LOOKUP_TTL_SECONDS = 5.0  # a revocation reaches every process within this time
LAST_USED_RESOLUTION_SECONDS = 60  # at most one write per key per minute


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What an authenticated request may do: the key's id, channel and scopes."""

    key_id: int
    prefix: str
    channel_id: int
    channel_slug: str
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def hash_secret(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _compose(prefix: str, secret: str) -> str:
    return f"{KEY_PREFIX}_{prefix}_{secret}"


def api_key_create(*, channel, name: str, scopes: list[str], created_by=None, raw_key: str | None = None) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is shown once and never stored."""
    unknown = set(scopes) - set(ApiScope.values)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    raw_key = raw_key or _compose(secrets.token_hex(4), secrets.token_urlsafe(24))
    prefix = raw_key.split("_")[1]
    key = ApiKey.objects.create(
        channel=channel, name=name, scopes=sorted(set(scopes)), prefix=prefix,
        secret_hash=hash_secret(raw_key), created_by=created_by,
    )
    return key, raw_key


def demo_raw_key(channel_slug: str) -> str:
    """A stable demo key per install, derived from SECRET_KEY so a second `make run` prints the same one."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-key:{channel_slug}".encode(), "sha256").hexdigest()
    return _compose(f"demo{channel_slug[:4]}", digest[:32])


class _LookupCache:
    """Per-process memo of key lookups, so an API request costs no query for its key."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, KeyGrant | None]] = {}
        self._lock = threading.Lock()

    def get(self, secret_hash: str) -> tuple[bool, KeyGrant | None]:
        entry = self._entries.get(secret_hash)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, secret_hash: str, grant: KeyGrant | None) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[secret_hash] = (time.monotonic() + LOOKUP_TTL_SECONDS, grant)

    def clear(self, *args, **kwargs) -> None:
        with self._lock:
            self._entries.clear()


_lookups = _LookupCache()
post_save.connect(_lookups.clear, sender=ApiKey, dispatch_uid="cms.api.keys.clear")
post_delete.connect(_lookups.clear, sender=ApiKey, dispatch_uid="cms.api.keys.clear-delete")


def api_key_resolve(raw_key: str) -> KeyGrant | None:
    """The grant for an active key, or None for an unknown or revoked one."""
    secret_hash = hash_secret(raw_key)
    found, grant = _lookups.get(secret_hash)
    if not found:
        key = ApiKey.objects.select_related("channel").filter(secret_hash=secret_hash, revoked_at__isnull=True).first()
        grant = key and KeyGrant(key.pk, key.prefix, key.channel_id, key.channel.slug, frozenset(key.scopes))
        _lookups.put(secret_hash, grant)
    if grant is not None:
        _touch(grant)
    return grant


_touched: dict[int, float] = {}


def _touch(grant: KeyGrant) -> None:
    """Record last use at most once a minute per key, without a write per request."""
    now = time.monotonic()
    if _touched.get(grant.key_id, 0.0) > now:
        return
    _touched[grant.key_id] = now + LAST_USED_RESOLUTION_SECONDS
    # cache.add is atomic across processes: one of them per minute writes.
    if cache.add(f"apikey-used:{grant.key_id}", 1, LAST_USED_RESOLUTION_SECONDS):
        ApiKey.objects.filter(pk=grant.key_id).update(last_used_at=timezone.now())
