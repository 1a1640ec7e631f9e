"""Background work on sentiment: fitting the domain model on marketers' labels, and rescoring.

Both run as outbox jobs and write their progress on their own rows, which the admin shows.
"""

import logging
from datetime import datetime, timedelta, timezone

from django.db import transaction

from cms.outbox import outbox_enqueue, outbox_handler

from .models import Feedback, SentimentModel, SentimentTraining
from .scoring import active_scorer, active_scorer_forget, scorer_for
from .sentiment import label_for, lexicon_scores
from .sentiment.domain import SEED, TooFewLabels, domain_train
from .sentiment.evaluation import accuracy

logger = logging.getLogger(__name__)
TRAIN_HANDLER = "personalization.insight.training.sentiment_train"
HELD_OUT_SHARE = 0.25
RESCORE_DAYS = 400  # what trends and traits read; older feedback keeps the score it was given
RESCORE_CHUNK = 2000


def training_start(user=None) -> SentimentTraining:
    """Queue a training on the labels as they are now."""
    training = SentimentTraining.objects.create(created_by=user)
    outbox_enqueue(TRAIN_HANDLER, kwargs={"training_id": training.pk})
    return training


@outbox_handler(retry_delays=(30, 300))
def sentiment_train(*, training_id: int) -> None:
    """Fit on three quarters of the labelled items (stratified, fixed seed); measure both scorers on the rest."""
    from sklearn.model_selection import train_test_split

    training = SentimentTraining.objects.get(pk=training_id)
    labelled = list(Feedback.objects.exclude(human_label="").order_by("pk").values_list("text", "human_label"))
    _progress(training, SentimentTraining.Status.RUNNING, 10, labels=len(labelled))
    texts = [text for text, _ in labelled]
    labels = [label for _, label in labelled]
    try:
        trained, tested = train_test_split(list(range(len(labels))), test_size=HELD_OUT_SHARE, stratify=labels, random_state=SEED)
    except ValueError as exc:  # too few labels of a class to split
        _progress(training, SentimentTraining.Status.FAILED, 100, detail=f"Label more items first: {exc}")
        return
    lexicon = lexicon_scores(texts)
    _progress(training, SentimentTraining.Status.RUNNING, 40)
    try:
        model = domain_train([texts[i] for i in trained], [labels[i] for i in trained], [lexicon[i] for i in trained])
    except TooFewLabels as exc:
        _progress(training, SentimentTraining.Status.FAILED, 100, detail=str(exc))
        return
    _progress(training, SentimentTraining.Status.RUNNING, 80)
    gold = [labels[i] for i in tested]
    predicted = [label for _, label in model.predict([texts[i] for i in tested], [lexicon[i] for i in tested])]
    training.accuracy = accuracy(predicted, gold)
    training.lexicon_accuracy = accuracy([label_for(lexicon[i]) for i in tested], gold)
    training.held_out = len(tested)
    training.model = model.to_bytes()
    _progress(training, SentimentTraining.Status.DONE, 100, detail=f"Trained on {len(trained)} labels.")


def _progress(training: SentimentTraining, status: str, percent: int, **fields) -> None:
    training.status, training.progress = status, percent
    for name, value in fields.items():
        setattr(training, name, value)
    training.save()


@outbox_handler(retry_delays=(30, 300))
def feedback_rescore(*, model_id: int, now: str | None = None) -> int:
    """Score recent feedback again with the live scorer, in chunks; progress on the model's row."""
    active_scorer_forget()
    live = SentimentModel.objects.filter(pk=model_id, live=True).select_related("training").first()
    scorer = scorer_for(live.training) if live and live.backend == "trained" else active_scorer()
    since = (datetime.fromisoformat(now) if now else datetime.now(timezone.utc)) - timedelta(days=RESCORE_DAYS)
    ids = list(Feedback.objects.filter(occurred_at__gte=since).exclude(scored_by=scorer.version).values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), RESCORE_CHUNK):
        rows = list(Feedback.objects.filter(pk__in=ids[start:start + RESCORE_CHUNK]).only("pk", "text", "visitor_id"))
        for row, (score, label) in zip(rows, scorer.score([row.text for row in rows]), strict=True):
            row.score, row.label, row.scored_by = score, label, scorer.version
        with transaction.atomic():
            Feedback.objects.bulk_update(rows, ["score", "label", "scored_by"], batch_size=500)
        done += len(rows)
        SentimentModel.objects.filter(pk=model_id).update(rescore_progress=int(100 * done / len(ids)))
    SentimentModel.objects.filter(pk=model_id).update(rescore_progress=100)
    visitors = sorted(set(Feedback.objects.filter(pk__in=ids).exclude(visitor_id="").values_list("visitor_id", flat=True)))
    if visitors:
        outbox_enqueue("personalization.insight.traits.sentiment_traits_refresh", kwargs={"visitor_ids": visitors})
    return done
