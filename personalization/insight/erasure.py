"""Erasing a customer's feedback: the hook the erasure registry calls (wired by the integrator)."""

from django.db.models import Q

from .models import Feedback


def feedback_erase(*, visitor_id: str | None = None, customer_id: str | None = None) -> int:
    """Delete the feedback of a visitor and/or customer id; returns how many items went."""
    if not visitor_id and not customer_id:
        return 0
    match = Q()
    if visitor_id:
        match |= Q(visitor_id=visitor_id)
    if customer_id:
        match |= Q(customer_id=customer_id)
    deleted, _ = Feedback.objects.filter(match).delete()
    return deleted
