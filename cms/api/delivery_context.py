"""What one delivery request carries, as one object: its key's grant and channel, the content
generation, its site, what it may see and how it is personalised.

A delivery view builds it in `initial()` and hands it to the serializers (their context's
`delivery`); fields, blocks and representations shape content for the request through it.
Without one (Wagtail's own API, templates), they behave as stock Wagtail.
"""

from collections.abc import Callable
from functools import cached_property

from wagtail.models import Site

from cms.api.keys import KeyGrant
from cms.api.lookups import channel_overrides
from cms.api.personalisers import DefaultState, PersonalisationState
from cms.models import PageChannelOverride
from cms.visibility import Visibility, private_collection_ids, restricted_paths, visibility_read


class DeliveryContext:
    """A delivery request's grant, generation, site, visibility and personalisation.

    The site, visibility and personalisation are read the first time something asks,
    so a cached response costs none of them.
    """

    def __init__(
        self, *, grant: KeyGrant, generation: int, site: Callable[[], Site | None],
        personalise: Callable[[], PersonalisationState] | None = None,
    ):
        self.grant = grant
        self.channel_id: int = grant.channel_id
        self.generation = generation
        self._site = site
        self._personalise = personalise
        # Page id → override that replaces the live one (a previewed draft's own overrides).
        self.draft_overrides: dict[int, PageChannelOverride | None] = {}

    @cached_property
    def site(self) -> Site | None:
        """The site whose pages this request may see."""
        return self._site()

    @cached_property
    def restricted_paths(self) -> tuple[str, ...]:
        """The view-restricted page paths, read from the database once per request that builds a body."""
        return restricted_paths()

    @cached_property
    def private_collections(self) -> frozenset[int]:
        """The private collections' ids, read from the database once per request that builds a body."""
        return private_collection_ids()

    @cached_property
    def visibility(self) -> Visibility:
        """What this request may see, read from the database once per request that builds a body."""
        site = self.site
        return visibility_read(
            generation=self.generation, channel_id=self.channel_id, root=site and site.root_page,
            restricted=self.restricted_paths, private=self.private_collections,
        )

    def page_is_visible(self, page_id: int) -> bool:
        return page_id in self.visibility.page_ids

    def image_is_visible(self, image) -> bool:
        return image.collection_id not in self.visibility.private_collection_ids

    def channel_override(self, page_id: int) -> PageChannelOverride | None:
        """The page's override on this request's channel, if it has one."""
        if page_id in self.draft_overrides:
            return self.draft_overrides[page_id]
        return channel_overrides.get(self.generation, self.channel_id).get(page_id)

    @cached_property
    def personalization(self) -> PersonalisationState:
        """The decision for this request, made on first use; endpoints that do not personalise serve defaults."""
        return self._personalise() if self._personalise else DefaultState()

    @property
    def decided(self) -> PersonalisationState | None:
        """The decision if something already asked for it, else None (none is made)."""
        return self.__dict__.get("personalization")


def delivery_context(serializer_context) -> DeliveryContext | None:
    """The delivery request a serializer or block works for, if it works for one."""
    return serializer_context.get("delivery") if serializer_context else None
