"""Signal wiring for personalisation: a rule change reaches every process without a restart."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import published, unpublished

from cms.outbox.announce import announce_after_commit, announce_when_cache_recovers
from personalization.events.catalogue import event_types_changed
from personalization.models import EventType, Segment, TraitDefinition
from personalization.ruleset_cache import forget_compiled_rules, ruleset_changed

RULES_CHANGED = "personalization.signal_handlers.rules_changed_announce"


def rules_changed_announce() -> None:
    """Move the ruleset stamp on (every process recompiles); raises CacheUnavailable if the cache is down."""
    ruleset_changed()
    forget_compiled_rules()


def on_segment_change(sender, instance=None, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    # Processes that did not notice an outage would keep their old ruleset: the outbox retries it.
    announce_after_commit(RULES_CHANGED)


def on_rules_published(sender, instance=None, **kwargs) -> None:
    """Frontends caching personalised responses hear that the rules moved (webhook `rules.changed`)."""
    from cms.webhooks.services import webhook_event_record

    on_segment_change(sender, instance, **kwargs)
    webhook_event_record("rules.changed", obj=instance)


def connect() -> None:
    """Wire the handlers; called once from PersonalizationConfig.ready()."""
    # A ruleset change dropped during an outage must reach every process.
    announce_when_cache_recovers(RULES_CHANGED)
    published.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-published")
    unpublished.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-unpublished")
    for model in (Segment, TraitDefinition):
        post_save.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.saved.{model.__name__}")
        post_delete.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.deleted.{model.__name__}")
    post_save.connect(event_types_changed, sender=EventType, dispatch_uid="personalization.saved.EventType")
    post_delete.connect(event_types_changed, sender=EventType, dispatch_uid="personalization.deleted.EventType")
