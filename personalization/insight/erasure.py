"""Erasing a customer's feedback: registered with the erasure registry when the app starts."""

from django.db.models import Q

from personalization.customers.erasure import Subject, eraser

from .models import Feedback


@eraser("feedback")
def feedback_erase(subject: Subject) -> dict[str, int]:
    """Delete the feedback of any of the customer's visitor ids or of their CRM id."""
    match = Q(visitor_id__in=subject.visitor_ids)
    if subject.customer_id:
        match |= Q(customer_id=subject.customer_id)
    items = Feedback.objects.filter(match)
    count = items.count()
    items.delete()
    return {"feedback": count}
