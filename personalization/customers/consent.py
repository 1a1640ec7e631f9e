"""Consent given or withdrawn for a visitor (the API's PUT and the admin control)."""

from django.db import transaction

from personalization.customers.identity import holding_profile
from personalization.customers.suppression import suppressed, unsuppress
from personalization.models import VisitorProfile
from personalization.profiles import profile_upsert
from personalization.request_context import CONSENT_CATEGORIES


class UnknownCategory(ValueError):
    """A consent category the hub does not know."""


def consent_set(*, visitor_id: str, categories: list[str]) -> tuple[list[str], list[str]]:
    """Store the visitor's consent (to every id of a known customer); return (consent, ids it now covers).

    Consent given again is what lifts an erased id's suppression; withdrawing everything
    from an erased id creates nothing.
    """
    unknown = set(categories) - CONSENT_CATEGORIES
    if unknown:
        raise UnknownCategory(", ".join(sorted(unknown)))
    consent = sorted(set(categories))
    with transaction.atomic():
        if suppressed([visitor_id]):
            if not consent:
                return [], []
            unsuppress(visitor_id)
        profile = profile_upsert(visitor_id=visitor_id, consent=consent)
        ids = [profile.visitor_id, *VisitorProfile.objects.filter(merged_into=profile).values_list("visitor_id", flat=True)]
    return consent, sorted(ids)


def consent_of(visitor_id: str) -> list[str] | None:
    """The stored consent of a visitor id, or None without a profile."""
    profile = holding_profile(visitor_id)
    return None if profile is None else list(profile.consent)
