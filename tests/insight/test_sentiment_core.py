"""The pure sentiment cores: lexicon scores on written cases, the trained model against the
lexicon on a generated domain, no network while scoring, and the evaluation split."""

import socket

import pytest

from personalization.insight.sentiment import NEGATIVE, NEUTRAL, POSITIVE, label_for, lexicon_score, lexicon_scores
from personalization.insight.sentiment.domain import DomainModel, TooFewLabels, domain_train
from personalization.insight.sentiment.evaluation import evaluate_lexicon, evaluate_trained, read_labelled, split
from tests.insight.domain_data import generated_domain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love the new checkout, it is fast and easy!", POSITIVE),
        ("Great support, thank you so much.", POSITIVE),
        ("Terrible experience, the page is broken and support was rude.", NEGATIVE),
        ("I hate waiting forty minutes for a reply.", NEGATIVE),
        ("The checkout is not good.", NEGATIVE),  # negation flips "good"
        ("The parcel arrived on Tuesday.", NEUTRAL),
        ("", NEUTRAL),
    ],
)
def test_the_lexicon_labels_written_cases(text, expected):
    assert label_for(lexicon_score(text)) == expected


def test_lexicon_scores_lie_in_range_and_match_one_by_one():
    texts = ["Awful!!!", "Absolutely wonderful, best ever", "meh", "   "]
    scores = lexicon_scores(texts)
    assert scores == [lexicon_score(text) for text in texts]
    assert all(-1.0 <= score <= 1.0 for score in scores)
    assert scores[0] < -0.5 < 0.5 < scores[1]
    assert scores[3] == 0.0


def test_the_trained_model_beats_the_lexicon_on_held_out_domain_labels():
    texts, labels = generated_domain()
    trained, lexicon = evaluate_trained(texts, labels, train=100)
    assert trained.trained_on == 100 and trained.tested == lexicon.tested == len(texts) - 100
    assert lexicon.accuracy < 0.8  # the domain's words fool the lexicon...
    assert trained.accuracy >= 0.95  # ...and a hundred labels teach them
    assert trained.accuracy > lexicon.accuracy + 0.15


def test_a_model_survives_its_bytes_and_scores_in_range():
    texts, labels = generated_domain(200)
    model = domain_train(texts, labels)
    again = DomainModel.from_bytes(model.to_bytes())
    probe = ["The app crashes at checkout again.", "Killer new feature, setup took a minute."]
    assert again.predict(probe) == model.predict(probe)
    (bad, bad_label), (good, good_label) = again.predict(probe)
    assert (bad_label, good_label) == (NEGATIVE, POSITIVE)
    assert -1.0 <= bad < 0 < good <= 1.0


def test_training_refuses_a_single_class():
    with pytest.raises(TooFewLabels):
        domain_train(["good", "great", "fine"], [POSITIVE] * 3)


def test_scoring_and_training_make_no_network_connection(monkeypatch):
    attempts = []

    def refuse(self, address, *args):
        attempts.append(address)
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))
    from personalization.insight.sentiment import lexicon

    lexicon._analyzer.cache_clear()  # the lexicon files are read again, under the block
    texts, labels = generated_domain(120)
    assert len(lexicon_scores(texts)) == 120
    model = domain_train(texts, labels)
    assert len(model.predict(texts[:10])) == 10
    assert attempts == []


def test_read_labelled_and_the_split_are_stratified_and_fixed():
    texts, labels = read_labelled(["good\t1", "", "bad\t0", "fine\t1", "awful\t0", "nice\t1", "poor\t0"])
    assert texts[:2] == ["good", "bad"] and labels[:2] == [POSITIVE, NEGATIVE]
    trained, tested = split(labels, 4)
    assert split(labels, 4) == (trained, tested)
    assert sorted(trained + tested) == list(range(6))
    assert sorted(labels[i] for i in trained) == [NEGATIVE, NEGATIVE, POSITIVE, POSITIVE]
    with pytest.raises(ValueError, match="line 1"):
        read_labelled(["no label here"])


def test_the_lexicon_is_on_par_with_published_figures_on_the_public_sample():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "yelp_labelled.txt"
    texts, labels = read_labelled(path.read_text(encoding="utf-8").splitlines())
    assert len(texts) == 520
    assert 0.72 <= evaluate_lexicon(texts, labels).accuracy <= 0.85
