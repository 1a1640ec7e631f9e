"""Signal wiring for personalisation: a rule change reaches every process without a restart."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import published, unpublished

from cms.outbox.announce import announce_after_commit, announce_when_cache_recovers
from personalization.events.catalogue import event_types_changed
from personalization.models import EventType, Experiment, Segment, TraitDefinition
from personalization.ruleset_cache import forget_compiled_rules, ruleset_changed

RULES_CHANGED = "personalization.signal_handlers.rules_changed_announce"
GENERATION_BUMP = "cms.api.generation.content_generation_bump"


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


def on_experiment_change(sender, instance=None, **kwargs) -> None:
    """Running experiments compile with the rules; a launch, stop or delete also changes which
    pages vary by arm (a per-generation lookup), so it retires the cached bodies too."""
    if kwargs.get("raw"):
        return
    announce_after_commit(RULES_CHANGED)


def on_experiment_published(sender, instance=None, **kwargs) -> None:
    on_experiment_change(sender, instance, **kwargs)
    announce_after_commit(GENERATION_BUMP)


def connect() -> None:
    """Wire the handlers; called once from PersonalizationConfig.ready()."""
    # A ruleset change dropped during an outage must reach every process.
    announce_when_cache_recovers(RULES_CHANGED)
    published.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-published")
    unpublished.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-unpublished")
    for model in (Segment, TraitDefinition):
        post_save.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.saved.{model.__name__}")
        post_delete.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.deleted.{model.__name__}")
    post_save.connect(on_experiment_change, sender=Experiment, dispatch_uid="personalization.saved.Experiment")
    published.connect(on_experiment_published, sender=Experiment, dispatch_uid="personalization.experiment-published")
    unpublished.connect(on_experiment_published, sender=Experiment, dispatch_uid="personalization.experiment-unpublished")
    post_delete.connect(on_experiment_published, sender=Experiment, dispatch_uid="personalization.deleted.Experiment")
    post_save.connect(event_types_changed, sender=EventType, dispatch_uid="personalization.saved.EventType")
    post_delete.connect(event_types_changed, sender=EventType, dispatch_uid="personalization.deleted.EventType")
