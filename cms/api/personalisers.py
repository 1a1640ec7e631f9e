"""What the delivery API needs from a personaliser, and the one that is registered.

The hub does not know how visitors are told apart: an app registers a `Personaliser` at
`AppConfig.ready()` (personalization does, see personalization/personaliser.py). Until
one is, delivery fails closed: no visitor parameter is accepted, no page variant applies
and every personalised block serves its default content, to everyone alike.
"""

from collections.abc import Iterable, Mapping
from typing import Protocol


class ContextError(ValueError):
    """A visitor attribute that cannot be used (a 400), with the parameter that carried it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


# (segment id, alternative page id, channel id or None: every channel)
PageVariantRow = tuple[int, int, int | None]


class PersonalisationState(Protocol):
    """One request's decision, and what was chosen with it while its body was built."""

    simulated: bool

    def digest(self, segment_ids: Iterable[int]) -> str:
        """The cache variant of a body that refers to these segments."""

    def meta(self, segment_ids: Iterable[int]) -> dict:
        """`meta.personalization` of a body that refers to these segments."""

    def choose(self, value) -> tuple[list, object]:
        """A personalised block's chosen contents (StreamValues, best first) and the reason."""

    def resolve_block(self, value, context) -> dict:
        """A personalised block's API representation: the chosen content."""

    def choose_page(self, variants: list[tuple[int, int]]) -> int | None:
        """The alternative page of the (segment id, page id) variant this visitor gets, if any."""

    def experiments_for_page(self, page_id: int, keys: tuple[str, ...]) -> None:
        """Assign the visitor to these experiments on the page's blocks: their arms join the digest."""

    def page_experiment_choice(self, page_id: int, alternatives: Mapping[int, int]) -> tuple[bool, int | None]:
        """(True, the page served or None for the page itself) when an experiment on the page's variant set
        decides for this visitor; (False, None) leaves the choice to `choose_page`. `alternatives` are the
        usable variants' pages by position (1 = first)."""

    def served(self, *, channel_id: int) -> None:
        """The body was served to this visitor (a hit or a miss, a 200 or a 304): no I/O."""


class Personaliser(Protocol):
    """How delivery reads a visitor and where personalised content hides in pages."""

    context_headers: tuple[str, ...]  # request headers a personalised body varies on
    context_parameters: frozenset[str]  # query parameters documented as visitor context
    attribute_headers: Mapping[str, str]  # parameter → the header that may carry it instead
    max_value_length: int

    def is_context_parameter(self, name: str) -> bool:
        """Query parameters that describe the visitor rather than select content."""

    def check_context_parameters(self, params: Mapping[str, str]) -> None:
        """Raise ContextError for a visitor parameter that is refused whoever asks."""

    def state(self, *, channel: str, params: Mapping[str, str], headers: Mapping[str, str], explain: bool,
              simulation: str | None) -> PersonalisationState:
        """Decide for one request; `simulation` is a preview token. Raises ContextError."""

    def page_view_record(self, headers: Mapping[str, str], *, path: str, content_type: str,
                         state: PersonalisationState | None) -> None:
        """Note that the request's visitor viewed a page."""

    def segment_ids_in_stream(self, raw_data) -> set[int]:
        """Ids of the segments a StreamField's stored data refers to."""

    def page_variants(self, page_id: int) -> tuple[PageVariantRow, ...]:
        """A page's variants, in the editor's order."""

    def page_experiments(self, page_id: int) -> tuple[str, ...]:
        """Keys of the experiments that may test this page's blocks or variant set (read once per content generation)."""

    def body_served(self, *, channel_id: int, page_id: int, etag: str, body: bytes) -> None:
        """Note that a personalised body was served (a cache hit or a miss, a 200 or a 304): no I/O."""


class DefaultState:
    """Nobody is told apart: every slot serves its default content."""

    simulated = False

    def digest(self, segment_ids: Iterable[int]) -> str:
        return ""

    def meta(self, segment_ids: Iterable[int]) -> dict:
        return {"segments": [], "referenced_segments": [], "blocks": {}}

    def choose(self, value) -> tuple[list, object]:
        return [value["default"]], None

    def resolve_block(self, value, context) -> dict:
        content = value["default"]
        return {
            "slot": value["slot"],
            "variant": None,
            "reason": "default",
            "content": content.stream_block.get_api_representation(content, context),
        }

    def choose_page(self, variants: list[tuple[int, int]]) -> int | None:
        return None

    def experiments_for_page(self, page_id: int, keys: tuple[str, ...]) -> None:
        return None

    def page_experiment_choice(self, page_id: int, alternatives: Mapping[int, int]) -> tuple[bool, int | None]:
        return False, None

    def served(self, *, channel_id: int) -> None:
        return None


class NoPersonaliser:
    """The fail-closed default: no visitor context, no segments, no variants."""

    context_headers: tuple[str, ...] = ()
    context_parameters: frozenset[str] = frozenset()
    attribute_headers: Mapping[str, str] = {}
    max_value_length = 0

    def is_context_parameter(self, name: str) -> bool:
        return False

    def check_context_parameters(self, params: Mapping[str, str]) -> None:
        return None

    def state(self, *, channel, params, headers, explain, simulation) -> PersonalisationState:
        return DefaultState()

    def page_view_record(self, headers, *, path, content_type, state) -> None:
        return None

    def segment_ids_in_stream(self, raw_data) -> set[int]:
        return set()

    def page_variants(self, page_id: int) -> tuple[PageVariantRow, ...]:
        return ()

    def page_experiments(self, page_id: int) -> tuple[str, ...]:
        return ()

    def body_served(self, *, channel_id, page_id, etag, body) -> None:
        return None


_registered: Personaliser = NoPersonaliser()


def personaliser() -> Personaliser:
    """The registered personaliser, or the fail-closed default."""
    return _registered


def personaliser_register(candidate: Personaliser | None) -> Personaliser:
    """Make `candidate` the delivery API's personaliser (None: the default); return the previous one."""
    global _registered
    previous, _registered = _registered, candidate or NoPersonaliser()
    return previous
