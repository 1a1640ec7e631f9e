"""The image model: alt text and credit are required, renditions per channel preset."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from wagtail.images.models import (
    AbstractImage,
    AbstractRendition,
    Image,
    WagtailImageField,
    WagtailImageFieldFile,
    get_upload_to,
)


class HeaderSizedImageFieldFile(WagtailImageFieldFile):
    """An image file whose width and height come from its header.

    Wagtail's reads them through Willow, which decodes every pixel: on upload that was
    twice the whole image in memory (once for the form, once when the model saves),
    some 160 MB a time for a 40-megapixel RGB image that compresses to 100 KB.
    """

    def get_image_dimensions(self):
        close = self.closed
        try:
            self.open()
            self.seek(0)
            with PILImage.open(self) as header:  # parses the header, decodes nothing
                return header.size
        except (OSError, SyntaxError, ValueError):  # not Pillow's format: Wagtail's way decides
            return super().get_image_dimensions()
        finally:
            if close:
                self.close()
            else:
                self.seek(0)


class HeaderSizedImageField(WagtailImageField):
    """Wagtail's image model field, measuring images by their header."""

    attr_class = HeaderSizedImageFieldFile

    def deconstruct(self):
        # Migrations see Wagtail's field: how dimensions are read is not part of the schema.
        name, _path, args, kwargs = super().deconstruct()
        return name, "wagtail.images.models.WagtailImageField", args, kwargs


class CustomImage(AbstractImage):
    """An image with the accessibility and rights data every channel needs."""

    file = HeaderSizedImageField(
        verbose_name=_("file"), upload_to=get_upload_to, width_field="width", height_field="height"
    )

    alt_text = models.CharField(
        max_length=255,
        help_text="Describes the image for screen readers and for channels that cannot show it.",
    )
    credit = models.CharField(max_length=255, help_text="Photographer, agency or licence holder.")

    admin_form_fields = Image.admin_form_fields + ("alt_text", "credit")

    class Meta(AbstractImage.Meta):
        # /media/ finds the image that owns a file by its name on every request (cms.media).
        indexes = [models.Index(fields=["file"], name="cms_image_file_idx")]

    @property
    def default_alt_text(self) -> str:
        return self.alt_text


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
        indexes = [models.Index(fields=["file"], name="cms_rendition_file_idx")]
