"""Segments as a marketer leaves them: saved, and (unless ``live=False``) published."""

import factory

from personalization.models import Segment

MOBILE = {"attribute": "device", "operator": "equals", "value": "mobile"}


class SegmentFactory(factory.django.DjangoModelFactory):
    """``SegmentFactory(key="gold", priority=10, definition={...})`` is live; ``live=False``
    leaves a draft (saved with one revision, never published)."""

    class Meta:
        model = Segment
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"segment-{n}")
    name = factory.LazyAttribute(lambda s: s.key.replace("-", " ").title())
    priority = factory.Sequence(lambda n: (n + 1) * 10)
    definition = factory.LazyFunction(lambda: dict(MOBILE))

    @classmethod
    def _create(cls, model_class, *args, live: bool = True, user=None, **kwargs):
        segment = model_class(*args, **kwargs)
        if not live:
            segment.live = False
        segment.save()
        revision = segment.save_revision(user=user)
        if live:
            revision.publish(user=user)
        return segment
