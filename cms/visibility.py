"""What a delivery request may see. Every endpoint, filter and relation goes through here,
and so do search results: nothing here knows of the API's views.

An API key sees live, unexpired, public content offered on its channel. View
restrictions (passwords, logins, groups), inherited by descendants, hide a page
from every key: a key is a machine credential, never a person.
"""

import bisect
from datetime import datetime
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction

from cms.api.generation import PerGeneration
from cms.models import PageChannelOverride

# Visibility is decided by the database each time a body is built (a cache miss): a view
# restriction, an unpublish or an expiry hides a page even if no process heard of the change.
# Memos below only ever make something faster, never decide that it may be shown.


def restricted_paths() -> tuple[str, ...]:
    """Tree paths of the pages that carry a view restriction, read from the database now.

    A restriction covers its page and every descendant: their paths start with this one.
    Read as a (usually empty) list rather than a correlated subquery, which would test
    every page of the tree against every restriction.
    """
    return tuple(PageViewRestriction.objects.values_list("page__path", flat=True))


def private_collection_ids() -> frozenset[int]:
    """Ids of collections under a view restriction, their own or a parent's, read from the database now."""
    paths = CollectionViewRestriction.objects.values_list("collection__path", flat=True)
    condition = Q()
    for path in paths:  # usually none: one small query, and no second
        condition |= Q(path__startswith=path)
    if not condition:
        return frozenset()
    return frozenset(Collection.objects.filter(condition).values_list("pk", flat=True))


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


def visible_pages(*, channel_id: int, root: Page | None, restricted: tuple[str, ...] | None = None):
    """Live, unexpired, unrestricted pages under `root` that the channel is offered, from the database now.

    `restricted`: the `restricted_paths()` this request already read, if any.
    """
    if root is None:
        return Page.objects.none()
    # Excluded by id or path, not by `expire_at` or an Exists: search backends can only
    # filter on indexed fields (`id` and `path` are), and `?search=` filters this queryset.
    expired = Page.objects.filter(expire_at__lte=timezone.now()).values("pk")
    hidden = PageChannelOverride.objects.filter(channel_id=channel_id, offered=False).values("page_id")
    queryset = Page.objects.live().exclude(pk__in=expired).exclude(pk__in=hidden)
    for path in restricted_paths() if restricted is None else restricted:
        queryset = queryset.exclude(path__startswith=path)
    return queryset.filter(path__startswith=root.path)


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


def visibility_read(
    *, generation: int, channel_id: int, root: Page | None, restricted: tuple[str, ...] | None = None,
    private: frozenset[int] | None = None,
) -> Visibility:
    """Visible page ids and private collections of a channel and site, from the database (three queries).

    `restricted`, `private`: the `restricted_paths()` and `private_collection_ids()` this request
    already read, if any.
    """
    pages = visible_pages(channel_id=channel_id, root=root, restricted=restricted).order_by()
    page_ids = frozenset(pages.values_list("pk", flat=True))
    private = private_collection_ids() if private is None else private
    return Visibility(generation, channel_id, root, page_ids, private)


def visible_in_collections(queryset, *, private: frozenset[int] | None = None):
    """Images or documents outside private collections (and their sub-collections), from the database now.

    `private`: the `private_collection_ids()` this request already read, if any.
    """
    private = private_collection_ids() if private is None else private
    return queryset.exclude(collection_id__in=private) if private else queryset
