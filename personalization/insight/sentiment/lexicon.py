"""Lexicon scoring with VADER (Hutto & Gilbert 2014): no training, its lexicon ships in the wheel.

The analyzer reads its two lexicon files once per process (about 20 ms), so it is built once and
kept; scoring then costs only the text's tokens. VADER's network code lives only in its demo
`__main__`, never on this path (tests/insight/test_sentiment_core.py blocks sockets and scores).
"""

from collections.abc import Iterable
from functools import lru_cache

LEXICON_VERSION = "lexicon:vader-3.3.2"


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_score(text: str) -> float:
    """VADER's compound score of `text`, in [-1, 1]; 0.0 for an empty text."""
    if not text or not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def lexicon_scores(texts: Iterable[str]) -> list[float]:
    """Scores of many texts, in order, with one analyzer."""
    polarity = _analyzer().polarity_scores
    return [float(polarity(text)["compound"]) if text and text.strip() else 0.0 for text in texts]
