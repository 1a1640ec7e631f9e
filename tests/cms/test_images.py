"""Images: channel renditions made by the outbox task, and what the admin upload refuses."""

import json
import os
import subprocess
import sys
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.images.forms import get_image_form, get_image_multi_form

from cms.models import CustomImage, OutboxJob
from cms.renditions import ADMIN_FILTER_SPECS, generate_channel_renditions
from tests.factories import ChannelFactory, ImageFactory, UserFactory, small_png
from tests.helpers.celery import shared_database_url
from tests.helpers.processes import ROOT

pytestmark = pytest.mark.django_db
RENDITIONS = "cms.renditions.generate_channel_renditions"


def png_bytes(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def noise_png(width: int, height: int) -> bytes:
    """Random pixels do not compress: about 3 bytes a pixel."""
    buffer = BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A 1-bit PNG claiming 20000 x 20000 pixels (400 million) in about 50 KB."""
    return png_bytes(20_000, 20_000, mode="1")


def animated_gif(width: int, height: int, frames: int) -> bytes:
    """Frames that differ by one pixel each (Pillow merges identical ones): a few KB."""
    images = []
    for index in range(frames):
        image = Image.new("P", (width, height))
        image.putpixel((index, 0), 1)
        images.append(image)
    buffer = BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(superuser=True))
    return client


def upload(client, name: str, content: bytes, **fields):
    data = {"title": "Upload", "alt_text": "A description", "credit": "A photographer", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    response = client.post("/admin/images/add/", data)
    assert response.status_code in (200, 302)
    return response


def file_errors(response) -> str:
    assert response.status_code == 200, "the upload was accepted"
    return " ".join(response.context["form"].errors.get("file", []))


def test_the_rendition_task_makes_every_channel_preset(django_capture_on_commit_callbacks):
    ChannelFactory(slug="email", presets=[("hero", "width-600|format-jpeg")])
    ChannelFactory(slug="mobile", presets=[("hero", "width-750|format-webp"), ("thumb", "fill-100x100|format-webp")])

    with django_capture_on_commit_callbacks(execute=True):
        image = ImageFactory(file=small_png(1200, 800, name="wide.png"))

    job = OutboxJob.objects.get(handler=RENDITIONS)
    assert job.args == [image.pk] and job.done_at is not None
    made = {r.filter_spec: r for r in image.renditions.all()}
    for spec, size, pillow_format in [
        ("width-600|format-jpeg", (600, 400), "JPEG"),
        ("width-750|format-webp", (750, 500), "WEBP"),
        ("fill-100x100|format-webp", (100, 100), "WEBP"),
    ]:
        with made[spec].file.open() as f, Image.open(f) as decoded:
            assert (decoded.format, decoded.size) == (pillow_format, size), spec
    channel_specs = {"width-600|format-jpeg", "width-750|format-webp", "fill-100x100|format-webp"}
    assert set(made) == channel_specs | set(ADMIN_FILTER_SPECS)
    assert generate_channel_renditions(image.pk) == 5  # a second run reuses them
    assert image.renditions.count() == 5


def test_an_upload_through_the_admin_enqueues_its_renditions(admin_client, django_capture_on_commit_callbacks):
    ChannelFactory(slug="email", presets=[("hero", "width-600|format-jpeg")])

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, "photo.png", png_bytes(800, 600))

    assert response.status_code == 302
    image = CustomImage.objects.get(title="Upload")
    assert (image.alt_text, image.credit) == ("A description", "A photographer")
    assert {r.filter_spec for r in image.renditions.all()} == {"width-600|format-jpeg", *ADMIN_FILTER_SPECS}


def test_a_decompression_bomb_is_refused_with_a_form_error(admin_client, bomb):
    assert len(bomb) < 100_000

    response = upload(admin_client, "bomb.png", bomb)

    assert "too many pixels (over 80000000). Maximum pixels 40000000" in file_errors(response)
    assert not CustomImage.objects.exists()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_over_the_pixel_cap_is_refused_before_it_is_decoded(admin_client, monkeypatch):
    huge = png_bytes(7_000, 7_000, mode="1")  # 49 million pixels: under Pillow's own refusal

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    response = upload(admin_client, "huge.png", huge)

    assert "too many pixels (49000000). Maximum pixels 40000000" in file_errors(response)


def test_an_oversized_upload_is_refused_with_a_form_error(admin_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10_000
    content = noise_png(100, 100)
    assert len(content) > 10_000

    response = upload(admin_client, "big.png", content)

    assert "This file is too big" in file_errors(response)
    assert "Maximum filesize 9.8\xa0KB" in file_errors(response)


def jpeg_bytes(width: int, height: int) -> bytes:
    buffer = BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        ("png", 8),  # the signature alone: UnidentifiedImageError when Wagtail counts pixels
        ("png", 60),  # the header and part of the data: "image file is truncated" as Wagtail decodes
        ("png", 1000),
        ("png", -12),  # every pixel but no end chunk: Wagtail's decoding takes it, Pillow's verify does not
        ("jpg", 600),
    ],
)
def test_a_truncated_image_is_a_form_error(admin_client, name, cut, django_capture_on_commit_callbacks):
    content = noise_png(40, 40) if name == "png" else jpeg_bytes(40, 40)
    admin_client.raise_request_exception = False

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/images/add/",
            {"title": "Cut", "alt_text": "A", "credit": "B", "file": SimpleUploadedFile(f"cut.{name}", content[:cut])},
        )

    assert response.status_code == 200, response.status_code
    assert "Upload a valid image" in file_errors(response)
    assert not CustomImage.objects.exists()


def test_an_svg_is_refused(admin_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    response = upload(admin_client, "logo.svg", svg)

    assert "Not a supported image format" in file_errors(response)
    assert not CustomImage.objects.exists()


def test_alt_text_and_credit_are_required():
    form = get_image_form(CustomImage)(
        data={"title": "No alt", "alt_text": "", "credit": ""},
        files={"file": SimpleUploadedFile("ok.png", png_bytes(10, 10))},
    )

    assert not form.is_valid()
    assert set(form.errors) == {"alt_text", "credit"}


def test_the_multi_upload_edit_form_still_has_no_file_field():
    assert "file" not in get_image_multi_form(CustomImage)().fields


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the probe process reads committed data
def test_an_upload_just_under_the_pixel_cap_decodes_nothing_in_the_request(tmp_path):
    # 39.9 million RGB pixels in 116 KB: Pillow holds them in 160 MB, and Wagtail's upload
    # decoded them four times (two pixel checks, two dimension reads) before it answered.
    path = tmp_path / "huge.png"
    path.write_bytes(png_bytes(6_300, 6_330))
    env = {
        **os.environ, "DATABASE_URL": shared_database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"
    }

    probe = subprocess.run(
        [sys.executable, "-m", "tests.helpers.upload_probe", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )

    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.splitlines()[-1])
    assert (result["status"], result["errors"]) == (302, []), result
    assert result["peak_mb"] < 50, result  # one decode alone would be 160 MB
    assert RENDITIONS in result["jobs"], "the renditions are the outbox's work, after the request"


def test_an_accepted_upload_reads_only_headers(admin_client, monkeypatch, django_capture_on_commit_callbacks):
    content = png_bytes(800, 600)

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    with django_capture_on_commit_callbacks(execute=False):  # the rendition job decodes, later
        response = upload(admin_client, "photo.png", content)

    assert response.status_code == 302
    assert CustomImage.objects.values_list("width", "height").get() == (800, 600)


def test_the_frames_of_an_animation_count_towards_the_pixel_cap(admin_client):
    content = animated_gif(3_000, 3_000, frames=20)  # 9 million pixels a frame, 180 million in all
    assert len(content) < 20_000

    response = upload(admin_client, "animation.gif", content)

    assert "too many pixels (180000000). Maximum pixels 40000000" in file_errors(response)
    assert not CustomImage.objects.exists()


def test_an_animation_under_the_pixel_cap_is_accepted(admin_client):
    response = upload(admin_client, "animation.gif", animated_gif(200, 100, frames=5))

    assert response.status_code == 302
    assert CustomImage.objects.values_list("width", "height").get() == (200, 100)


def test_the_admin_listing_after_an_upload_finds_its_thumbnail_made(
    admin_client, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox's rendition job
        upload(admin_client, "photo.png", png_bytes(800, 600))

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the listing decoded an image")

    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    listing = admin_client.get("/admin/images/")

    assert listing.status_code == 200
    assert CustomImage.objects.get().renditions.get(filter_spec="max-165x165").url in listing.content.decode()
