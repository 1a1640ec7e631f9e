"""Documents: the admin upload is bounded like images."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.models import Collection

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_documents_have_the_same_size_limit_as_images(settings):
    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE == settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE


def test_an_oversized_document_is_refused_with_a_form_error(client, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1_000
    client.force_login(UserFactory(superuser=True))
    content = b"%PDF-1.4\n" + b"x" * 2_000

    response = client.post(
        "/admin/documents/add/",
        {"title": "Report", "file": SimpleUploadedFile("report.pdf", content),
         "collection": Collection.get_first_root_node().pk},
    )

    assert response.status_code == 200, "the upload was accepted"
    assert "This file is too big" in " ".join(response.context["form"].errors["file"])
    assert not get_document_model().objects.exists()
