"""A compiled ruleset: frozen, shared by all requests, evaluated without I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .attributes import GATED
from .context import VisitorContext
from .decision import ConditionTrace, Decision, Reason, SegmentTrace
from .facts import Compute, Facts
from .operators import Predicate

# Every combination of the consents that gate data, indexed by bits (GATED order):
# each segment is compiled once per combination that changes it, so evaluation never
# checks consent condition by condition.
CONSENT_COMBINATIONS = tuple(
    frozenset(category for bit, category in enumerate(GATED) if index >> bit & 1)
    for index in range(1 << len(GATED))
)


_INDEX = {consented: index for index, consented in enumerate(CONSENT_COMBINATIONS)}
_BITS = tuple((1 << bit, category.value) for bit, category in enumerate(GATED))


def consent_index(consent: frozenset[str]) -> int:
    """The index in CONSENT_COMBINATIONS of a visitor's consents."""
    index = _INDEX.get(consent)  # the usual case: consent is exactly one combination
    if index is None:
        index = sum(bit for bit, category in _BITS if category in consent)
    return index


class Conjuncts(NamedTuple):
    """Conditions that must all hold: ``facts[guard] in accepted`` (when ``guard`` is
    set), then each of ``tests``."""

    guard: str | None
    accepted: frozenset[object] | None
    tests: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class CompiledSegment:
    """One enabled segment, compiled into predicates.

    ``tests`` has, per consent combination, the conditions that must all hold, with
    conditions on data without consent folded to false (None: it cannot match);
    ``explain`` checks consent and traces as it goes. ``channels`` is set when the
    first condition evaluated requires a channel: the segment is then only in those
    channels' plans and its tests skip that condition. ``member`` is the Facts key under
    which membership is stored for segments that use this one; ``needs`` the consent
    categories its conditions, and those of the segments it uses, need; ``rank`` its
    position in priority order.
    """

    key: str
    rank: int
    tests: tuple[Conjuncts | None, ...]
    explain: Predicate
    channels: frozenset[str] | None
    member: str | None
    needs: frozenset[str]


Plan = tuple[tuple[str, str | None, frozenset[object] | None, tuple[Predicate, ...], str | None], ...]


class Ruleset:
    """Compiled segments, ready to evaluate; build one with ``compile_ruleset`` and share
    it between requests (it is never modified).

    ``keys`` lists every segment, enabled or not, in priority order; ``version_digest``
    identifies the compiled rules. Evaluation walks a plan chosen by the visitor's
    channel and consents: the enabled segments that can match there, dependencies first.
    """

    __slots__ = (
        "_anywhere",
        "_disabled",
        "_order",
        "_plans",
        "_rank",
        "_sources",
        "_unconsented",
        "keys",
        "version_digest",
    )

    def __init__(
        self,
        order: Sequence[CompiledSegment],
        *,
        sources: Mapping[str, Compute],
        keys: tuple[str, ...],
        disabled: frozenset[str],
        version_digest: str,
    ) -> None:
        self.keys = keys
        self.version_digest = version_digest
        self._order = tuple(order)
        self._sources = dict(sources)
        self._disabled = disabled
        # per consent combination, the segments using data the visitor has not consented to
        self._unconsented = tuple(
            frozenset(s.key for s in order if not s.needs <= consented)
            for consented in CONSENT_COMBINATIONS
        )
        in_order = [segment.rank for segment in order] == sorted(segment.rank for segment in order)
        # None when dependencies did not change the order, so there is nothing to sort
        self._rank = None if in_order else {segment.key: segment.rank for segment in order}
        # per channel (and for any other channel), only the segments that can match there
        channels = {name for segment in order for name in segment.channels or ()}
        self._plans = {name: self._plan(name) for name in channels}
        self._anywhere = self._plan(None)

    def _plan(self, channel: str | None) -> tuple[Plan, ...]:
        segments = [s for s in self._order if s.channels is None or channel in s.channels]
        return tuple(
            tuple((s.key, *s.tests[index], s.member) for s in segments if s.tests[index] is not None)
            for index in range(len(CONSENT_COMBINATIONS))
        )

    def evaluate(self, context: VisitorContext, *, explain: bool = False) -> Decision:
        """The segments ``context`` matches, in priority order; with ``explain``, a trace
        of every condition evaluated. Pure: no I/O, no clock, no randomness."""
        if explain:
            return self._explain(context)
        facts = Facts(context, self._sources)
        consent = consent_index(context.consent)
        matched = []
        plan = self._plans.get(context.channel.casefold(), self._anywhere)[consent]
        for key, guard, accepted, tests, member in plan:
            if guard is not None and facts[guard] not in accepted:  # type: ignore[operator]
                continue
            for test in tests:
                if not test(facts):
                    break
            else:
                matched.append(key)
                if member is not None:
                    facts[member] = True
        return self._decision(matched, consent)

    def _explain(self, context: VisitorContext) -> Decision:
        # Every segment is evaluated (no plan) so that the trace is complete; a plan only
        # leaves out segments whose first condition fails, so the outcome is the same.
        trace: list[ConditionTrace] = []
        facts = Facts(context, self._sources, trace)
        consent = consent_index(context.consent)
        matched = []
        traces = {key: SegmentTrace(key, Reason.DISABLED, ()) for key in self._disabled}
        for segment in self._order:
            trace.clear()
            if segment.explain(facts):
                matched.append(segment.key)
                if segment.member is not None:
                    facts[segment.member] = True
                reason = Reason.MATCH
            elif segment.key in self._unconsented[consent]:
                reason = Reason.NO_CONSENT
            else:
                reason = Reason.NO_MATCH
            traces[segment.key] = SegmentTrace(segment.key, reason, tuple(trace))
        return self._decision(matched, consent, tuple(traces[key] for key in self.keys))

    def _decision(self, matched: list[str], consent: int, trace: tuple[SegmentTrace, ...] = ()) -> Decision:
        if self._rank is not None:  # dependencies were evaluated first; report by priority
            matched.sort(key=self._rank.__getitem__)
        return Decision(tuple(matched), self._unconsented[consent], self._disabled, self.keys, trace)

    def __repr__(self) -> str:
        return f"<Ruleset {len(self.keys)} segments {self.version_digest}>"
