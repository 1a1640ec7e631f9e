"""Channel rendition presets: generated ahead of time so no API request pays for them."""

from cms.models import CustomImage


def channel_filter_specs() -> list[str]:
    """Every distinct filter spec that some channel's presets ask for."""
    from personalization.models import ChannelRenditionPreset

    return sorted(set(ChannelRenditionPreset.objects.values_list("filter_spec", flat=True)))


def generate_channel_renditions(image_id: int) -> int:
    """Create the renditions every channel needs for one image; return how many exist.

    Idempotent: Wagtail reuses renditions that already exist.
    """
    image = CustomImage.objects.filter(pk=image_id).first()
    specs = channel_filter_specs()
    if image is None or not specs:
        return 0
    return len(image.get_renditions(*specs))


def rendition_job_key(image: CustomImage) -> str:
    """One pending rendition job per image file: a re-save of the same file adds none."""
    return f"renditions:{image.pk}:{image.file_hash or image.file.name}"
