"""import_feedback and sentiment_evaluate, run as an operator would."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from personalization.insight.models import Feedback
from personalization.profiles import profile_upsert
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_csv_is_imported_with_rejected_lines_reported_and_a_rerun_stores_nothing(tmp_path, home):
    ChannelFactory(slug="app")
    path = tmp_path / "survey.csv"
    path.write_text(
        "external_id,text,source,page,rating,rating_scale,timestamp,visitor_id\n"
        f"s-1,Love it,survey,{home.pk},5,1-5,2026-10-01T09:00:00Z,v-1\n"
        "s-2,The form keeps failing,support,,,,2026-10-02T09:00:00Z,\n"
        "s-3,bad rating,survey,,9,1-5,2026-10-02T09:00:00Z,\n"
        ",no id is fine in a file,app_review,,,,2026-10-03T09:00:00Z,\n",
        encoding="utf-8",
    )
    profile_upsert(visitor_id="v-1", consent=["behaviour"])
    output = run("import_feedback", str(path), "--channel", "app")
    assert "Stored 3 of 4 item(s); 0 already stored; 1 rejected." in output
    assert "line 4: invalid: rating must be a whole number from 1 to 5" in output
    stored = {row.external_id: row for row in Feedback.objects.all()}
    assert set(stored) == {"s-1", "s-2", ""}
    assert (stored["s-1"].page_id, stored["s-1"].rating, stored["s-1"].visitor_id, stored["s-1"].label) == (home.pk, 5, "v-1", "positive")
    assert stored["s-2"].source == "support" and stored["s-2"].channel.slug == "app"
    assert "Stored 1 of 4 item(s); 2 already stored; 1 rejected." in run("import_feedback", str(path))


def test_jsonl_dry_run_stores_nothing_and_bad_lines_are_named(tmp_path):
    path = tmp_path / "reviews.jsonl"
    lines = [json.dumps({"text": "Great app", "source": "app_review", "timestamp": "2026-10-01T09:00:00Z"}), "{broken", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = run("import_feedback", str(path), "--dry-run")
    assert "Would store 1 of 3 item(s)" in output
    assert "line 2: invalid" in output and "line 3: invalid" in output
    assert not Feedback.objects.exists()


def test_import_refuses_unknown_files_and_channels(tmp_path):
    with pytest.raises(CommandError, match=".csv or .jsonl"):
        run("import_feedback", str(tmp_path / "x.txt"))
    (tmp_path / "x.csv").write_text("text\n")
    with pytest.raises(CommandError, match="no channel"):
        run("import_feedback", str(tmp_path / "x.csv"), "--channel", "nope")


def test_sentiment_evaluate_prints_both_accuracies_on_the_public_sample():
    output = run("sentiment_evaluate", "tests/data/yelp_labelled.txt", "--train", "100")
    lexicon = float(output.split("lexicon accuracy: ")[1].split()[0])
    trained = float(output.split("trained accuracy: ")[1].split()[0])
    assert 0.72 <= lexicon <= 0.85
    assert trained >= 0.82 and trained > lexicon
    assert "on 420 held-out lines (trained on 100, seed 17)" in output


def test_sentiment_evaluate_refuses_a_bad_file(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("good\t2\n")
    with pytest.raises(CommandError, match="line 1"):
        run("sentiment_evaluate", str(path))
    with pytest.raises(CommandError, match="needs --train"):
        run("sentiment_evaluate", "tests/data/yelp_labelled.txt", "--backend", "trained")


def test_the_consent_the_source_recorded_keeps_the_ids(tmp_path):
    path = tmp_path / "crm.jsonl"
    path.write_text(json.dumps({"text": "Cancel my plan", "source": "email", "timestamp": "2026-10-01T09:00:00Z",
                                "visitor_id": "v-9", "customer_id": "c-9"}) + "\n", encoding="utf-8")
    run("import_feedback", str(path))
    run("import_feedback", str(path), "--consent", "crm")
    assert sorted(Feedback.objects.values_list("visitor_id", "customer_id")) == [("", ""), ("v-9", "c-9")]
