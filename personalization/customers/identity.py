"""One customer, many visitor ids: attaching the CRM's customer id and merging profiles.

The customer's profile holds everything; each other visitor id of the customer keeps a
row pointing at it (`merged_into`) and sharing its consent, so reads stay one indexed
lookup and ingestion still reads consent from the id's own row. Every id that joins a
customer is recorded (ProfileMerge: which id, which customer, when, why).
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone

from django.db import IntegrityError, transaction

from personalization.models import ProfileMerge, VisitorProfile
from personalization.profiles import (
    MAX_STORED_EVENTS, ProfileSuppressed, _appended, _event_time, profiles_forget_cached,
)
from personalization.customers.suppression import suppressed


class IdentityConflict(Exception):
    """The visitor id already belongs to another customer: two customers are never merged."""

    def __init__(self, visitor_id: str, customer_id: str, other: str) -> None:
        super().__init__(f"visitor id {visitor_id!r} already belongs to another customer than {customer_id!r}")
        self.other = other


@dataclass
class Identified:
    """The customer's profile after an identify, and the visitor ids that joined it now."""

    profile: VisitorProfile
    joined: list[str] = field(default_factory=list)


def profile_group(profile: VisitorProfile) -> list[str]:
    """Every visitor id of a (holding) profile: its own first, then the merged ones."""
    merged = VisitorProfile.objects.filter(merged_into=profile).order_by("visitor_id").values_list("visitor_id", flat=True)
    return [profile.visitor_id, *merged]


def holding_profile(visitor_id: str) -> VisitorProfile | None:
    """The profile holding a visitor id's data (itself, or the customer's it was merged into)."""
    row = VisitorProfile.objects.select_related("merged_into").filter(visitor_id=visitor_id).first()
    return row.merged_into if row is not None and row.merged_into_id else row


def profile_find(any_id: str) -> VisitorProfile | None:
    """The holding profile for a visitor id or a CRM customer id."""
    return holding_profile(any_id) or VisitorProfile.objects.filter(customer_id=any_id).first()


def identify(*, visitor_id: str, customer_id: str, reason: str, now: datetime | None = None) -> Identified:
    """Attach `customer_id` to `visitor_id`, merging its profile into the customer's.

    An anonymous profile (no customer id) merges into the customer's; a profile that
    already belongs to another customer raises IdentityConflict, and an erased id
    ProfileSuppressed. Identifying again changes nothing.
    """
    if suppressed([visitor_id]):
        raise ProfileSuppressed(visitor_id)
    try:
        return _identify(visitor_id, customer_id, reason, now or datetime.now(timezone.utc))
    except IntegrityError:
        # Another request created the customer or the id meanwhile: once more, it is found now.
        return _identify(visitor_id, customer_id, reason, now or datetime.now(timezone.utc))


def _identify(visitor_id: str, customer_id: str, reason: str, now: datetime) -> Identified:
    with transaction.atomic():
        customer = VisitorProfile.objects.select_for_update().filter(customer_id=customer_id).first()
        holder = _locked_holder(visitor_id)
        if holder is not None and holder.customer_id and holder.customer_id != customer_id:
            raise IdentityConflict(visitor_id, customer_id, holder.customer_id)
        if customer is not None and holder is not None and holder.pk == customer.pk:
            return Identified(customer)
        if customer is None:
            customer = holder or VisitorProfile.objects.create(visitor_id=visitor_id, first_seen=now, last_seen=now)
            customer.customer_id = customer_id
            customer.save(update_fields=["customer_id", "updated_at"])
            joined = [visitor_id]
        elif holder is None:
            VisitorProfile.objects.create(visitor_id=visitor_id, merged_into=customer, consent=customer.consent)
            joined = [visitor_id]
        else:
            joined = _merge(into=customer, source=holder)
        ProfileMerge.objects.bulk_create(
            [ProfileMerge(profile=customer, visitor_id=vid, customer_id=customer_id, reason=reason[:200]) for vid in joined]
        )
        group = profile_group(customer)
        transaction.on_commit(lambda: profiles_forget_cached(group))
    return Identified(customer, joined)


def _locked_holder(visitor_id: str) -> VisitorProfile | None:
    row = VisitorProfile.objects.select_for_update().filter(visitor_id=visitor_id).first()
    if row is not None and row.merged_into_id:
        return VisitorProfile.objects.select_for_update().get(pk=row.merged_into_id)
    return row


def _merge(*, into: VisitorProfile, source: VisitorProfile) -> list[str]:
    """Fold an anonymous profile (and its merged ids) into the customer's; return the ids moved."""
    moved = profile_group(source)
    into.first_seen = min(filter(None, (into.first_seen, source.first_seen)), default=None)
    into.last_seen = max(filter(None, (into.last_seen, source.last_seen)), default=None)
    into.visit_count += source.visit_count
    into.pages_visited = _appended(into.pages_visited, source.pages_visited)
    into.content_types_visited = _appended(into.content_types_visited, source.content_types_visited)
    into.events = sorted([*into.events, *source.events], key=_event_time)[-MAX_STORED_EVENTS:]
    # The CRM is the system of record for a known customer: its traits win over the anonymous ones.
    into.traits = {**source.traits, **into.traits}
    # Only what both consented to: a merge must never widen what may be used (ask again instead).
    into.consent = sorted(set(into.consent) & set(source.consent))
    into.save()
    VisitorProfile.objects.filter(merged_into=source).update(merged_into=into, consent=into.consent)
    VisitorProfile.objects.filter(merged_into=into).update(consent=into.consent)
    source.merges.update(profile=into)
    source.memberships.filter(left_at__isnull=True).update(left_at=datetime.now(timezone.utc))
    VisitorProfile.objects.filter(pk=source.pk).update(
        merged_into=into, consent=into.consent, first_seen=None, last_seen=None, visit_count=0,
        pages_visited=[], content_types_visited=[], events=[], traits={},
    )
    return moved
