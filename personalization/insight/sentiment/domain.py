"""A domain sentiment model trained on marketers' labels: TF-IDF words and the lexicon's score,
fitted by logistic regression (scikit-learn).

The lexicon knows general English; the labels teach the domain's own words ("crashes",
"refund", "sold out"). The lexicon's score is a feature, so a hundred labels already improve on
it rather than starting from nothing. A fitted model is stored as bytes (joblib) in the hub's
database and loaded from there: nothing is downloaded.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .labels import NEGATIVE, POSITIVE
from .lexicon import lexicon_scores

SEED = 17
# The lexicon's column is scaled up so L2 regularisation, tuned for many small TF-IDF weights,
# does not shrink the one feature that carries most of the signal with few labels.
LEXICON_WEIGHT = 3.0
MIN_LABELS_PER_CLASS = 2


class TooFewLabels(ValueError):
    """Training needs at least two labels of each of at least two classes."""


@dataclass
class DomainModel:
    """A fitted vectorizer and classifier; scores in [-1, 1] as P(positive) - P(negative)."""

    vectorizer: TfidfVectorizer
    classifier: LogisticRegression

    @property
    def classes(self) -> list[str]:
        return [str(label) for label in self.classifier.classes_]

    def _features(self, texts: Sequence[str], lexicon: Sequence[float] | None):
        lexicon = lexicon_scores(texts) if lexicon is None else lexicon
        column = sparse.csr_matrix(np.asarray(lexicon, dtype=float).reshape(-1, 1) * LEXICON_WEIGHT)
        return sparse.hstack([self.vectorizer.transform(texts), column], format="csr")

    def predict(self, texts: Sequence[str], lexicon: Sequence[float] | None = None) -> list[tuple[float, str]]:
        """(score, label) per text; `lexicon` passes scores already computed for the same texts."""
        if not texts:
            return []
        probabilities = self.classifier.predict_proba(self._features(texts, lexicon))
        classes = self.classes
        positive = classes.index(POSITIVE) if POSITIVE in classes else None
        negative = classes.index(NEGATIVE) if NEGATIVE in classes else None
        results = []
        for row in probabilities:
            score = (row[positive] if positive is not None else 0.0) - (row[negative] if negative is not None else 0.0)
            results.append((float(max(-1.0, min(1.0, score))), classes[int(row.argmax())]))
        return results

    def to_bytes(self) -> bytes:
        """The fitted model as bytes, for the database."""
        buffer = io.BytesIO()
        joblib.dump({"vectorizer": self.vectorizer, "classifier": self.classifier}, buffer, compress=3)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "DomainModel":
        """A model stored by `to_bytes` (only ever bytes this hub wrote itself)."""
        parts = joblib.load(io.BytesIO(bytes(data)))
        return cls(vectorizer=parts["vectorizer"], classifier=parts["classifier"])


def domain_train(texts: Sequence[str], labels: Sequence[str], lexicon: Sequence[float] | None = None) -> DomainModel:
    """Fit a model on labelled texts (labels: positive / negative, optionally neutral)."""
    counts = {label: list(labels).count(label) for label in set(labels)}
    if len([label for label, count in counts.items() if count >= MIN_LABELS_PER_CLASS]) < 2:
        raise TooFewLabels(f"need at least {MIN_LABELS_PER_CLASS} labels of two classes, have {counts}")
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
    vectorizer.fit(texts)
    model = DomainModel(vectorizer=vectorizer, classifier=LogisticRegression(C=4.0, max_iter=1000, random_state=SEED))
    model.classifier.fit(model._features(texts, lexicon), list(labels))
    return model
