from io import BytesIO

import factory
from django.contrib.auth.models import Group, User
from django.core.files.images import ImageFile
from PIL import Image
from wagtail.models import Page

from cms.models import ArticlePage, Channel, ChannelRenditionPreset, CustomImage, HomePage, LandingPage, SectionPage


def small_png(width: int = 64, height: int = 48, colour: str = "teal", name: str = "test.png") -> ImageFile:
    """An in-memory PNG, as Wagtail's own tests make them."""
    buffer = BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return ImageFile(buffer, name=name)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """UserFactory(role="Editors") puts the user in that role's group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))

    class Params:
        superuser = factory.Trait(is_superuser=True, is_staff=True)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"channel{n}")
    name = factory.LazyAttribute(lambda c: c.slug.title())

    @factory.post_generation
    def presets(self, create, extracted, **kwargs):
        """ChannelFactory(presets=[("hero", "width-100|format-webp")])."""
        for order, (name, spec) in enumerate(extracted or []):
            ChannelRenditionPreset.objects.create(channel=self, name=name, filter_spec=spec, sort_order=order)


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomImage

    title = factory.Sequence(lambda n: f"Image {n}")
    file = factory.LazyFunction(small_png)
    alt_text = factory.LazyAttribute(lambda i: f"Alt for {i.title}")
    credit = "Test credit"


class _PageFactory(factory.Factory):
    """Pages are created under `parent` (default: the tree root) and published unless live=False."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda p: p.title.lower().replace(" ", "-"))

    @classmethod
    def _create(cls, model_class, parent=None, live=True, **kwargs):
        parent = parent or Page.objects.get(depth=1)
        page = model_class(**kwargs)
        parent.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
        else:
            page.live = False
            page.save(update_fields=["live"])
        return page


class HomePageFactory(_PageFactory):
    class Meta:
        model = HomePage


class SectionPageFactory(_PageFactory):
    class Meta:
        model = SectionPage


class ArticlePageFactory(_PageFactory):
    class Meta:
        model = ArticlePage

    summary = factory.LazyAttribute(lambda p: f"Summary of {p.title}")


class LandingPageFactory(_PageFactory):
    class Meta:
        model = LandingPage
