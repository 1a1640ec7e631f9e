"""The marketer's import in the admin (Django's test client): upload, map, preview, dry run, apply, rejects."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cms.models import OutboxJob
from cms.roles import EDITORS, MARKETERS
from personalization.models import TraitDefinition, TraitImport, VisitorProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPORT = b"""Customer ID,Email opt-in,Lifetime value,Tier,Notes
000123,Yes,"$1,200.50",gold,likes shoes
000124,No,,silver,
000125,maybe,$10,gold,
000126,yes,$80,silver,ok
"""


@pytest.fixture
def marketer(client):
    user = UserFactory(username="marketer", role=MARKETERS)
    client.force_login(user)
    return user


def upload(client, content: bytes = EXPORT, name: str = "crm-export.csv"):
    return client.post(reverse("personalization_trait_imports"), {"file": SimpleUploadedFile(name, content, "text/csv")})


def mapping(trait_import: TraitImport, action: str, **overrides) -> dict:
    """The mapping form as the marketer leaves it: every column as a new trait of its inferred type."""
    data = {"id_column": "Customer ID", "action": action}
    for index, column in enumerate(trait_import.columns):
        data[f"map_{index}"] = "new"
        data[f"name_{index}"] = column.lower().replace(" ", "_").replace("-", "_")
        data[f"type_{index}"] = trait_import.inferred[column]["type"]
    data.update(overrides)
    return data


def test_upload_infers_types_and_keeps_the_file_private(client, marketer, settings):
    response = upload(client)

    trait_import = TraitImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("personalization_trait_import", args=[trait_import.pk])
    assert trait_import.columns == ["Customer ID", "Email opt-in", "Lifetime value", "Tier", "Notes"]
    assert {c: i["type"] for c, i in trait_import.inferred.items()} == {
        "Customer ID": "string", "Email opt-in": "string", "Lifetime value": "number", "Tier": "choice", "Notes": "string",
    }  # "maybe" in the sample: not a yes/no column
    assert trait_import.id_column == "Customer ID"
    path = trait_import.file.path
    assert path.startswith(os.path.join(str(settings.MEDIA_ROOT), "private"))
    assert client.get(settings.MEDIA_URL + "private/" + trait_import.file.name).status_code == 404

    page = client.get(response.url)
    assert page.status_code == 200
    assert b"Lifetime value" in page.content and b"Looks like" in page.content


def test_preview_dry_run_apply_and_rejects(client, marketer, django_capture_on_commit_callbacks):
    upload(client)
    trait_import = TraitImport.objects.get()
    detail = reverse("personalization_trait_import", args=[trait_import.pk])
    data = mapping(trait_import, "preview", map_4="", type_1="boolean")

    client.post(detail, data)
    preview = client.get(detail)
    assert b"data-trait-import-preview" in preview.content
    assert b"1200.5" in preview.content and b"not a yes/no value: &#x27;maybe&#x27;" in preview.content
    assert TraitDefinition.objects.filter(computed=False).count() == 0 and VisitorProfile.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):  # the outbox job runs at commit in tests
        client.post(detail, {**data, "action": "dry_run"})
    trait_import.refresh_from_db()
    assert trait_import.status == TraitImport.Status.CHECKED
    assert trait_import.summary["rows"] == 4 and trait_import.summary["rejected"] == 1 and trait_import.summary["changed"] == 3
    assert trait_import.summary["traits_created"] == ["email_opt_in", "lifetime_value", "tier"]
    assert TraitDefinition.objects.filter(computed=False).count() == 0 and VisitorProfile.objects.count() == 0  # dry: nothing written

    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail, {"action": "apply"})

    trait_import.refresh_from_db()
    assert trait_import.status == TraitImport.Status.APPLIED and not trait_import.dry_run
    assert dict(TraitDefinition.objects.filter(computed=False).values_list("name", "type")) == {"email_opt_in": "boolean", "lifetime_value": "number", "tier": "choice"}
    assert VisitorProfile.objects.get(visitor_id="000123").traits == {"email_opt_in": True, "lifetime_value": 1200.5, "tier": "gold"}
    assert VisitorProfile.objects.get(visitor_id="000123").trait_sources["tier"]["source"] == "import:crm-export.csv"
    assert not trait_import.file  # the upload is deleted once applied
    assert OutboxJob.objects.filter(handler="personalization.traitsync.jobs.trait_import_run", done_at__isnull=False).count() == 2

    report = client.get(reverse("personalization_trait_import_rejects", args=[trait_import.pk]))
    assert report["Content-Disposition"] == 'attachment; filename="crm-export-rejects.csv"'
    assert b"".join(report.streaming_content).decode().splitlines() == ["row,column,reason", "3,Email opt-in,not a yes/no value: 'maybe'"]


def test_apply_needs_a_dry_run_and_a_new_trait_name_must_be_free(client, marketer):
    TraitDefinition.objects.create(name="tier", type="string")
    upload(client)
    trait_import = TraitImport.objects.get()
    detail = reverse("personalization_trait_import", args=[trait_import.pk])

    response = client.post(detail, mapping(trait_import, "preview"))
    assert response.status_code == 200 and b"A trait &#x27;tier&#x27; exists already" in response.content

    client.post(detail, {"action": "apply"})
    assert VisitorProfile.objects.count() == 0
    trait_import.refresh_from_db()
    assert trait_import.status == TraitImport.Status.UPLOADED


def test_a_file_that_is_not_a_table_is_refused(client, marketer):
    response = upload(client, b"", "empty.csv")
    assert response.status_code == 200 and b"The submitted file is empty" in response.content
    response = upload(client, b"\n\n", "blank.csv")
    assert b"no header row" in response.content
    assert TraitImport.objects.count() == 0


def test_editors_cannot_import(client):
    client.force_login(UserFactory(username="editor", role=EDITORS))
    assert client.get(reverse("personalization_trait_imports")).status_code in (302, 403)
    assert upload(client).status_code in (302, 403)
    assert TraitImport.objects.count() == 0
