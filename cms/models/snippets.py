"""Reusable content shared by pages and channels."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index


class Author(index.Indexed, models.Model):
    """A person credited on articles."""

    name = models.CharField(max_length=120)
    role = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        "cms.CustomImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [FieldPanel("name"), FieldPanel("role"), FieldPanel("bio"), FieldPanel("photo")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CallToAction(index.Indexed, models.Model):
    """A labelled link that campaigns reuse across pages and channels."""

    title = models.CharField(max_length=120)
    text = models.CharField(max_length=255, blank=True)
    button_label = models.CharField(max_length=60)
    link_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_url = models.URLField(blank=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("text"),
        FieldPanel("button_label"),
        FieldPanel("link_page"),
        FieldPanel("link_url"),
    ]
    search_fields = [index.SearchField("title"), index.SearchField("text")]

    class Meta:
        ordering = ["title"]
        verbose_name = "call to action"

    def __str__(self) -> str:
        return self.title


class Promo(index.Indexed, models.Model):
    """A promotional card: image, headline, short copy and a link."""

    title = models.CharField(max_length=120)
    body = RichTextField(features=["bold", "italic", "link"], blank=True)
    image = models.ForeignKey(
        "cms.CustomImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_url = models.URLField(blank=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("body"),
        FieldPanel("image"),
        FieldPanel("link_page"),
        FieldPanel("link_url"),
    ]
    search_fields = [index.SearchField("title"), index.SearchField("body")]

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
