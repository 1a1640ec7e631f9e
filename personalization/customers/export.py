"""Right of access: everything the hub holds about a visitor, in one documented JSON shape.

The shape is `ProfileExport` in the OpenAPI description (personalization.api.crm_schema);
the admin's customer page shows the same data.
"""

from datetime import datetime, timezone

from personalization.customers.identity import holding_profile, profile_group
from personalization.customers.membership import profile_segments
from personalization.models import Event, ProfileMerge, SegmentMembership, VisitorProfile

# Columns of a raw event as exported (the internal row id and no IP: none is stored).
EVENT_FIELDS = ("event_id", "type", "channel_id", "visitor_id", "occurred_at", "received_at", "page_id", "placement",
                "variant", "experiment", "arm", "segments", "value", "properties")


def trait_provenance(row: VisitorProfile) -> dict[str, dict]:
    """Per trait, where its value came from and when (`trait_sources`: name → {source, at})."""
    return {name: value for name, value in row.trait_sources.items() if isinstance(value, dict)}


def profile_export(visitor_id: str, *, now: datetime | None = None) -> dict | None:
    """Everything held about the visitor and the customer's other ids; None when nothing is held."""
    now = now or datetime.now(timezone.utc)
    row = holding_profile(visitor_id)
    ids = profile_group(row) if row else [visitor_id]
    events = [_event(values) for values in Event.objects.filter(visitor_id__in=ids).order_by("occurred_at", "id").values(*EVENT_FIELDS)]
    if row is None and not events:
        return None
    memberships = list(SegmentMembership.objects.filter(profile=row).order_by("entered_at", "pk")) if row else []
    entered = {m.segment: m.entered_at for m in memberships if m.left_at is None}
    provenance = trait_provenance(row) if row else {}
    return {
        "visitor_id": visitor_id,
        "customer_id": row.customer_id if row else None,
        "visitor_ids": ids,
        "merges": [
            {"visitor_id": m.visitor_id, "customer_id": m.customer_id, "reason": m.reason, "merged_at": _iso(m.merged_at)}
            for m in (ProfileMerge.objects.filter(profile=row) if row else ())
        ],
        "consent": list(row.consent) if row else [],
        "profile": _profile(row),
        "traits": [
            {"name": name, "value": value, "source": provenance.get(name, {}).get("source"),
             "updated_at": provenance.get(name, {}).get("at") or provenance.get(name, {}).get("updated_at")}
            for name, value in sorted((row.traits if row else {}).items())
        ],
        "events": events,
        "segments": [
            {"key": key, "entered_at": _iso(entered.get(key))} for key in (profile_segments(row, now=now) if row else [])
        ],
        "segment_history": [
            {"key": m.segment, "entered_at": _iso(m.entered_at), "left_at": _iso(m.left_at)} for m in memberships
        ],
        "exported_at": now.isoformat(),
    }


def _profile(row: VisitorProfile | None) -> dict | None:
    if row is None:
        return None
    return {
        "first_seen": _iso(row.first_seen),
        "last_seen": _iso(row.last_seen),
        "visit_count": row.visit_count,
        "pages_visited": list(row.pages_visited),
        "content_types_visited": list(row.content_types_visited),
        "recent_events": list(row.events),
    }


def _event(values: dict) -> dict:
    return {
        "id": values["event_id"], "type": values["type"], "channel_id": values["channel_id"],
        "visitor_id": values["visitor_id"], "occurred_at": _iso(values["occurred_at"]),
        "received_at": _iso(values["received_at"]), "page": values["page_id"], "placement": values["placement"],
        "variant": values["variant"], "experiment": values["experiment"], "arm": values["arm"],
        "segments": values["segments"], "value": None if values["value"] is None else float(values["value"]),
        "properties": values["properties"],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
