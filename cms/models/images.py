"""The image model: alt text and credit are required, renditions per channel preset."""

from django.db import models
from wagtail.images.models import AbstractImage, AbstractRendition, Image


class CustomImage(AbstractImage):
    """An image with the accessibility and rights data every channel needs."""

    alt_text = models.CharField(
        max_length=255,
        help_text="Describes the image for screen readers and for channels that cannot show it.",
    )
    credit = models.CharField(max_length=255, help_text="Photographer, agency or licence holder.")

    admin_form_fields = Image.admin_form_fields + ("alt_text", "credit")

    @property
    def default_alt_text(self) -> str:
        return self.alt_text


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
