"""Publishing a sentiment scorer (by the approval workflow or directly) rescores feedback in the background."""

from django.db import transaction
from wagtail.signals import published

from cms.outbox import outbox_enqueue

RESCORE_HANDLER = "personalization.insight.training.feedback_rescore"


def _on_published(sender, instance, **kwargs) -> None:
    from .models import SentimentModel
    from .scoring import active_scorer_forget

    if isinstance(instance, SentimentModel):
        transaction.on_commit(active_scorer_forget)
        outbox_enqueue(RESCORE_HANDLER, kwargs={"model_id": instance.pk}, key=f"insight-rescore:{instance.pk}")


def connect() -> None:
    published.connect(_on_published, dispatch_uid="insight-sentiment-published")
