"""Does the corpus answer? A small logistic model over the best sentences'
features, fitted on the dev split (benchmarks/tune.py), gives the probability
that the first excerpt answers; thresholds on it give abstention and the
high / medium / low confidence a person reads."""

from __future__ import annotations

import math
import re

import numpy as np

from survqa.lexical import tokenize
from survqa.retrieval import Query, SentenceHit
from survqa.sentences import SentenceTable

ABSTENTION_FEATURES = (
    "bias", "score_fr", "score_foreign", "foreign", "margin", "unknown_terms", "unknown_name",
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!] )\b[A-ZÀ-ÖØ-Þ][\w-]{2,}")


def unknown_share(words: list[str], table: SentenceTable) -> float:
    """Share of the stems of ``words`` that never occur in the corpus."""
    stems = tokenize(" ".join(words))
    return sum(t not in table.idf for t in stems) / len(stems) if stems else 0.0


def question_evidence(query: Query, table: SentenceTable) -> tuple[float, float]:
    """What the question alone says: (share of its stems unknown to the corpus, whether a
    French question names something the corpus never mentions, 0/1). Foreign questions: 0, 0."""
    if query.language != "fr":
        return 0.0, 0.0
    names = _CAPITALISED.findall(query.focus)
    unknown_name = bool(names) and unknown_share(names, table) > 0
    return unknown_share(query.focus.split(), table), float(unknown_name)


def abstention_features(
    query: Query, score: float, next_score: float, evidence: tuple[float, float]
) -> np.ndarray:
    """Features of one excerpt for the abstention model (ABSTENTION_FEATURES).

    The sentence's score is split by language (French questions also have
    BM25 evidence, so their scores run higher); ``next_score`` is the best
    score below it; ``evidence`` comes from :func:`question_evidence`.
    """
    foreign = query.language != "fr"
    unknown_terms, unknown_name = evidence
    return np.array([
        1.0,
        0.0 if foreign else score,
        score if foreign else 0.0,
        float(foreign),
        score - next_score,
        unknown_terms,
        unknown_name,
    ])


def score_below(hits: list[SentenceHit], score: float) -> float:
    """The first score strictly below ``score`` in rank order (score − 1 when none): the
    best lower score among non-heading sentences, since headings are ranked last."""
    return next((h.score for h in hits if h.score < score), score - 1.0)


def answer_probability(features: np.ndarray, weights: tuple[float, ...]) -> float:
    z = float(np.dot(features, np.asarray(weights, dtype=np.float64)))
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
