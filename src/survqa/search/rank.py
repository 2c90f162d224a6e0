"""Stage 3, ``rank``: every sentence of the candidate passages scored as a possible answer.

A sentence's score is a linear model over named features (its cosine to the question,
its neighbours' and its passage's, the fused and BM25 scores of its passage, how much of
the question's content it covers, whether it holds the kind of answer asked for…). The
weights are ``Settings.sentence_weights``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survqa.indexing.index import SearchIndex
from survqa.indexing.sentences import SentenceTable
from survqa.search.query import Query
from survqa.search.retrieve import Candidates
from survqa.settings import Settings

FEATURES = (
    "bias", "sentence", "window", "previous", "next", "passage", "fused", "bm25", "bm25_foreign",
    "coverage", "coverage_previous", "coverage_next", "coverage_foreign", "novelty", "type_match",
    "heading", "length",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SentenceHit:
    """One scored sentence (a row of the sentence table)."""

    sentence: int
    score: float


def question_terms(query: Query, table: SentenceTable) -> dict[str, float]:
    """IDF weights of the question's terms; its own words (not a follow-up's context)
    count double."""
    terms = table.weigh(query.terms)
    terms.update(table.weigh(query.own_terms, boost=2.0))
    return terms


def features(index: SearchIndex, query: Query, found: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """Sentence rows of the candidates and their feature matrix (rows × FEATURES)."""
    table = index.sentences
    rows = table.rows_of(found.rows)
    if rows.size == 0:
        return rows, np.zeros((0, len(FEATURES)))
    cosine_of = _cosines(index, rows, query.vector)
    window_cosines = index.backend.window_vectors(rows) @ query.vector
    terms = question_terms(query, table)
    top_fused = max(found.fused.values(), default=1.0) or 1.0
    top_bm25 = max(found.bm25.values(), default=1.0) or 1.0
    floor = min(found.dense.values(), default=0.0)
    foreign = query.foreign
    matrix = np.zeros((rows.size, len(FEATURES)))
    for i, j in enumerate(rows.tolist()):
        passage = int(table.owners[j])
        before, after = table.before(j), table.after(j)
        coverage = table.coverage(terms, j)
        bm25 = found.bm25.get(passage, 0.0) / top_bm25
        matrix[i] = (
            1.0, cosine_of[j], float(window_cosines[i]),
            cosine_of.get(before, 0.0) if before is not None else 0.0,
            cosine_of.get(after, 0.0) if after is not None else 0.0,
            found.dense.get(passage, floor), found.fused[passage] / top_fused,
            0.0 if foreign else bm25, bm25 if foreign else 0.0,
            0.0 if foreign else coverage,
            table.coverage(terms, before) if before is not None else 0.0,
            table.coverage(terms, after) if after is not None else 0.0,
            coverage if foreign else 0.0,
            table.novelty(terms, j),
            _type_match(table, query.expects, j), float(table.is_heading[j]),
            np.log1p(table.words[j]) / 5.0,
        )  # fmt: skip
    return rows, matrix


def _cosines(index: SearchIndex, rows: np.ndarray, vector: np.ndarray) -> dict[int, float]:
    """Cosine to the question of each candidate sentence and of its neighbours."""
    table = index.sentences
    cosines = index.backend.sentence_vectors(rows) @ vector
    found = dict(zip(rows.tolist(), cosines.tolist(), strict=True))
    extra = sorted({n for j in rows.tolist() for n in table.neighbours(j)} - found.keys())
    if extra:
        vectors = index.backend.sentence_vectors(np.asarray(extra, dtype=np.int64))
        found.update((j, float(v @ vector)) for j, v in zip(extra, vectors, strict=True))
    return found


def _type_match(table: SentenceTable, expects: str | None, sentence: int) -> float:
    if expects == "number":
        return float(table.has_number[sentence])
    if expects == "date":
        return float(table.has_year[sentence])
    if expects == "name":
        return float(table.has_name[sentence])
    if expects == "reason":
        return float(table.has_reason[sentence])
    return 0.0


def rank(
    index: SearchIndex, query: Query, found: Candidates, settings: Settings
) -> list[SentenceHit]:
    """Every sentence of the candidate passages, scored, best first; headings come after
    every other sentence (a heading answers only as a last resort)."""
    weights = np.asarray(settings.sentence_weights, dtype=np.float64)
    if weights.shape != (len(FEATURES),):
        raise ValueError(f"sentence_weights needs {len(FEATURES)} values: {FEATURES}")
    rows, matrix = features(index, query, found)
    scores = matrix @ weights
    headings = matrix[:, FEATURES.index("heading")] > 0
    order = np.lexsort((rows, -scores, headings))
    return [SentenceHit(int(rows[i]), float(scores[i])) for i in order.tolist()]
