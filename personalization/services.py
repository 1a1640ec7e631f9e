"""Writes for the marketer admin that change live segments outside the editor.

Priority and the enabled switch are changed on the live row in one transaction; stored
revisions are left as they were (``Segment.with_content_json`` keeps a live segment's
own priority and switch, so publishing a pending draft later does not undo them). Each
change is in the audit log, and the rule change is announced after commit so every
process rebuilds its ruleset.
"""

import uuid
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from personalization.models import Segment
from personalization.ruleset_cache import forget_compiled_rules, ruleset_changed
from personalization.specs import live_segments

PRIORITY_STEP = 10
LOG_RULES = "personalization.segment.rules"  # the rules in words, when a save changes them
LOG_PRIORITY = "personalization.segment.priority"
LOG_ENABLED = "personalization.segment.enabled"
LOG_DISABLED = "personalization.segment.disabled"


def segments_reorder(*, user, segment_ids: Sequence[int]) -> list[Segment]:
    """Renumber the live segments 10, 20, 30… in the order given (first wins).

    ``segment_ids`` must name every live segment once; the segments whose priority
    changes are returned.
    """
    _require_publish(user)
    with transaction.atomic():
        segments = {segment.pk: segment for segment in live_segments().select_for_update()}
        if sorted(segment_ids) != sorted(segments):
            raise ValidationError("The live segments changed meanwhile: order them again from this list.")
        changed = []
        for position, pk in enumerate(segment_ids, start=1):
            segment, priority = segments[pk], position * PRIORITY_STEP
            if segment.priority != priority:
                # An entry (and uuid) of its own per segment: Wagtail's history
                # shows one entry per uuid and action.
                log(instance=segment, action=LOG_PRIORITY, user=user, uuid=uuid.uuid4(),
                    data={"from": segment.priority, "to": priority})
                _set_live_field(segment, user, priority=priority)
                changed.append(segment)
        if changed:
            _announce_on_commit()
    return changed


def segment_set_enabled(*, user, segment: Segment, enabled: bool) -> bool:
    """Switch a segment on or off; returns whether anything changed."""
    _require_publish(user)
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        if segment.enabled == enabled:
            return False
        log(instance=segment, action=LOG_ENABLED if enabled else LOG_DISABLED, user=user)
        _set_live_field(segment, user, enabled=enabled)
        _announce_on_commit()
    return True


def _require_publish(user) -> None:
    # Both change live rules at once, as publishing does.
    if not user.has_perm("personalization.publish_segment"):
        raise PermissionDenied


def _set_live_field(segment: Segment, user, **values) -> None:
    for name, value in values.items():
        setattr(segment, name, value)
    segment.updated_by = user
    segment.updated_at = timezone.now()
    Segment.objects.filter(pk=segment.pk).update(**values, updated_by=user, updated_at=segment.updated_at)


def _announce_on_commit() -> None:
    def announce() -> None:
        ruleset_changed()
        forget_compiled_rules()

    transaction.on_commit(announce)
