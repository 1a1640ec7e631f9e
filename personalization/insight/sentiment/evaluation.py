"""Accuracy of the lexicon and of a domain model on labelled sentences (label 1 positive, 0 negative)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sklearn.model_selection import train_test_split

from .domain import SEED, domain_train
from .labels import NEGATIVE, POSITIVE
from .lexicon import lexicon_scores

BINARY = {"1": POSITIVE, "0": NEGATIVE}


@dataclass(frozen=True)
class Evaluation:
    """Accuracy on `tested` sentences; `trained_on` is 0 for the lexicon."""

    backend: str
    accuracy: float
    tested: int
    trained_on: int = 0


def read_labelled(lines: Iterable[str]) -> tuple[list[str], list[str]]:
    """Texts and labels from `text<TAB>label` lines; blank lines are skipped, bad ones raise ValueError."""
    texts, labels = [], []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        text, _, label = line.rpartition("\t")
        if label.strip() not in BINARY or not text.strip():
            raise ValueError(f"line {number}: expected text<TAB>1 or text<TAB>0")
        texts.append(text.strip())
        labels.append(BINARY[label.strip()])
    return texts, labels


def binary_label(score: float) -> str:
    """Positive or negative for a two-class test: a text with no sentiment words counts as positive."""
    return POSITIVE if score >= 0 else NEGATIVE


def accuracy(predicted: Sequence[str], gold: Sequence[str]) -> float:
    """Share of predictions equal to the gold label."""
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold) if gold else 0.0


def split(labels: Sequence[str], train: int, seed: int = SEED) -> tuple[list[int], list[int]]:
    """Indices of `train` items stratified by label with a fixed seed, and of the rest."""
    indices = list(range(len(labels)))
    trained, tested = train_test_split(indices, train_size=train, stratify=list(labels), random_state=seed)
    return sorted(trained), sorted(tested)


def evaluate_lexicon(texts: Sequence[str], labels: Sequence[str]) -> Evaluation:
    """The lexicon's two-class accuracy."""
    predicted = [binary_label(score) for score in lexicon_scores(texts)]
    return Evaluation("lexicon", accuracy(predicted, labels), len(labels))


def evaluate_trained(texts: Sequence[str], labels: Sequence[str], train: int, seed: int = SEED) -> tuple[Evaluation, Evaluation]:
    """A domain model trained on `train` items and the lexicon, both measured on the other items."""
    trained, tested = split(labels, train, seed)
    lexicon = lexicon_scores(texts)
    model = domain_train([texts[i] for i in trained], [labels[i] for i in trained], [lexicon[i] for i in trained])
    held_out = [texts[i] for i in tested]
    gold = [labels[i] for i in tested]
    predicted = [binary_label(score) for score, _ in model.predict(held_out, [lexicon[i] for i in tested])]
    baseline = [binary_label(lexicon[i]) for i in tested]
    return (
        Evaluation("trained", accuracy(predicted, gold), len(gold), len(trained)),
        Evaluation("lexicon", accuracy(baseline, gold), len(gold)),
    )
