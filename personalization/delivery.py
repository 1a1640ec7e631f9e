"""Personalised delivery: one decision per request, variants resolved per slot, cache keys by digest.

A response body depends on the visitor only through the segments that the page's
variants refer to, so it is cached under the digest of *those* matched segments:
a page no segment touches has one cached body per channel, whoever asks.

Experiments add to that key only on the pages they touch: the experiments the view names
(from a per-generation lookup) are assigned, and their arms join the digest.
"""

import hashlib
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings

from personalization.engine import (
    Assignment, AssignmentReason, Decision, SlotChoice, SlotReason, SlotResult, VariantSpec, assign,
    in_global_holdout, resolve_slot,
)
from personalization.experiments.exposure_buffer import exposure_note
from personalization.experiments.models import TargetKind
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
        self.visitor_id = visitor_id = headers.get(VISITOR_ID_HEADER) or None
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
        # The global holdout sees the default content everywhere (as if no segment matched) and no experiment.
        self.global_holdout = not self.simulated and in_global_holdout(visitor_id, settings.PERSONALIZATION_GLOBAL_HOLDOUT)
        if self.global_holdout:
            self.decision = self.decision._replace(matched=())
        if not self.simulated:
            visit_note(visitor_id, profile, consent=self.context.consent)
        self.slots: dict[str, dict] = {}
        # Experiments asked for by this request (a page's, or the decide endpoint's placements), by key.
        self.experiments: dict[str, Assignment] = {}
        self._slot_arms: dict[str, tuple[Assignment, str | None]] = {}
        # Experiments on a page's variant set, by page id: (assignment, the arm's "v<n>" or None).
        self._page_arms: dict[int, tuple[Assignment, str | None]] = {}

    def _assign(self, key: str):
        """This visitor's assignment in experiment `key`, and the experiment if it is running."""
        running = self.rules.experiments.by_key.get(key)
        if running is None:
            assignment = Assignment(key, None, AssignmentReason.INACTIVE)
        elif self.global_holdout:
            assignment = Assignment(key, None, AssignmentReason.HOLDOUT)
        elif self.simulated:
            assignment = Assignment(key, None, AssignmentReason.ANONYMOUS)
        else:
            assignment = assign(running.spec, self.visitor_id, self.decision.matched)
        self.experiments[key] = assignment
        return assignment, running

    def experiments_for_page(self, page_id: int, keys) -> None:
        """Assign the experiments testing blocks or the variant set of `page_id` (their keys, as the view found them)."""
        for key in keys:
            if key in self.experiments:
                continue
            assignment, running = self._assign(key)
            if running is None or running.page_id != page_id:
                continue
            arm = (assignment, running.variants.get(assignment.arm))
            if running.kind == TargetKind.PAGE:
                self._page_arms[page_id] = arm
            else:
                self._slot_arms[running.slot] = arm

    def page_experiment_choice(self, page_id: int, alternatives: Mapping[int, int]) -> tuple[bool, int | None]:
        """Whether an experiment on the page's variant set decides, and the page it serves (None: the page itself).

        `alternatives` are the usable page variants by position (1 = first, in the editor's
        order): an arm whose variant is not usable here (removed, another channel, not live)
        gets the page itself, never an error. A visitor outside the experiment (audience,
        anonymous, not running) is left to the segments.
        """
        if page_id not in self._page_arms:
            return False, None
        assignment, variant_id = self._page_arms[page_id]
        if assignment.reason not in (AssignmentReason.ARM, AssignmentReason.HOLDOUT):
            return False, None
        return True, alternatives.get(int(variant_id[1:])) if variant_id else None

    def experiments_for_placements(self, placement_keys) -> None:
        """Assign the running experiments on these placements (the decide endpoint)."""
        by_placement = self.rules.experiments.by_placement
        for placement in placement_keys:
            running = by_placement.get(placement)
            if running is not None and running.spec.key not in self.experiments:
                assignment, _ = self._assign(running.spec.key)
                self._slot_arms[placement] = (assignment, running.variants.get(assignment.arm))

    def served(self, *, channel_id: int) -> None:
        """The body was served: note an exposure for each arm shown (buffered, no I/O).

        An exposure keeps the visitor id, so it is noted only with behaviour consent, as events are.
        """
        if self.simulated or not self.visitor_id or "behaviour" not in self.context.consent:
            return
        for key, assignment in self.experiments.items():
            if assignment.arm is not None:
                exposure_note(experiment=key, arm=assignment.arm, visitor_id=self.visitor_id, channel_id=channel_id)

    def experiments_meta(self) -> dict:
        """`meta.personalization.experiments`: each experiment asked for, with the arm and why."""
        return {key: assignment.as_dict() for key, assignment in self.experiments.items()}

    def keys_of(self, segment_ids) -> frozenset[str]:
        """Keys of the segments in the ruleset for ids: drafts, deleted, expired and left-out
        segments drop out."""
        key_by_id = self.rules.key_by_id
        return frozenset(key_by_id[pk] for pk in segment_ids if pk in key_by_id)

    def digest(self, segment_ids) -> str:
        """The cache variant: the matched segments among those referred to, and, on a page whose
        experiments were assigned (`experiments_for_page`), their arms; and the global holdout, which meta reports."""
        base = self.decision.digest(self.keys_of(segment_ids))
        if not self.experiments and not self.global_holdout:
            return base
        outcome = [(key, a.arm or a.reason.value) for key, a in sorted(self.experiments.items())]
        raw = f"{self.global_holdout}:{outcome}".encode()
        return f"{base}-{hashlib.blake2b(raw, digest_size=6).hexdigest()}"

    def choose(self, value):
        """The chosen contents (StreamValues, best first) of a slot and the engine's result."""
        if value["slot"] in self._slot_arms:
            chosen = self._experiment_choice(value)
            if chosen is not None:
                return chosen
        specs, positions = self._variant_specs(value)
        result = resolve_slot(specs, self.decision, channel=self.channel, mode=value["mode"])
        self.slots[value["slot"]] = {
            "variants": list(result.variants),
            "reason": result.reason.value,
            "segments": [choice.segment for choice in result.choices],
        }
        chosen = [value["variants"][positions[variant_id]]["content"] for variant_id in result.variants]
        return chosen or [value["default"]], result

    def _experiment_choice(self, value):
        """The slot's content for the visitor's arm; None when the experiment leaves the slot to the segments."""
        assignment, variant_id = self._slot_arms[value["slot"]]
        if assignment.reason not in (AssignmentReason.ARM, AssignmentReason.HOLDOUT):
            return None
        position = int(variant_id[1:]) - 1 if variant_id else None
        if position is not None and position >= len(value["variants"]):
            position = None  # the arm's variant was removed from the block since: the default, never an error
        if position is None:
            result = SlotResult(())
            content = value["default"]
        else:
            result = SlotResult((SlotChoice(variant_id, SlotReason.EXPERIMENT),))
            content = value["variants"][position]["content"]
        self.slots[value["slot"]] = {
            "variants": list(result.variants),
            "reason": result.reason.value,
            "segments": [None for _ in result.choices],
            "experiment": assignment.experiment,
            "arm": assignment.arm,
        }
        return [content], result

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
        if self.global_holdout:
            return None
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
        if self.experiments:
            meta["experiments"] = self.experiments_meta()
        if self.global_holdout:
            meta["global_holdout"] = True
        if self.explain:
            meta["explain"] = [trace.as_dict() for trace in self.decision.trace if trace.key in referenced]
            meta["explain"] += self.experiments_explain()
        return meta

    def experiments_explain(self) -> list[dict]:
        """The explain trace's entries for experiments: the arm, why, and what decided it."""
        entries = []
        for key, assignment in self.experiments.items():
            running = self.rules.experiments.by_key.get(key)
            entries.append({
                "experiment": key, **assignment.as_dict(),
                "audience": list(running.spec.audience) if running else [],
                "holdout": running.spec.holdout if running else 0.0,
                "global_holdout": self.global_holdout,
            })
        return entries


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
