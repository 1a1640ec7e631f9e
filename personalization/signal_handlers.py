"""Signal wiring for personalisation: a rule change reaches every process without a restart."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import published, unpublished

from config.cache import CacheUnavailable, cache_recovered, cache_unavailable
from personalization.events.catalogue import event_types_changed
from personalization.models import EventType, Segment, TraitDefinition
from personalization.ruleset_cache import forget_compiled_rules, ruleset_changed

logger = logging.getLogger(__name__)

RULES_CHANGED = "personalization.signal_handlers.rules_changed_announce"


def rules_changed_announce() -> None:
    """Move the ruleset stamp on; raise CacheUnavailable if the cache dropped it (the outbox retries)."""
    ruleset_changed()
    forget_compiled_rules()
    unavailable = cache_unavailable()
    if unavailable:
        raise CacheUnavailable(unavailable)


def _announce_or_retry() -> None:
    from cms.outbox import outbox_enqueue

    try:
        rules_changed_announce()
    except CacheUnavailable:
        # Processes that did not notice the outage would keep their old ruleset: retry until it lands.
        logger.warning("cache unreachable: the ruleset change is announced again through the outbox")
        outbox_enqueue(RULES_CHANGED, key=RULES_CHANGED)


def _rules_changed_after_commit(**kwargs) -> None:
    transaction.on_commit(_announce_or_retry)


def rules_after_outage(sender=None, **kwargs) -> None:
    """The cache is back: a ruleset change dropped during the outage must reach every process."""
    ruleset_changed()
    forget_compiled_rules()


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
    cache_recovered.connect(rules_after_outage, dispatch_uid="personalization.cache-recovered")
    published.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-published")
    unpublished.connect(on_rules_published, sender=Segment, dispatch_uid="personalization.segment-unpublished")
    for model in (Segment, TraitDefinition):
        post_save.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.saved.{model.__name__}")
        post_delete.connect(on_segment_change, sender=model, dispatch_uid=f"personalization.deleted.{model.__name__}")
    post_save.connect(event_types_changed, sender=EventType, dispatch_uid="personalization.saved.EventType")
    post_delete.connect(event_types_changed, sender=EventType, dispatch_uid="personalization.deleted.EventType")
