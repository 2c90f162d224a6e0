"""Stage 5, ``calibrate``: does the corpus answer, and how sure is each excerpt?

A small logistic model over the best sentences' scores and what the question alone
says gives the probability that an excerpt answers; thresholds on it give abstention
and the high / medium / low confidence a person reads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from survqa.analysis import tokenize
from survqa.indexing.sentences import SentenceTable
from survqa.search.query import Query
from survqa.search.rank import SentenceHit
from survqa.search.select import Window
from survqa.settings import Settings

ABSTENTION_FEATURES = (
    "bias",
    "score_fr",
    "score_foreign",
    "foreign",
    "margin",
    "unknown_terms",
    "unknown_name",
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!] )\b[A-ZÀ-ÖØ-Þ][\w-]{2,}")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether to abstain, and each window's probability of answering and its label."""

    no_answer: bool
    probabilities: tuple[float, ...]
    labels: tuple[str, ...]


def unknown_share(words: Sequence[str], table: SentenceTable) -> float:
    """Share of the stems of ``words`` that never occur in the corpus."""
    stems = tokenize(" ".join(words))
    return sum(t not in table.idf for t in stems) / len(stems) if stems else 0.0


def question_evidence(query: Query, table: SentenceTable) -> tuple[float, float]:
    """What the question alone says: (share of its stems unknown to the corpus, whether a
    French question names something the corpus never mentions, 0/1). Foreign questions: 0, 0."""
    if query.foreign:
        return 0.0, 0.0
    names = _CAPITALISED.findall(query.question)
    unknown_name = bool(names) and unknown_share(names, table) > 0
    unknown_terms = sum(t not in table.idf for t in query.own_terms) / max(len(query.own_terms), 1)
    return unknown_terms, float(unknown_name)


def abstention_features(
    query: Query, score: float, next_score: float, evidence: tuple[float, float]
) -> np.ndarray:
    """Features of one excerpt for the abstention model (ABSTENTION_FEATURES).

    The sentence's score is split by language (French questions also have BM25 evidence,
    so their scores run higher); ``next_score`` is the best score below it.
    """
    foreign = query.foreign
    unknown_terms, unknown_name = evidence
    return np.array([
        1.0, 0.0 if foreign else score, score if foreign else 0.0, float(foreign),
        score - next_score, unknown_terms, unknown_name,
    ])  # fmt: skip


def score_below(hits: Sequence[SentenceHit], score: float) -> float:
    """The first score strictly below ``score`` in rank order (score − 1 when none): the
    best lower score among non-heading sentences, since headings are ranked last."""
    return next((h.score for h in hits if h.score < score), score - 1.0)


def answer_probability(features: np.ndarray, weights: Sequence[float]) -> float:
    z = float(np.dot(features, np.asarray(weights, dtype=np.float64)))
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def label(probability: float, no_answer: bool, settings: Settings) -> str:
    if no_answer or probability < settings.medium_above:
        return "low"
    return "high" if probability >= settings.high_above else "medium"


def calibrate(
    table: SentenceTable,
    query: Query,
    hits: Sequence[SentenceHit],
    windows: Sequence[Window],
    settings: Settings,
) -> Verdict:
    """The verdict on the selected windows (best first)."""
    evidence = question_evidence(query, table)
    chances = tuple(
        answer_probability(
            abstention_features(query, w.hit.score, score_below(hits, w.hit.score), evidence),
            settings.abstention_weights,
        )
        for w in windows
    )
    no_answer = not chances or chances[0] < settings.abstain_below
    return Verdict(no_answer, chances, tuple(label(p, no_answer, settings) for p in chances))
