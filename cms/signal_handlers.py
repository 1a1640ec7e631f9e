"""Signal wiring for the content hub; each handler only records outbox work."""

from django.conf import settings
from django.db.models.signals import post_save
from PIL import Image as PILImage

from cms.models import CustomImage
from cms.outbox import outbox_enqueue
from cms.renditions import rendition_job_key


def enqueue_channel_renditions(sender, instance: CustomImage, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    outbox_enqueue(
        "cms.renditions.generate_channel_renditions", args=[instance.pk], key=rendition_job_key(instance)
    )


def connect() -> None:
    """Wire the handlers; called once from CmsConfig.ready()."""
    # Renditions decode with Pillow outside Wagtail's upload checks: bound them by the same pixel cap.
    PILImage.MAX_IMAGE_PIXELS = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    post_save.connect(enqueue_channel_renditions, sender=CustomImage, dispatch_uid="cms.renditions")
