"""The hub's sentiment scorer: the live SentimentModel's choice, loaded once per process.

The lexicon needs nothing and is the fallback: a trained model that cannot be read (a
training deleted, bytes unreadable) is logged and the lexicon scores instead, so feedback
is never left unscored. Which scorer is live is read at most every CHECK_SECONDS.
"""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .sentiment import label_for, lexicon_scores
from .sentiment.domain import DomainModel
from .sentiment.lexicon import LEXICON_VERSION

logger = logging.getLogger(__name__)
CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Scorer:
    """Scores texts as (score, label) and names itself in `scored_by`."""

    version: str
    model: DomainModel | None = None

    def score(self, texts: Sequence[str]) -> list[tuple[float, str]]:
        lexicon = lexicon_scores(texts)
        if self.model is None:
            return [(round(score, 4), label_for(score)) for score in lexicon]
        return [(round(score, 4), label) for score, label in self.model.predict(texts, lexicon)]


LEXICON = Scorer(LEXICON_VERSION)
_lock = threading.Lock()
_state: dict = {"checked": 0.0, "scorer": LEXICON}


def scorer_for(training) -> Scorer:
    """A scorer for a finished SentimentTraining, or the lexicon when it cannot be read."""
    if training is None or not training.model:
        return LEXICON
    try:
        return Scorer(training.version, DomainModel.from_bytes(training.model))
    except Exception:  # noqa: BLE001 - any unreadable model falls back to the lexicon, loudly
        logger.exception("sentiment training %s could not be loaded; scoring with the lexicon", training.pk)
        return LEXICON


def active_scorer() -> Scorer:
    """The live SentimentModel's scorer (the lexicon when none is live)."""
    now = time.monotonic()
    if now - _state["checked"] < CHECK_SECONDS:
        return _state["scorer"]
    from .models import SentimentBackend, SentimentModel

    live = SentimentModel.objects.filter(live=True).select_related("training").order_by("-pk").first()
    wanted = live.training if live and live.backend == SentimentBackend.TRAINED else None
    with _lock:
        current = _state["scorer"]
        if wanted is None:
            _state["scorer"] = LEXICON
        elif current.version != wanted.version:
            _state["scorer"] = scorer_for(wanted)
        _state["checked"] = now
        return _state["scorer"]


def active_scorer_forget() -> None:
    """Read the live choice again on the next score (after a publish, and between tests)."""
    _state["checked"] = 0.0
