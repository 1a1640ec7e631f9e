"""Sentiment scoring with no Django and no network: a lexicon that needs no training, and a
domain model trained on marketers' labels (TF-IDF + the lexicon's score, logistic regression)."""

from .labels import LABELS, NEGATIVE, NEUTRAL, POSITIVE, label_for
from .lexicon import lexicon_score, lexicon_scores

__all__ = ["LABELS", "NEGATIVE", "NEUTRAL", "POSITIVE", "label_for", "lexicon_score", "lexicon_scores"]
