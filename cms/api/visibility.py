"""What a delivery request may see. Every endpoint, filter and relation goes through here.

An API key sees live, unexpired, public content offered on its channel. View
restrictions (passwords, logins, groups), inherited by descendants, hide a page
from every key: a key is a machine credential, never a person.
"""

import bisect
from datetime import datetime
from typing import NamedTuple

from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from django.utils import timezone
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction

from cms.api.generation import PerGeneration
from cms.models import PageChannelOverride

# Visibility is decided by the database each time a body is built (a cache miss): a view
# restriction, an unpublish or an expiry hides a page even if no process heard of the change.
# Memos below only ever make something faster, never decide that it may be shown.


def restricted_pages():
    """Ids of pages under a view restriction, their own or an ancestor's (a subquery).

    A restriction covers a page when the restricted page's tree path prefixes the page's.
    """
    covering = PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path")))
    return Page.objects.filter(Exists(covering)).values("pk")


def private_collections():
    """Ids of collections under a view restriction, their own or a parent's (a subquery)."""
    covering = CollectionViewRestriction.objects.filter(
        collection__path=Substr(OuterRef("path"), 1, Length("collection__path"))
    )
    return Collection.objects.filter(Exists(covering)).values("pk")


def private_collection_ids() -> frozenset[int]:
    """Ids of private collections, read from the database now."""
    return frozenset(private_collections().values_list("pk", flat=True))


def _page_expiries() -> tuple[datetime, ...]:
    return tuple(sorted(Page.objects.live().filter(expire_at__isnull=False).values_list("expire_at", flat=True)))


page_expiries = PerGeneration(_page_expiries)


def visibility_epoch(generation: int) -> int:
    """How many live pages' expiry times have passed: with the generation, what `visible_pages` returns.

    Every change bumps the generation, but time passing does not: a page whose `expire_at`
    passes stays live until the scheduler unpublishes it, and a response cached before
    then would keep serving it. Anything cached by visibility must be keyed by this too;
    it costs no query (the expiry times are memoised per generation).
    """
    return bisect.bisect_right(page_expiries.get(generation), timezone.now())


def visible_pages(*, channel_id: int, root: Page | None):
    """Live, unexpired, unrestricted pages under `root` that the channel is offered, by subqueries."""
    if root is None:
        return Page.objects.none()
    # Excluded by id, not by `expire_at` or an Exists: search backends can only filter on
    # indexed fields (`id` is one), and `?search=` filters this queryset.
    expired = Page.objects.filter(expire_at__lte=timezone.now()).values("pk")
    hidden = PageChannelOverride.objects.filter(channel_id=channel_id, offered=False).values("page_id")
    return (
        Page.objects.live()
        .exclude(pk__in=expired)
        .exclude(pk__in=restricted_pages())
        .exclude(pk__in=hidden)
        .filter(path__startswith=root.path)
    )


class Visibility(NamedTuple):
    """What a request may see, read from the database when its body is built.

    Memos of anything shaped by visibility (rendered rich text) key on all of it, so a
    memo can only return what these same visible pages and collections produced.
    """

    generation: int
    channel_id: int
    root: Page | None
    page_ids: frozenset[int]
    private_collection_ids: frozenset[int]


def visibility_read(*, generation: int, channel_id: int, root: Page | None) -> Visibility:
    """The visible page ids and private collections of a channel and site, from the database (two queries)."""
    page_ids = frozenset(visible_pages(channel_id=channel_id, root=root).values_list("pk", flat=True))
    return Visibility(generation, channel_id, root, page_ids, private_collection_ids())


def visible_in_collections(queryset):
    """Images or documents outside private collections (and their sub-collections), by a subquery."""
    return queryset.exclude(collection_id__in=private_collections())
