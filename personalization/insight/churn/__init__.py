"""Pure core of churn scoring: features from a customer's own history and CRM traits, a
standardised logistic regression, explanations in words, cross-validated evaluation.

No Django (tests/test_layers.py): numpy and scikit-learn only, so it trains and scores
the same in a command, a periodic task or a benchmark. The model is plain JSON.
"""

from .evaluation import Evaluation, cross_validated_auc
from .features import CustomerHistory, FeatureSpec, TraitField, feature_matrix
from .model import ChurnScorer, Reason, train

__all__ = [
    "ChurnScorer",
    "CustomerHistory",
    "Evaluation",
    "FeatureSpec",
    "Reason",
    "TraitField",
    "cross_validated_auc",
    "feature_matrix",
    "train",
]
