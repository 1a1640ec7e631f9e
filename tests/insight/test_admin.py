"""The Sentiment page, the drop explanation, labelling, training, the governed scorer switch and the upload."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cms.roles import CHIEF_CONTENT_OFFICER, DEVELOPERS, MARKETERS, WORKFLOW_NAME
from personalization.insight.models import Feedback, SentimentModel, SentimentTraining
from personalization.insight.scoring import active_scorer, active_scorer_forget
from tests.factories import HomePageFactory, UserFactory
from tests.insight.constructed import feedback_with_a_drop
from tests.insight.domain_data import generated_domain

pytestmark = pytest.mark.django_db
URL = "/admin/insight/sentiment/"


@pytest.fixture
def marketer(client):
    user = UserFactory(username="marketer", role=MARKETERS)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def drop(home):
    pages = [HomePageFactory(parent=home, title=title, slug=title.lower()) for title in ("Shop", "Help", "Offers", "Vouchers")]
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=27)
    feedback_with_a_drop(pages[:3], start=start, drop_page=pages[3], per_day=12)
    return pages[3]


def test_the_marketer_reads_trends_and_the_explanation_names_the_term_and_page(marketer, drop):
    page = marketer.get(URL, {"period": "week", "by": "page"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="sentiment-charts"' in html and "Vouchers" in html
    charts = page.context["charts"]
    assert {series["label"] for series in charts["mean"]} >= {"Shop", "Vouchers"}
    explained = marketer.get(URL + "explain/", {"days": "7"})
    assert explained.status_code == 200
    body = explained.content.decode()
    assert explained.context["explained"].terms[0].key == "voucher"
    assert 'data-finding="voucher"' in body and "Vouchers" in body and "“" in body


def test_bad_filters_are_a_400_form_error_and_other_roles_are_refused(marketer, client):
    assert marketer.get(URL, {"range": "9999"}).status_code == 400
    assert marketer.get(URL + "explain/", {"until": "2999-01-01"}).status_code == 400
    client.force_login(UserFactory(username="dev", role=DEVELOPERS))
    refused = client.get(URL)  # Wagtail turns PermissionDenied into a redirect with a message
    assert (refused.status_code, refused.url) == (302, "/admin/")


def test_labels_train_a_model_whose_accuracy_shows_beside_the_lexicon(marketer, django_capture_on_commit_callbacks):
    texts, labels = generated_domain(160)
    now = timezone.now()
    Feedback.objects.bulk_create(Feedback(text=text, source="app_review", occurred_at=now, human_label=label if n >= 20 else "")
                                 for n, (text, label) in enumerate(zip(texts, labels)))
    form = marketer.get(URL + "label/")
    assert form.status_code == 200 and len(form.context["items"]) == 20
    choices = {f"item-{item.pk}": labels[texts.index(item.text)] for item in form.context["items"]}
    assert marketer.post(URL + "label/", choices).status_code == 302
    assert Feedback.objects.filter(human_label="").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert marketer.post(URL + "train/").status_code == 302
    training = SentimentTraining.objects.get()
    assert training.status == "done", training.detail
    assert training.labels == 160 and training.held_out == 40
    assert training.accuracy > training.lexicon_accuracy
    page = marketer.get(URL).content.decode()
    assert "data-trainings" in page and f"#{training.pk}" in page


def test_switching_to_the_trained_model_needs_the_cco_and_rescores(marketer, django_capture_on_commit_callbacks):
    texts, labels = generated_domain(120)
    from personalization.insight.sentiment.domain import domain_train

    training = SentimentTraining.objects.create(status="done", accuracy=0.97, lexicon_accuracy=0.6, held_out=30,
                                                model=domain_train(texts, labels).to_bytes())
    item = Feedback.objects.create(text="Killer new feature, the new dashboard is sick.", source="app_review",
                                   occurred_at=timezone.now(), score=-0.3, label="negative", scored_by="lexicon:vader-3.3.2")
    scorer = SentimentModel(name="Domain model", backend="trained", training=training, live=False)
    scorer.save()
    assert scorer.get_workflow().name == WORKFLOW_NAME
    assert not marketer.user.has_perm("insight.publish_sentimentmodel")
    cco = UserFactory(username="cco", role=CHIEF_CONTENT_OFFICER)
    assert cco.has_perm("insight.publish_sentimentmodel")
    revision = scorer.save_revision(user=marketer.user)
    active_scorer_forget()
    assert active_scorer().version.startswith("lexicon")  # a draft never scores
    with django_capture_on_commit_callbacks(execute=True):
        revision.publish(user=cco)
    active_scorer_forget()
    assert active_scorer().version == f"trained:{training.pk}"
    item.refresh_from_db()
    assert (item.label, item.scored_by) == ("positive", f"trained:{training.pk}")
    assert SentimentModel.objects.get().rescore_progress == 100


def test_an_upload_imports_a_file_and_lists_its_rejected_lines(marketer):
    csv = ("text,source,timestamp\nLovely shop,survey,2026-10-01T10:00:00Z\nNo source,,2026-10-01T10:00:00Z\n").encode()
    response = marketer.post("/admin/insight/feedback/upload/", {"file": SimpleUploadedFile("s.csv", csv, "text/csv")})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Stored 1 of 2 item(s)" in body and "line 3: missing" in body
    assert list(Feedback.objects.values_list("text", "label")) == [("Lovely shop", "positive")]
    bad = marketer.post("/admin/insight/feedback/upload/", {"file": SimpleUploadedFile("s.txt", b"x", "text/plain")})
    assert bad.status_code == 400
