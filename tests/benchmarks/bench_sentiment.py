"""Benchmark of sentiment scoring on one core: items per second with the lexicon (VADER) and with
the trained domain model (TF-IDF + lexicon, logistic regression), against tokenising the same
texts only (the least any scorer must do), measured in the same run.

Run: .venv/bin/python tests/benchmarks/bench_sentiment.py
Target (issue #17): ≥ 5,000 items/s with the lexicon on one core.

Columns: items per second in CPU time (median of REPEATS runs over ITEMS texts) and the CPU
time per item as a multiple of the tokenising baseline.
"""

from __future__ import annotations

import os

# One core: numpy/scipy's BLAS must not fan out over threads.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from personalization.insight.sentiment import lexicon_scores  # noqa: E402
from personalization.insight.sentiment.domain import domain_train  # noqa: E402
from personalization.insight.sentiment.evaluation import read_labelled  # noqa: E402

TARGET = 5_000
ITEMS = 20_000
REPEATS = 5
WORDS = re.compile(r"\w+")


def texts(count: int) -> tuple[list[str], list[str], list[str]]:
    """Feedback-length sentences (the public review sample, shuffled and joined in ones and twos)."""
    path = Path(__file__).resolve().parents[1] / "data" / "yelp_labelled.txt"
    sample, labels = read_labelled(path.read_text(encoding="utf-8").splitlines())
    rng = random.Random(7)
    items = [" ".join(rng.sample(sample, rng.choice((1, 1, 2)))) for _ in range(count)]
    return items, sample, labels


def cpu_rate(run, items: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        run(items)
        times.append(time.process_time() - start)
    return len(items) / statistics.median(times)


def main() -> int:
    items, sample, labels = texts(ITEMS)
    lexicon_scores(items[:10])  # the analyzer reads its lexicon once per process, outside the timing
    model = domain_train(sample[:200], labels[:200])
    rates = {
        "tokenise only (baseline)": cpu_rate(lambda batch: [WORDS.findall(text.lower()) for text in batch], items),
        "lexicon (VADER)": cpu_rate(lexicon_scores, items),
        "trained (TF-IDF + lexicon, LR)": cpu_rate(lambda batch: model.predict(batch), items),
    }
    baseline = rates["tokenise only (baseline)"]
    print(f"Sentiment scoring, {ITEMS:,} items, one core, median of {REPEATS} runs (CPU time)")
    print(f"{'scorer':<34}{'items/s':>12}{'× baseline time':>18}")
    for name, rate in rates.items():
        print(f"{name:<34}{rate:>12,.0f}{baseline / rate:>18.1f}")
    lexicon = rates["lexicon (VADER)"]
    print(f"target ≥ {TARGET:,} items/s with the lexicon: {'met' if lexicon >= TARGET else 'NOT met'}")
    return 0 if lexicon >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
