"""Does the corpus answer? A small logistic model over the best sentences'
features, fitted on the dev split (benchmarks/tune.py), gives the probability
that the first excerpt answers; thresholds on it give abstention and the
high / medium / low confidence a person reads."""

from __future__ import annotations

import math
import re

import numpy as np

from survqa.lexical import tokenize
from survqa.retrieval import FEATURES, Query, SentenceHit
from survqa.sentences import SentenceTable

ABSTENTION_FEATURES = (
    "bias",
    "score",
    "sentence",
    "coverage",
    "margin",
    "unknown_terms",
    "unknown_names",
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!] )\b[A-ZÀ-ÖØ-Þ][\w-]{2,}")


def unknown_share(words: list[str], table: SentenceTable) -> float:
    """Share of the stems of ``words`` that never occur in the corpus."""
    stems = [t for w in words for t in tokenize(w)]
    return sum(t not in table.idf for t in stems) / len(stems) if stems else 0.0


def abstention_features(query: Query, hits: list[SentenceHit], table: SentenceTable) -> np.ndarray:
    """Features of one answer for the abstention model (ABSTENTION_FEATURES)."""
    if not hits:
        return np.array([1.0, -5.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    top = hits[0]
    second = hits[1].score if len(hits) > 1 else top.score - 1.0
    coverage = max(
        (
            h.features[FEATURES.index("coverage")]
            + h.features[FEATURES.index("coverage_foreign")]
            + 0.5 * h.features[FEATURES.index("coverage_near")]
        )
        for h in hits[:3]
    )
    foreign = query.language != "fr"
    names = _CAPITALISED.findall(query.focus)
    return np.array(
        [
            1.0,
            top.score,
            top.features[FEATURES.index("sentence")],
            coverage,
            top.score - second,
            0.0 if foreign else unknown_share(query.focus.split(), table),
            unknown_share(names, table) if names else 0.0,
        ]
    )


def answer_probability(features: np.ndarray, weights: tuple[float, ...]) -> float:
    z = float(np.dot(features, np.asarray(weights, dtype=np.float64)))
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
