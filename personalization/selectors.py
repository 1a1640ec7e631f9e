"""Reads for the marketer admin: the rule builder's catalogue, a trial decision, the reach.

Nothing here writes; a trial compiles the edited (unsaved) definition beside the live
segments it may use, so the answer is the one delivery would give once it is live.
"""

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Channel
from personalization.engine import Ruleset, SegmentSpec, VisitorContext, catalogue
from personalization.engine.attributes import did_you_mean
from personalization.engine.values import WEEKDAYS
from personalization.models import Segment, TraitDefinition, VisitorProfile
from personalization.profiles import stored_profile
from personalization.specs import compile_candidate, issue_dicts, live_segments

# At most this many stored profiles are evaluated for a reach estimate, the most recently seen first.
REACH_SAMPLE = 10_000
CANDIDATE_KEY = "candidate"
CATEGORY_LABELS = {
    "request": "Request",
    "behaviour": "Behaviour (needs consent)",
    "crm": "CRM traits (needs consent)",
}
# Profile fields that a visitor context takes from the stored profile; the rest come from the request.
_PROFILE_FIELDS = (
    "visitor_id",
    "first_seen",
    "visit_count",
    "pages_visited",
    "content_types_visited",
    "events",
    "traits",
    "consent",
)


def builder_catalogue() -> dict[str, Any]:
    """What the rule builder offers: the engine's catalogue with the CRM traits defined here,
    their choices, the segments a rule may refer to, and words for the categories."""
    traits = {trait.name: trait for trait in TraitDefinition.objects.all()}
    data = catalogue({name: trait.type for name, trait in traits.items()})
    for attribute in data["attributes"]:
        trait = traits.get(attribute["name"].removeprefix("trait."))
        if attribute["name"].startswith("trait.") and trait is not None:
            attribute["description"] = trait.description or attribute["description"]
            attribute["choices"] = [str(choice) for choice in trait.choices] if trait.type == "choice" else []
    segments = Segment.objects.values_list("key", "name")
    data["segments"] = [{"key": key, "name": name} for key, name in segments]
    # Channels that exist, offered beside the value field (a datalist) and named in the hint.
    channels = list(Channel.objects.order_by("slug").values_list("slug", "name"))
    for attribute in data["attributes"]:
        if attribute["name"] == "channel":  # countries and devices come with the engine's catalogue
            attribute["suggestions"] = [{"value": slug, "label": name} for slug, name in channels]
            keys = ", ".join(slug for slug, _name in channels) or _("none defined yet")
            attribute["description"] = _("The channel asking, by its key: %(keys)s.") % {"keys": keys}
    data["weekdays"] = list(WEEKDAYS)
    data["categories"] = CATEGORY_LABELS
    return data


@dataclasses.dataclass(frozen=True)
class Trial:
    """A definition tried against a sample visitor: its problems, or the decision and reach."""

    issues: list[dict[str, str]]
    decision: dict[str, Any] | None = None
    reach: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": not self.issues,
            "issues": self.issues,
            "decision": self.decision,
            "reach": self.reach,
        }


def segment_trial(
    *, definition: object, sample: Mapping[str, Any] | None, key: str = "", segment_id: int | None = None
) -> Trial:
    """Validate ``definition`` as segment ``key`` would be; with a ``sample`` visitor context,
    also decide for it (with the deciding conditions) and estimate the reach.

    Raises SampleError when ``sample`` is not a usable visitor context.
    """
    taken = set(live_segments().exclude(pk=segment_id).values_list("key", flat=True))
    key = key or CANDIDATE_KEY
    while key in taken:  # a new segment named like a live one: the form will say so on save
        key = f"{key}-{CANDIDATE_KEY}"
    candidate = SegmentSpec(key=key, name=key, priority=0, definition=definition)
    issues, ruleset = compile_candidate(candidate, exclude_pk=segment_id, check_trait_lists=True)
    if issues:
        return Trial(issues=issue_dicts(issues, definition))
    if sample is None:
        return Trial(issues=[])
    visitor = _sample_context(sample)
    reach = segment_reach(ruleset=ruleset, key=key, sample=visitor)
    return Trial(issues=[], decision=_decision(ruleset, key, visitor), reach=reach)


class SampleError(ValueError):
    """A sample visitor that is not a usable visitor context; the message says why."""


def _sample_context(sample: Mapping[str, Any]) -> VisitorContext:
    values = {"visitor_id": None, "now": timezone.now(), **sample}
    if problem := _sample_problem(values):
        raise SampleError(problem)
    try:
        return VisitorContext.from_dict(values)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # Not a Python exception for the marketer: say which part, in words.
        raise SampleError(_("one of its values has the wrong form; check the dates, lists and numbers")) from exc


_SAMPLE_FIELDS = [field.name for field in dataclasses.fields(VisitorContext)]


def _sample_problem(values: Mapping[str, Any]) -> str:
    """What is wrong with a sample visitor, in words, before the engine would raise; "" if nothing found."""
    for name in values:
        if name not in _SAMPLE_FIELDS:
            return _("'%(name)s' is not something a visitor has%(hint)s. A visitor has: %(known)s") % {
                "name": name, "hint": did_you_mean(str(name), _SAMPLE_FIELDS), "known": ", ".join(_SAMPLE_FIELDS),
            }
    if not isinstance(values.get("channel"), str) or not values["channel"]:
        return _('it needs the channel it arrives on, e.g. "channel": "web"')
    for name in ("now", "first_seen"):
        value = values.get(name)
        if name == "now" or value is not None:
            if not _is_datetime(value):
                return _("'%(name)s' needs a date and time like 2026-03-01T09:00:00+01:00") % {"name": name}
    events = values.get("events", [])
    if not isinstance(events, list) or not all(
        isinstance(event, dict) and isinstance(event.get("name"), str) and _is_datetime(event.get("at"))
        for event in events
    ):
        return _("'events' needs a list of events like {\"name\": \"signup\", \"at\": \"2026-03-01T09:00:00Z\"}")
    for name in ("pages_visited", "content_types_visited", "consent"):
        if name in values and not isinstance(values[name], list):
            return _("'%(name)s' needs a list") % {"name": name}
    for name in ("utm", "query", "ctx", "traits"):
        if name in values and not isinstance(values[name], dict):
            return _("'%(name)s' needs an object of names and values") % {"name": name}
    if not isinstance(values.get("visit_count", 0), int):
        return _("'visit_count' needs a whole number")
    return ""


def _is_datetime(value: object) -> bool:
    if isinstance(value, datetime):
        return True
    try:
        return isinstance(value, str) and bool(datetime.fromisoformat(value))
    except ValueError:
        return False


def _decision(ruleset: Ruleset, key: str, visitor: VisitorContext) -> dict[str, Any]:
    decision = ruleset.evaluate(visitor, explain=True)
    trace = next(segment for segment in decision.trace if segment.key == key)
    return {
        "matched": key in decision.matched,
        "reason": decision.reason(key).value,
        "conditions": [condition.as_dict() for condition in trace.conditions],
        "uses_segments": [other for other in decision.matched if other != key],
    }


def segment_reach(
    *, ruleset: Ruleset, key: str, sample: VisitorContext, limit: int | None = None
) -> dict[str, Any]:
    """How many stored profiles segment ``key`` matches when they arrive like ``sample``:
    request attributes (channel, device, country, time…) come from the sample, stored
    ones (visits, events, traits, consent) from each profile. Beyond ``limit`` profiles,
    the most recently seen are evaluated and the share is scaled to the total."""
    total = VisitorProfile.objects.count()
    profiles = VisitorProfile.objects.only(*_PROFILE_FIELDS)
    newest_first = profiles.order_by(F("last_seen").desc(nulls_last=True), "pk")
    rows = newest_first[: limit or REACH_SAMPLE]
    sampled = matched = 0
    for row in rows.iterator(chunk_size=1000):
        sampled += 1
        matched += key in ruleset.evaluate(_as_arriving(sample, row)).matched
    estimate = matched if sampled == total else round(matched * total / sampled) if sampled else 0
    approximate = "" if sampled == total else "≈ "
    return {
        "matched": matched,
        "sampled": sampled,
        "total": total,
        "estimate": estimate,
        "label": f"{approximate}{estimate:,} of {total:,} profiles",
    }


def _as_arriving(sample: VisitorContext, row: VisitorProfile) -> VisitorContext:
    profile = stored_profile(row)
    return dataclasses.replace(
        sample,
        visitor_id=row.visitor_id,
        first_seen=profile.first_seen,
        visit_count=profile.visit_count,
        pages_visited=profile.pages_visited,
        content_types_visited=profile.content_types_visited,
        events=profile.events,
        traits=profile.traits or {},
        consent=profile.consent,
    )


def sample_visitor(now: datetime) -> dict[str, Any]:
    """The example visitor the editor's "test against a sample visitor" panel starts with."""
    return {
        "channel": "web",
        "visitor_id": "sample-visitor",
        "now": now.replace(microsecond=0).isoformat(),
        "timezone": "Europe/London",
        "device": "mobile",
        "locale": "en-GB",
        "country": "GB",
        "referrer": "https://www.google.com/",
        "utm": {"source": "newsletter", "campaign": "spring"},
        "visit_count": 3,
        "pages_visited": ["/pricing/"],
        "events": [],
        "traits": {},
        "consent": ["behaviour", "crm"],
    }
