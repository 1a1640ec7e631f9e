"""Placements: named slots that frontends ask the decide endpoint to fill (e.g. 'home-hero')."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import VariantBlock, content_blocks


class Placement(index.Indexed, models.Model):
    """Default content plus variants per segment and channel, chosen per visitor."""

    key = models.SlugField(max_length=64, unique=True, help_text="What frontends ask for, e.g. home-hero.")
    name = models.CharField(max_length=120)
    mode = models.CharField(
        max_length=5,
        choices=[("first", "The best matching variant"), ("all", "Every matching variant, best first")],
        default="first",
    )
    default = StreamField(content_blocks(), blank=True, use_json_field=True)
    variants = StreamField([("variant", VariantBlock())], blank=True, use_json_field=True)

    panels = [FieldPanel("name"), FieldPanel("key"), FieldPanel("mode"), FieldPanel("default"), FieldPanel("variants")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("key")]

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def as_slot(self) -> dict:
        """The shape a personalised block's value has, so one resolver serves both."""
        return {
            "slot": self.key,
            "mode": self.mode,
            "default": self.default,
            "variants": [child.value for child in self.variants],
        }
