"""Stage 5, ``calibrate``: does the corpus answer, and how sure is each excerpt?

Two logistic models over the same features — the excerpt's relevance and its margin over
the next sentence, the e5 cosines of its opening sentence, what the question alone says
(names, numbers, words the corpus never uses; :mod:`.evidence`), how much of the question
the excerpt covers, and whether the question is foreign — give P(answerable) and
P(right). The corpus abstains when P(answerable) of the first excerpt is below a
threshold; each excerpt's label (high / medium / low) comes from its P(right). Models
and thresholds are fitted out of fold by ``python -m benchmarks.crossval --fit`` and
shipped in ``calibration.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from survqa.indexing.index import SearchIndex
from survqa.search.evidence import Evidence, gather
from survqa.search.logistic import Logistic
from survqa.search.query import Query
from survqa.search.rank import Ranking
from survqa.search.select import Window
from survqa.settings import Settings

SHIPPED = Path(__file__).resolve().parent / "calibration.json"
FEATURES = (
    "top", "margin", "window", "sentence", "titled", "unknown_name", "unknown_number",
    "unknown_terms", "coverage", "foreign",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fitted models and their thresholds."""

    answerable: Logistic
    right: Logistic
    abstain_below: float
    high_above: float
    medium_above: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"calibration features {data['features']} are not {FEATURES}")
        return cls(
            Logistic.from_json(data["answerable"]), Logistic.from_json(data["right"]),
            float(data["abstain_below"]), float(data["high_above"]), float(data["medium_above"]),
        )  # fmt: skip


@lru_cache(maxsize=8)
def load_calibration(path: str | None) -> Calibration:
    """The calibration file (None: the one shipped with survqa)."""
    source = Path(path) if path else SHIPPED
    return Calibration.from_json(json.loads(source.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether to abstain, and each window's P(answerable), P(right) and label."""

    no_answer: bool
    answerable: tuple[float, ...]
    right: tuple[float, ...]
    labels: tuple[str, ...]


def features(
    index: SearchIndex, query: Query, ranking: Ranking, window: Window, evidence: Evidence
) -> np.ndarray:
    """The calibration features (``FEATURES``) of one window."""
    table = index.sentences
    opening = ranking.position(window.hit.sentence)
    after = ranking.hits.index(window.hit) + 1  # the next sentence in rank order
    lower = ranking.hits[after].score if after < len(ranking.hits) else window.hit.score - 1.0
    terms = set().union(*(table.terms[j] for j in range(window.first, window.last + 1)))
    groups = query.groups
    coverage = sum(bool(g & terms) for g in groups) / len(groups) if groups else 0.0
    return np.array([
        window.hit.score, window.hit.score - lower,
        float(ranking.signals["window"][opening]), float(ranking.signals["sentence"][opening]),
        float(ranking.signals["titled"][opening]),
        float(evidence.unknown_names > 0), float(evidence.unknown_numbers > 0),
        evidence.unknown_terms, coverage, float(query.foreign),
    ])  # fmt: skip


def label(p_right: float, model: Calibration) -> str:
    if p_right >= model.high_above:
        return "high"
    return "medium" if p_right >= model.medium_above else "low"


def calibrate(
    index: SearchIndex,
    query: Query,
    ranking: Ranking,
    windows: Sequence[Window],
    settings: Settings,
) -> Verdict:
    """The verdict on the selected windows (best first)."""
    model = load_calibration(settings.calibration)
    if not windows:
        return Verdict(True, (), (), ())
    evidence = gather(query, index.sentences, index.lexicon)
    x = np.stack([features(index, query, ranking, w, evidence) for w in windows])
    answerable = model.answerable.probability(x)
    right = model.right.probability(x)
    no_answer = bool(answerable[0] < model.abstain_below)
    labels = tuple("low" if no_answer else label(float(p), model) for p in right)
    return Verdict(no_answer, tuple(answerable.tolist()), tuple(right.tolist()), labels)
