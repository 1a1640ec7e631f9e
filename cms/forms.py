"""Admin forms of the content hub (WAGTAILIMAGES_IMAGE_FORM_BASE points here)."""

import struct

from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


# What Pillow raises on a file it cannot read: UnidentifiedImageError and "image file is
# truncated" are OSErrors; a broken chunk is a SyntaxError; short reads are EOFError or struct.error.
UNREADABLE_IMAGE = (OSError, SyntaxError, ValueError, EOFError, struct.error)


class SafeImageField(WagtailImageField):
    """Wagtail's image field, refusing too many pixels from the header, before any decoding.

    Wagtail counts pixels through Willow, which decodes the whole image (twice) and counts
    one frame whatever the animation holds: a bomb under Pillow's limit was decoded in full
    before it was refused, one over it escaped as Pillow's DecompressionBombError (a server
    error), and a 20-frame 9-megapixel GIF passed as 9 megapixels. Here width x height x
    frames comes from the headers alone (Pillow counts GIF frames by skipping their data).
    """

    def check_image_pixel_size(self, f):
        if self.max_image_pixels is None:
            return
        f.image.f.seek(0)
        try:
            with PILImage.open(f.image.f) as header:  # parses the header, decodes nothing
                num_pixels = header.width * header.height * getattr(header, "n_frames", 1)
        except PILImage.DecompressionBombError:  # Pillow refuses over twice its limit
            self._refuse(f"over {2 * PILImage.MAX_IMAGE_PIXELS}")
        finally:
            f.image.f.seek(0)
        if num_pixels > self.max_image_pixels:
            self._refuse(num_pixels)

    def to_python(self, data):
        # The one place an unreadable file becomes a form error, not a 500: what Pillow raises
        # while Wagtail reads the file, in the headers read above, or in `_verify`, lands here.
        try:
            f = super().to_python(data)
            if f is not None:
                self._verify(f)
            return f
        except UNREADABLE_IMAGE as exc:
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from exc

    @staticmethod
    def _verify(f) -> None:
        """Read the image's chunks to the end (`verify` decodes no pixels): a truncated file is
        refused here rather than failing later, when a rendition is made. Wagtail, which opens
        the file with Willow, skips the check Django's ImageField makes."""
        f.image.f.seek(0)
        try:
            with PILImage.open(f.image.f) as image:
                image.verify()
        finally:
            f.image.f.seek(0)

    def _refuse(self, num_pixels) -> None:
        raise ValidationError(
            self.error_messages["file_too_many_pixels"]
            % {"num_pixels": num_pixels, "max_pixels_count": self.max_image_pixels},
            code="file_too_many_pixels",
        )


class ImageForm(BaseImageForm):
    """Wagtail's image form with the safe file field (the multi-upload edit form has no file)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            field = self.fields["file"]
            self.fields["file"] = SafeImageField(
                label=field.label, required=field.required, widget=field.widget, max_length=field.max_length
            )
