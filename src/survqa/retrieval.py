"""Hybrid retrieval: dense + BM25 candidates, fused, then every sentence of the
candidate passages scored as a possible answer.

A sentence's score is a linear model over named features (its cosine to the
question, its neighbours' and its passage's, the fused and BM25 scores of its
passage, how much of the question's content it covers, whether it holds the
kind of answer asked for…). The weights, ``Settings.sentence_weights``, are
fitted on the dev split by ``benchmarks/tune.py``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from survqa import fusion
from survqa.backend import FaissBm25Backend, SearchBackend
from survqa.index import SearchIndex
from survqa.lexical import tokenize
from survqa.question import expected_answer
from survqa.records import Document
from survqa.sentences import SentenceTable
from survqa.settings import Settings

FEATURES = (
    "bias", "sentence", "window", "previous", "next", "passage", "fused", "bm25", "bm25_foreign",
    "coverage", "coverage_previous", "coverage_next", "coverage_foreign", "novelty", "type_match",
    "heading", "length",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Query:
    """A question ready for search."""

    text: str
    focus: str
    language: str
    vector: np.ndarray


@dataclass(frozen=True, slots=True)
class SentenceHit:
    """One scored sentence (global sentence row) and its features."""

    sentence: int
    passage: int
    score: float
    features: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Candidates:
    """Fused passage candidates with their raw dense and BM25 scores."""

    rows: list[int]
    fused: dict[int, float]
    dense: dict[int, float]
    bm25: dict[int, float]


class Retriever:
    """Search over one loaded index; immutable after construction, so thread-safe."""

    def __init__(
        self,
        index: SearchIndex,
        documents: dict[str, Document],
        settings: Settings,
        backend: SearchBackend | None = None,
    ):
        self.index = index
        self.settings = settings
        self.backend = backend or FaissBm25Backend.from_index(index)
        self.sentences = SentenceTable(index.passages, index.sentence_passage, documents)
        self.weights = np.asarray(settings.sentence_weights, dtype=np.float64)
        if self.weights.shape != (len(FEATURES),):
            raise ValueError(f"sentence_weights needs {len(FEATURES)} values: {FEATURES}")

    def candidates(self, query: Query, sources: Collection[str] | None) -> Candidates:
        """Fused candidate passages, best first, restricted to ``sources``."""
        s = self.settings
        pool = s.candidates if sources is None else len(self.index.passages)
        dense = self.backend.dense_search(query.vector, pool)
        lexical = self.backend.lexical_search(query.text, pool)
        lexical_weight = 1.0 if query.language == "fr" else s.lexical_weight_foreign
        if s.fusion == "rrf":
            fused = fusion.reciprocal_rank(
                [dense.ids, lexical.ids], [1.0, lexical_weight], k=s.rrf_k
            )
        else:
            fused = fusion.weighted_scores(
                [(dense.ids, dense.scores), (lexical.ids, lexical.scores)], [1.0, lexical_weight]
            )
        if sources is not None:
            fused = {r: v for r, v in fused.items() if self.index.passages[r].source in sources}
        best = fusion.top(fused, s.candidates)
        return Candidates(
            rows=[r for r, _ in best],
            fused=dict(best),
            dense=dict(zip(dense.ids.tolist(), dense.scores.tolist(), strict=True)),
            bm25=dict(zip(lexical.ids.tolist(), lexical.scores.tolist(), strict=True)),
        )

    def features(self, query: Query, found: Candidates) -> tuple[np.ndarray, np.ndarray]:
        """Sentence rows of the candidates and their feature matrix (rows × FEATURES)."""
        table = self.sentences
        rows = table.rows_of(found.rows, self.index.passages)
        if rows.size == 0:
            return rows, np.zeros((0, len(FEATURES)))
        cosines = self.index.sentence_vectors[rows] @ query.vector
        window_cosines = self.index.window_vectors[rows] @ query.vector
        cosine_of = dict(zip(rows.tolist(), cosines.tolist(), strict=True))
        terms = table.weigh(tokenize(query.text))
        terms.update(table.weigh(tokenize(query.focus), boost=2.0))
        top_fused = max(found.fused.values(), default=1.0) or 1.0
        top_bm25 = max(found.bm25.values(), default=1.0) or 1.0
        floor = min(found.dense.values(), default=0.0)
        expects = expected_answer(query.focus)
        foreign = query.language != "fr"
        matrix = np.zeros((rows.size, len(FEATURES)))
        for i, j in enumerate(rows.tolist()):
            passage = int(table.owners[j])
            own = cosine_of[j]
            before, after = table.before(j), table.after(j)
            coverage = table.coverage(terms, j)
            bm25 = found.bm25.get(passage, 0.0) / top_bm25
            matrix[i] = (
                1.0, own, float(window_cosines[i]),
                self._cosine(cosine_of, before, query.vector),
                self._cosine(cosine_of, after, query.vector),
                found.dense.get(passage, floor), found.fused[passage] / top_fused,
                0.0 if foreign else bm25, bm25 if foreign else 0.0,
                0.0 if foreign else coverage,
                table.coverage(terms, before) if before is not None else 0.0,
                table.coverage(terms, after) if after is not None else 0.0,
                coverage if foreign else 0.0,
                table.novelty(terms, j),
                self._type_match(expects, j), float(table.is_heading[j]),
                np.log1p(table.words[j]) / 5.0,
            )
        return rows, matrix

    def _cosine(self, known: dict[int, float], sentence: int | None, vector: np.ndarray) -> float:
        """Cosine of a neighbouring sentence (0 when there is none)."""
        if sentence is None:
            return 0.0
        if sentence not in known:
            known[sentence] = float(self.index.sentence_vectors[sentence] @ vector)
        return known[sentence]

    def _type_match(self, expects: str | None, sentence: int) -> float:
        table = self.sentences
        if expects == "number":
            return float(table.has_number[sentence])
        if expects == "date":
            return float(table.has_year[sentence])
        if expects == "name":
            return float(table.has_name[sentence])
        if expects == "reason":
            return float(table.has_reason[sentence])
        return 0.0

    def rank_sentences(self, query: Query, found: Candidates) -> list[SentenceHit]:
        """Every sentence of the candidate passages, scored, best first; headings come
        after every other sentence (a heading answers only as a last resort)."""
        rows, matrix = self.features(query, found)
        scores = matrix @ self.weights
        headings = matrix[:, FEATURES.index("heading")] > 0
        order = np.lexsort((rows, -scores, headings))
        return [
            SentenceHit(
                int(rows[i]),
                int(self.sentences.owners[rows[i]]),
                float(scores[i]),
                tuple(matrix[i].tolist()),
            )
            for i in order.tolist()
        ]
