"""Signal wiring for personalisation: a rule change reaches every process without a restart."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import published, unpublished

from personalization.models import Segment, TraitDefinition
from personalization.ruleset_cache import forget_compiled_rules, ruleset_changed


def _rules_changed_after_commit(**kwargs) -> None:
    def announce() -> None:
        ruleset_changed()
        forget_compiled_rules()

    transaction.on_commit(announce)


def on_segment_change(sender, instance=None, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    _rules_changed_after_commit()


def on_rules_published(sender, instance=None, **kwargs) -> None:
    """Frontends caching personalised responses hear that the rules moved (webhook `rules.changed`)."""
    from cms.webhooks.services import webhook_event_record

    on_segment_change(sender, instance, **kwargs)
    webhook_event_record("rules.changed", obj=instance)


def connect() -> None:
    """Wire the handlers; called once from PersonalizationConfig.ready()."""
    published.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-published")
    unpublished.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-unpublished")
    for model in (Segment, TraitDefinition):
        post_save.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.saved.{model.__name__}")
        post_delete.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.deleted.{model.__name__}")
