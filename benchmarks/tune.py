"""Fit the second-stage weights and the abstention model on the DEV split only.

    python benchmarks/tune.py [--index DIR]

1. Sentence ranking: a listwise (softmax) linear model over retrieval.FEATURES,
   a sentence being positive when it comes from a gold source and contains a
   gold answer string.
2. Abstention: a logistic model over confidence.ABSTENTION_FEATURES of the best
   sentence (answerable vs out-of-corpus questions), then thresholds.
Prints the Settings values to paste into settings.py and the dev metrics.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from survqa import Assistant, Settings
from survqa.evaluation import contains_answer, load_gold, run, summarise
from survqa.indexing.embedding import Embedder, make_embedder
from survqa.search.calibrate import abstention_features, question_evidence, score_below
from survqa.search.query import Query, prepare
from survqa.search.rank import FEATURES, features, rank
from survqa.search.retrieve import retrieve


class CachedEmbedder:
    """Memoises query vectors so repeated runs re-embed nothing."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed_queries(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


def question_data(
    assistant: Assistant, item: dict[str, Any]
) -> tuple[Query, np.ndarray, np.ndarray, np.ndarray]:
    """The question's Query, candidate sentence rows, their features and gold labels."""
    corpus = assistant.corpus()
    index, table = corpus.index, corpus.index.sentences
    query = prepare(item["question"], None, assistant.embedder, assistant.settings)
    rows, matrix = features(index, query, retrieve(index, query, None, assistant.settings))
    sources = [index.passages[int(table.owners[j])].source for j in rows.tolist()]
    labels = np.array(
        [
            item["in_corpus"]
            and source in item["sources"]
            and contains_answer(
                corpus.documents[source].text[slice(*table.spans[j])], item["answers"]
            )
            for j, source in zip(rows.tolist(), sources, strict=True)
        ],
        dtype=bool,
    )
    return query, rows, matrix, labels


def fit_ranking(
    data: list[tuple[np.ndarray, np.ndarray]], start: np.ndarray, l2: float = 0.01
) -> np.ndarray:
    """Gradient descent on the mean softmax cross-entropy of the positive sentences."""
    weights = start.astype(np.float64).copy()
    for _ in range(3000):
        grad = l2 * weights
        grad[0] = 0.0
        for matrix, labels in data:
            scores = matrix @ weights * 8.0
            p = np.exp(scores - scores.max())
            p /= p.sum()
            target = labels / labels.sum()
            grad += 8.0 * matrix.T @ (p - target) / len(data)
        weights -= 0.05 * grad
    return weights


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.001) -> np.ndarray:
    """Class-balanced logistic regression, fitted on standardised columns, returned raw."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    weights = np.zeros(x.shape[1])
    balance = np.where(y, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    for _ in range(50000):
        p = 1 / (1 + np.exp(-(z @ weights)))
        weights -= 0.2 * (z.T @ ((p - y) * balance) / len(y) + l2 * weights)
    raw = weights / scale
    raw[0] = weights[0] - float(np.sum(weights[1:] * mean[1:] / scale[1:]))
    return raw


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    dev = [g for g in load_gold() if g["split"] == "dev"]
    embedder = CachedEmbedder(make_embedder())
    base = Assistant(index_dir=args.index, embedder=embedder)
    prepared = [(item, *question_data(base, item)) for item in dev]
    ranking = [(m, lab) for item, _, _, m, lab in prepared if item["in_corpus"] and lab.any()]
    print(f"{len(ranking)} dev questions with a positive sentence among the candidates")
    weights = fit_ranking(ranking, np.asarray(Settings().sentence_weights))
    print("sentence_weights =", tuple(round(float(w), 3) for w in weights))
    for name, w in zip(FEATURES, weights, strict=True):
        print(f"  {name:<18}{w:+.3f}")
    settings = Settings(sentence_weights=tuple(round(float(w), 3) for w in weights))
    tuned = Assistant(index_dir=args.index, settings=settings, embedder=embedder)
    index = tuned.corpus().index
    x, y = [], []
    for item, query, *_ in prepared:
        hits = rank(index, query, retrieve(index, query, None, settings), settings)
        evidence = question_evidence(query, index.sentences)
        top = hits[0].score
        x.append(abstention_features(query, top, score_below(hits, top), evidence))
        y.append(item["in_corpus"])
    logistic = fit_logistic(np.array(x), np.array(y, dtype=float))
    print("abstention_weights =", tuple(round(float(w), 3) for w in logistic))
    probabilities = 1 / (1 + np.exp(-(np.array(x) @ logistic)))
    inside = sorted(p for p, inc in zip(probabilities, y, strict=True) if inc)
    outside = sorted(p for p, inc in zip(probabilities, y, strict=True) if not inc)
    print("answerable, lowest probabilities:", [round(float(p), 3) for p in inside[:8]])
    print("out of corpus, probabilities:", [round(float(p), 3) for p in outside])
    final = Settings(
        sentence_weights=settings.sentence_weights,
        abstention_weights=tuple(round(float(w), 3) for w in logistic),
    )
    report = summarise(run(Assistant(index_dir=args.index, settings=final, embedder=embedder), dev))
    print({k: round(v, 3) for k, v in report.items() if isinstance(v, float)})
    print("misses:", report["misses"], "wrong abstentions:", report["wrong_abstentions"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
