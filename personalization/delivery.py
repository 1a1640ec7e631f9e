"""Personalised delivery: one decision per request, variants resolved per slot, cache keys by digest.

A response body depends on the visitor only through the segments that the page's
variants refer to, so it is cached under the digest of *those* matched segments:
a page no segment touches has one cached body per channel, whoever asks.
"""

from collections.abc import Iterator
from datetime import datetime

from wagtail.fields import StreamField
from wagtail.models import get_page_models

from personalization.engine import Decision, VariantSpec, resolve_slot
from personalization.profiles import page_view_note, profile_load, visit_note
from personalization.request_context import VISITOR_ID_HEADER, request_consent, visitor_context
from personalization.ruleset_cache import CompiledRules, current_rules
from personalization.simulation import simulation_check_channel


def segment_ids_in_stream(raw_data) -> set[int]:
    """Ids of the segments that personalised blocks in a StreamField's raw data refer to.

    Reads the stored JSON (`StreamValue.raw_data`), so no block is converted and no segment loaded.
    """
    ids: set[int] = set()
    for child in raw_data or ():
        if child.get("type") == "personalised":
            for variant in _list_items((child.get("value") or {}).get("variants")):
                ids.update(pk for pk in _list_items(variant.get("segments")) if isinstance(pk, int))
    return ids


def live_page_segment_ids(field_names: frozenset[str] | None = None) -> Iterator[tuple[str, set[int]]]:
    """(title, ids of the segments its personalised blocks name) of each live page, one query per page model.

    Reads every StreamField of each page model (or only those named in `field_names`) as stored JSON.
    """
    for model in get_page_models():
        fields = [
            f.attname for f in model._meta.concrete_fields
            if isinstance(f, StreamField) and f.model is model and (field_names is None or f.name in field_names)
        ]
        for title, *values in model.objects.live().values_list("title", *fields) if fields else ():
            yield title, set().union(*(segment_ids_in_stream(getattr(value, "raw_data", value)) for value in values))


def _list_items(raw) -> list:
    # ListBlock data is stored as [{"type": "item", "value": …, "id": …}], or as bare values before Wagtail 2.16.
    return [
        item["value"] if isinstance(item, dict) and item.get("type") == "item" and "value" in item else item
        for item in raw or ()
    ]


class PersonalizationState:
    """The decision for one request and what was chosen with it."""

    def __init__(
        self, *, channel: str, params, headers, explain: bool = False, now: datetime | None = None,
        locale: str | None = None, simulation: dict | None = None,
    ):
        self.rules: CompiledRules = current_rules()
        self.channel = channel
        self.explain = explain
        self.simulated = simulation is not None
        simulation = simulation or {}
        simulation_check_channel(simulation, channel)
        visitor_id = headers.get(VISITOR_ID_HEADER) or None
        self.profile = profile = profile_load(visitor_id)
        attributes = {key: simulation[key] for key in ("device", "country", "region") if key in simulation}
        self.context = visitor_context(
            channel=channel, params={**dict(params.items()), **attributes}, headers=headers, profile=profile,
            now=simulation.get("now", now), locale=simulation.get("locale", locale),
        )
        self.decision: Decision = self.rules.ruleset.evaluate(self.context, explain=explain)
        if "segments" in simulation:
            forced = set(simulation["segments"])
            self.decision = self.decision._replace(matched=tuple(k for k in self.decision.segments if k in forced))
        if not self.simulated:
            visit_note(visitor_id, profile, consent=self.context.consent)
        self.slots: dict[str, dict] = {}

    def keys_of(self, segment_ids) -> frozenset[str]:
        """Keys of the segments in the ruleset for ids: drafts, deleted, expired and left-out
        segments drop out."""
        key_by_id = self.rules.key_by_id
        return frozenset(key_by_id[pk] for pk in segment_ids if pk in key_by_id)

    def digest(self, segment_ids) -> str:
        return self.decision.digest(self.keys_of(segment_ids))

    def choose(self, value):
        """The chosen contents (StreamValues, best first) of a slot and the engine's result."""
        specs, positions = self._variant_specs(value)
        result = resolve_slot(specs, self.decision, channel=self.channel, mode=value["mode"])
        self.slots[value["slot"]] = {
            "variants": list(result.variants),
            "reason": result.reason.value,
            "segments": [choice.segment for choice in result.choices],
        }
        chosen = [value["variants"][positions[variant_id]]["content"] for variant_id in result.variants]
        return chosen or [value["default"]], result

    def resolve_block(self, value, context) -> dict:
        """Choose a personalised block's variants and represent the chosen content."""
        contents, result = self.choose(value)
        representations = [content.stream_block.get_api_representation(content, context) for content in contents]
        return {
            "slot": value["slot"],
            "variant": result.variant,
            "reason": result.reason.value,
            "content": representations[0] if value["mode"] == "first" else [item for rep in representations for item in rep],
        }

    def choose_page(self, variants: list[tuple[int, int]]) -> int | None:
        """The alternative page of the best matching (segment id, page id) variant, if any."""
        specs = [
            VariantSpec(id=str(page_id), segments=tuple(self.keys_of([segment_id])))
            for segment_id, page_id in variants
            if self.keys_of([segment_id])
        ]
        chosen = resolve_slot(specs, self.decision, channel=self.channel).variant
        return int(chosen) if chosen else None

    def _variant_specs(self, value) -> tuple[list[VariantSpec], dict[str, int]]:
        specs, positions = [], {}
        for index, variant in enumerate(value["variants"]):
            # A deleted segment is None here; it still makes the variant segment-specific.
            listed = list(variant["segments"] or ())
            keys = self.keys_of([segment.pk for segment in listed if segment is not None])
            if listed and not keys:
                continue  # its segments are deleted, drafts, expired or left out: never "anyone"
            variant_id = f"v{index + 1}"
            positions[variant_id] = index
            specs.append(VariantSpec(id=variant_id, segments=tuple(sorted(keys)), channels=tuple(variant["channels"] or ())))
        return specs, positions

    def meta(self, segment_ids) -> dict:
        """`meta.personalization`: only what the cache key (the digest) determines, plus explanations."""
        referenced = self.keys_of(segment_ids)
        meta = {
            "segments": [key for key in self.decision.matched if key in referenced],
            "digest": self.decision.digest(referenced),
            "referenced_segments": sorted(referenced),
            "blocks": self.slots,
        }
        if self.explain:
            meta["explain"] = [trace.as_dict() for trace in self.decision.trace if trace.key in referenced]
        return meta


def page_view_record(headers, *, path: str, content_type: str, state: PersonalizationState | None = None) -> None:
    """Note a visit and a page view for the request's visitor, with consent; a decision already made lends its profile."""
    visitor_id = headers.get(VISITOR_ID_HEADER) or None
    if not visitor_id or (state is not None and state.simulated):
        return
    if state is not None:  # its decision noted the visit already
        profile, consent = state.profile, state.context.consent
    else:
        profile = profile_load(visitor_id)
        consent = request_consent(headers, profile)
        visit_note(visitor_id, profile, consent=consent)
    page_view_note(visitor_id, profile, consent=consent, path=path, content_type=content_type)
