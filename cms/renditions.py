"""Channel rendition presets and admin previews: generated ahead of time so no request pays for them."""

from cms.models import ChannelRenditionPreset, CustomImage


def channel_filter_specs() -> list[str]:
    """Every distinct filter spec that some channel's presets ask for."""
    return sorted(set(ChannelRenditionPreset.objects.values_list("filter_spec", flat=True)))


# What Wagtail's admin shows of every image (listing and chooser thumbnails, the edit page's
# preview). Made with the channels' presets, so the editor's next page after an upload finds
# them ready instead of decoding a large original inside that request.
ADMIN_FILTER_SPECS = ("max-165x165", "max-800x600")


def generate_channel_renditions(image_id: int) -> int:
    """Create the renditions every channel and the admin need for one image; return how many exist.

    Idempotent: Wagtail reuses renditions that already exist.
    """
    image = CustomImage.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    return len(image.get_renditions(*channel_filter_specs(), *ADMIN_FILTER_SPECS))


def rendition_job_key(image: CustomImage) -> str:
    """One pending rendition job per image file: a re-save of the same file adds none."""
    return f"renditions:{image.pk}:{image.file_hash or image.file.name}"
