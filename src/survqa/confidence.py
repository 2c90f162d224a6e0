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
    "bias", "score_fr", "score_foreign", "foreign", "margin", "unknown_terms", "unknown_name",
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!] )\b[A-ZÀ-ÖØ-Þ][\w-]{2,}")


def unknown_share(words: list[str], table: SentenceTable) -> float:
    """Share of the stems of ``words`` that never occur in the corpus."""
    stems = tokenize(" ".join(words))
    return sum(t not in table.idf for t in stems) / len(stems) if stems else 0.0


def abstention_features(query: Query, hits: list[SentenceHit], table: SentenceTable) -> np.ndarray:
    """Features of one answer for the abstention model (ABSTENTION_FEATURES).

    The best sentence's score is split by language (French questions also have
    BM25 evidence, so their scores run higher); a French question naming
    something the corpus never mentions ("Londres", "Linux") is a strong sign.
    """
    foreign = query.language != "fr"
    if not hits:
        return np.array([1.0, 0.0, 0.0, float(foreign), 0.0, 1.0, 1.0])
    top = hits[0]
    second = hits[1].score if len(hits) > 1 else top.score - 1.0
    names = _CAPITALISED.findall(query.focus)
    unknown_name = not foreign and bool(names) and unknown_share(names, table) > 0
    return np.array([
        1.0,
        0.0 if foreign else top.score,
        top.score if foreign else 0.0,
        float(foreign),
        top.score - second,
        0.0 if foreign else unknown_share(query.focus.split(), table),
        float(unknown_name),
    ])


def answer_probability(features: np.ndarray, weights: tuple[float, ...]) -> float:
    z = float(np.dot(features, np.asarray(weights, dtype=np.float64)))
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
