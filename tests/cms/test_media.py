"""Uploaded files: /media/ serves an image file only when its collection lets the request see it.

In every mode: with DEBUG on, Django's static() used to serve all of MEDIA_ROOT (documents
and originals of private collections included) to anyone; with it off, nothing served the
rendition URLs the API hands out. Documents go through Wagtail's serve view only.
"""

import importlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import clear_url_caches
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from cms.api.generation import content_generation_bump
from cms.api.keys import api_key_create
from tests.factories import ChannelFactory, ImageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _reload_urls() -> None:
    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def mode(request, settings):
    """The URLconf as it is built with DEBUG on (the default) and off."""
    debug = settings.DEBUG
    settings.DEBUG = request.param
    _reload_urls()
    yield request.param
    settings.DEBUG = debug
    _reload_urls()


def private_collection(name: str = "Board", restriction_type: str = "password") -> Collection:
    collection = Collection.get_first_root_node().add_child(name=name)
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=restriction_type, password="x"
    )
    return collection


def media(path: str) -> str:
    return f"/media/{path}"


def test_files_of_a_private_collection_are_not_served_to_anyone(mode, client):
    private = private_collection()
    image = ImageFactory(collection=private)
    rendition = image.get_rendition("width-10")
    document = get_document_model().objects.create(
        title="Board minutes", file=ContentFile(b"the secret plan", name="minutes.txt"), collection=private
    )

    for path in (image.file.name, rendition.file.name, document.file.name):
        response = client.get(media(path))
        assert response.status_code == 404, path
        assert b"secret" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_documents_are_served_only_by_wagtails_view_with_its_privacy(mode, client):
    Document = get_document_model()
    public = Document.objects.create(title="Price list", file=ContentFile(b"prices", name="prices.txt"))
    private = Document.objects.create(
        title="Minutes", file=ContentFile(b"minutes", name="minutes.txt"),
        collection=private_collection("Staff", restriction_type="login"),
    )

    assert public.url.startswith("/documents/") and private.url.startswith("/documents/")
    assert client.get(media(public.file.name)).status_code == 404  # never straight from MEDIA_ROOT
    assert b"".join(client.get(public.url).streaming_content) == b"prices"
    refused = client.get(private.url)
    assert refused.status_code == 302 and "/login" in refused["Location"]
    client.force_login(UserFactory())
    assert b"".join(client.get(private.url).streaming_content) == b"minutes"


def test_public_images_and_their_renditions_are_served_to_anyone(mode, client):
    image = ImageFactory()
    rendition = image.get_rendition("width-10")

    for path in (image.file.name, rendition.file.name):
        response = client.get(media(path))
        assert response.status_code == 200, path
        assert response["Content-Type"] == "image/png"
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        assert client.post(media(path)).status_code == 405


def test_the_rendition_urls_the_api_returns_can_be_fetched(mode, client):
    channel = ChannelFactory(slug="web", presets=[("hero", "width-20|format-webp")])
    _, key = api_key_create(channel=channel, name="web", scopes=["delivery"])
    ImageFactory()
    content_generation_bump()

    listing = client.get("/api/v2/images/?fields=renditions", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    url = listing["items"][0]["renditions"]["hero"]["url"]

    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"


def test_editors_see_private_images_in_the_admin_and_others_do_not(client):
    image = ImageFactory(collection=private_collection())
    client.force_login(UserFactory(role="Editors"))

    listing = client.get("/admin/images/")
    assert listing.status_code == 200
    thumbnail = image.renditions.get(filter_spec="max-165x165")
    assert thumbnail.url in listing.content.decode()
    assert client.get(thumbnail.url).status_code == 200
    assert client.get(image.file.url).status_code == 200
    assert "private" in client.get(thumbnail.url)["Cache-Control"]

    stranger = Client()
    stranger.force_login(UserFactory())  # signed in, but no image permissions
    assert stranger.get(thumbnail.url).status_code == 404


def test_a_collection_made_private_stops_serving_its_files_at_once(client):
    collection = Collection.get_first_root_node().add_child(name="Later private")
    rendition = ImageFactory(collection=collection).get_rendition("width-10")
    assert client.get(rendition.url).status_code == 200

    CollectionViewRestriction.objects.create(collection=collection, restriction_type="password", password="x")

    assert client.get(rendition.url).status_code == 404


def test_files_no_image_owns_are_not_served(client, settings):
    stray = Path(settings.MEDIA_ROOT) / "original_images" / "stray.png"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"not an upload")

    assert client.get(media("original_images/stray.png")).status_code == 404
    assert client.get(media("../etc/passwd")).status_code == 404


def test_serving_a_public_rendition_costs_three_indexed_queries(client, django_assert_max_num_queries):
    rendition = ImageFactory().get_rendition("width-10")

    with django_assert_max_num_queries(3):  # the original's owner, the rendition's, the restrictions
        assert client.get(rendition.url).status_code == 200
