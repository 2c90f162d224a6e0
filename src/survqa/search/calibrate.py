"""Stage 5, ``calibrate``: does the corpus answer, and how sure is each excerpt?

Two logistic models over the same features — the excerpt's relevance and its margin over
the next sentence, the e5 cosines of its opening sentence, what the question alone says
(names, numbers, words the corpus never uses; :mod:`.evidence`), how much of the question
the excerpt covers (plainly and weighted by idf) and the best any window of the searched
documents covers, and whether the question is foreign — give P(answerable) and P(right).
The corpus abstains when P(answerable) of the first excerpt is below a threshold; each
excerpt's label (high / medium / low) comes from its P(right).

A search restricted to some documents is compared with the corpus-wide one: when the
corpus does not answer at all, or the corpus-wide best sentence scores more than
``restricted_gap`` above the documents' best, the documents "do not say"; when it scores
above it by less, their best excerpts are shown labelled "low".

Models and thresholds are fitted by ``python -m benchmarks.crossval --fit`` (measured out
of fold by ``python -m benchmarks.crossval``) and shipped in ``calibration.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence, Set
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from survqa.indexing.index import SearchIndex
from survqa.indexing.sentences import SentenceTable
from survqa.search.evidence import Evidence, gather
from survqa.search.logistic import Logistic
from survqa.search.query import Query
from survqa.search.rank import Ranking
from survqa.search.select import Window, select
from survqa.settings import Settings

SHIPPED = Path(__file__).resolve().parent / "calibration.json"
FEATURES = (
    "top", "margin", "window", "sentence", "titled", "unknown_name", "unknown_number",
    "unknown_terms", "coverage", "foreign", "idf_coverage", "best_window_coverage",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fitted models and their thresholds."""

    answerable: Logistic
    right: Logistic
    abstain_below: float
    high_above: float
    medium_above: float
    restricted_gap: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"calibration features {data['features']} are not {FEATURES}")
        return cls(
            Logistic.from_json(data["answerable"]), Logistic.from_json(data["right"]),
            float(data["abstain_below"]), float(data["high_above"]), float(data["medium_above"]),
            float(data["restricted_gap"]),
        )  # fmt: skip


@lru_cache(maxsize=8)
def load_calibration(path: str | None) -> Calibration:
    """The calibration file (None: the one shipped with survqa)."""
    source = Path(path) if path else SHIPPED
    return Calibration.from_json(json.loads(source.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether to abstain and why ("corpus": the corpus does not answer; "documents": the
    documents searched do not say, the corpus-wide best being in ``elsewhere``), and each
    window's P(answerable), P(right) and label."""

    no_answer: bool
    answerable: tuple[float, ...]
    right: tuple[float, ...]
    labels: tuple[str, ...]
    abstention: str | None = None
    elsewhere: str | None = None


def idf_share(table: SentenceTable, groups: Sequence[frozenset[str]], terms: Set[str]) -> float:
    """The idf-weighted share of the question's term groups found in ``terms``."""
    if not groups:
        return 0.0
    weights = [table.idf(g) for g in groups]
    total = sum(weights)
    return sum(w for w, g in zip(weights, groups, strict=True) if g & terms) / total


def features(
    index: SearchIndex,
    query: Query,
    ranking: Ranking,
    window: Window,
    scope: Sequence[int],
    evidence: Evidence,
    everywhere: bool = False,
) -> np.ndarray:
    """The calibration features (``FEATURES``) of one window; ``scope``: the sentence rows
    whose windows the best coverage is taken over; ``everywhere``: the window's margin is
    taken in the corpus-wide order, not in the searched documents'."""
    table = index.sentences
    opening = ranking.position(window.hit.sentence)
    hits = ranking.everywhere if everywhere else ranking.hits
    after = hits.index(window.hit) + 1
    lower = hits[after].score if after < len(hits) else window.hit.score - 1.0
    rows = range(window.first, window.last + 1)
    terms = set().union(*(table.terms[j] for j in rows))
    citable_terms = set().union(*(table.terms[j] for j in rows if table.answers[j]))
    groups = list(dict.fromkeys(query.groups))
    coverage = sum(bool(g & terms) for g in groups) / len(groups) if groups else 0.0
    best = max((idf_share(table, groups, table.window_terms[j]) for j in scope), default=0.0)
    return np.array([
        window.hit.score, window.hit.score - lower,
        float(ranking.signals["window"][opening]), float(ranking.signals["sentence"][opening]),
        float(ranking.signals["titled"][opening]),
        float(evidence.unknown_names > 0), float(evidence.unknown_numbers > 0),
        evidence.unknown_terms, coverage, float(query.foreign),
        idf_share(table, groups, citable_terms), best if groups else 0.0,
    ])  # fmt: skip


def label(p_right: float, model: Calibration) -> str:
    if p_right >= model.high_above:
        return "high"
    return "medium" if p_right >= model.medium_above else "low"


def scope_of(index: SearchIndex, ranking: Ranking, sources: Set[str] | None) -> list[int]:
    """The scored sentences that can answer, in ``sources`` (None: all of them)."""
    table = index.sentences
    rows = [j for j in ranking.rows.tolist() if table.answers[j]]
    if sources is None:
        return rows
    return [j for j in rows if index.passages[int(table.owners[j])].source in sources]


def calibrate(
    index: SearchIndex,
    query: Query,
    ranking: Ranking,
    windows: Sequence[Window],
    settings: Settings,
    sources: Set[str] | None = None,
) -> Verdict:
    """The verdict on the selected windows (best first) of a search in ``sources``."""
    model = load_calibration(settings.calibration)
    if not windows:
        return Verdict(True, (), (), (), "corpus")
    evidence = gather(query, index.sentences, index.lexicon)
    scope = scope_of(index, ranking, sources if ranking.restricted else None)
    x = np.stack([features(index, query, ranking, w, scope, evidence) for w in windows])
    answerable, right = model.answerable.probability(x), model.right.probability(x)
    abstention = "corpus" if answerable[0] < model.abstain_below else None
    elsewhere, low = None, False
    if ranking.restricted and ranking.everywhere:
        abstention, elsewhere, low = _restricted(index, query, ranking, windows[0], evidence, model)
    labels = tuple("low" if abstention or low else label(float(p), model) for p in right)
    return Verdict(abstention is not None, tuple(answerable.tolist()), tuple(right.tolist()),
                   labels, abstention, elsewhere)  # fmt: skip


def _restricted(
    index: SearchIndex,
    query: Query,
    ranking: Ranking,
    first: Window,
    evidence: Evidence,
    model: Calibration,
) -> tuple[str | None, str | None, bool]:
    """(abstention, the corpus-wide best document, labels forced low) of a restricted search,
    from the corpus-wide best sentence."""
    best = ranking.everywhere[0]
    opening = select(index.sentences, ranking, 1, hits=[best])[0]
    scope = scope_of(index, ranking, None)
    x = features(index, query, ranking, opening, scope, evidence, everywhere=True)
    if model.answerable.probability(x)[0] < model.abstain_below:
        return "corpus", None, False
    gap = best.score - first.hit.score
    source = index.passages[int(index.sentences.owners[best.sentence])].source
    if gap > model.restricted_gap:
        return "documents", source, False
    return None, (source if gap > 0 else None), gap > 0
