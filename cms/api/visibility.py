"""What a delivery request may see. Every endpoint, filter and relation goes through here.

An API key sees live, unexpired, public content offered on its channel. View
restrictions (passwords, logins, groups), inherited by descendants, hide a page
from every key: a key is a machine credential, never a person.
"""

import bisect
from datetime import datetime
from typing import NamedTuple

from django.utils import timezone
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction

from cms.api.generation import PerGeneration
from cms.models import PageChannelOverride


def _restricted_page_paths() -> tuple[str, ...]:
    return tuple(PageViewRestriction.objects.values_list("page__path", flat=True))


def _hidden_page_ids(channel_id: int) -> frozenset[int]:
    return frozenset(
        PageChannelOverride.objects.filter(channel_id=channel_id, offered=False).values_list("page_id", flat=True)
    )


def _private_collection_ids() -> frozenset[int]:
    ids: set[int] = set()
    for collection in Collection.objects.filter(pk__in=CollectionViewRestriction.objects.values("collection_id")):
        ids.update(collection.get_descendants(inclusive=True).values_list("pk", flat=True))
    return frozenset(ids)


def _page_expiries() -> tuple[datetime, ...]:
    return tuple(sorted(Page.objects.live().filter(expire_at__isnull=False).values_list("expire_at", flat=True)))


restricted_page_paths = PerGeneration(_restricted_page_paths)
hidden_page_ids = PerGeneration(_hidden_page_ids)
private_collection_ids = PerGeneration(_private_collection_ids)
page_expiries = PerGeneration(_page_expiries)


def visibility_epoch(generation: int) -> int:
    """How many live pages' expiry times have passed: with the generation, what `visible_pages` returns.

    Every change bumps the generation, but time passing does not: a page whose `expire_at`
    passes stays live until the scheduler unpublishes it, and a response cached before
    then would keep serving it. Anything cached by visibility must be keyed by this too;
    it costs no query (the expiry times are memoised per generation).
    """
    return bisect.bisect_right(page_expiries.get(generation), timezone.now())


def visible_pages(*, channel_id: int, generation: int, root: Page | None):
    """Live, unexpired, unrestricted pages under `root` that the channel is offered."""
    # Expiry is excluded by id, not by `expire_at`: search backends can only filter on
    # indexed fields (`id` is one, `expire_at` is not), and `?search=` filters this queryset.
    expired = Page.objects.filter(expire_at__lte=timezone.now()).values("pk")
    queryset = Page.objects.live().exclude(pk__in=expired)
    for path in restricted_page_paths.get(generation):
        queryset = queryset.exclude(path__startswith=path)
    hidden = hidden_page_ids.get(generation, channel_id)
    if hidden:
        queryset = queryset.exclude(pk__in=hidden)
    if root is None:
        return queryset.none()
    return queryset.filter(path__startswith=root.path)


class Visibility(NamedTuple):
    """What decides the pages a request may see; memos of anything shaped by visibility key on it."""

    generation: int
    channel_id: int
    root: Page | None
    epoch: int


def _visible_page_ids(visibility: Visibility) -> frozenset[int]:
    # `epoch` is only part of the memo key: it moves when an expiry time passes.
    pages = visible_pages(channel_id=visibility.channel_id, generation=visibility.generation, root=visibility.root)
    return frozenset(pages.values_list("pk", flat=True))


_visible_page_ids_memo = PerGeneration(_visible_page_ids)


def visible_page_ids(visibility: Visibility) -> frozenset[int]:
    """Ids of the pages `visible_pages` returns for this visibility, memoised per generation."""
    return _visible_page_ids_memo.get(visibility.generation, visibility)


def visible_in_collections(queryset, *, generation: int):
    """Images or documents outside private collections (and their sub-collections)."""
    private = private_collection_ids.get(generation)
    return queryset.exclude(collection_id__in=private) if private else queryset
