"""Hybrid retrieval: dense + BM25 candidates, fused, then every sentence of the
candidate passages scored to find the one that answers.

Sentence score = weighted sum of its own cosine to the question, the best
cosine of its neighbours, the fused score of its passage, and how much of the
question's content (IDF-weighted stems, numbers and names) it and its
neighbours cover. Weights are Settings fields tuned on the dev split.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from survqa import fusion
from survqa.corpus import clean_span
from survqa.index import SearchIndex
from survqa.lexical import tokenize
from survqa.records import Document
from survqa.settings import Settings


HEADING_WORDS = 20
SENTENCE_ENDS = (".", "!", "?", "…", "»", '"', "”", ")")


@dataclass(frozen=True, slots=True)
class Query:
    """A question ready for search."""

    text: str
    focus: str
    language: str
    vector: np.ndarray


@dataclass(frozen=True, slots=True)
class SentenceHit:
    """One scored sentence (global sentence row) and the features behind its score."""

    sentence: int
    passage: int
    score: float
    dense: float
    coverage: float
    fused: float


class Retriever:
    """Search over one loaded index; immutable after construction, so thread-safe."""

    def __init__(self, index: SearchIndex, documents: dict[str, Document], settings: Settings):
        self.index = index
        self.settings = settings
        spans = [span for p in index.passages for span in p.sentences]
        self.sentence_spans: list[tuple[int, int]] = spans
        owners = index.sentence_passage
        self.first_sentence = np.searchsorted(owners, np.arange(len(index.passages)), "left")
        para_key = [(index.passages[row].source, index.passages[row].paragraph) for row in owners]
        self.paragraph_key = para_key
        texts = [documents[index.passages[row].source].text for row in owners.tolist()]
        raw = [text[s:e] for text, (s, e) in zip(texts, spans, strict=True)]
        self.sentence_terms = [frozenset(tokenize(sentence)) for sentence in raw]
        self.sentence_words = [len(clean_span(sentence).split()) for sentence in raw]
        self.is_heading = [
            not self.neighbours(j) and self.sentence_words[j] <= HEADING_WORDS
            and not sentence.rstrip().endswith(SENTENCE_ENDS)
            for j, sentence in enumerate(raw)
        ]
        frequency = Counter(term for terms in self.sentence_terms for term in terms)
        total = max(len(self.sentence_terms), 1)
        self.idf = {t: math.log(1 + total / n) for t, n in frequency.items()}
        self.default_idf = math.log(1 + total)

    def neighbours(self, sentence: int) -> list[int]:
        """The sentences just before and after, inside the same paragraph."""
        key = self.paragraph_key[sentence]
        return [
            j for j in (sentence - 1, sentence + 1)
            if 0 <= j < len(self.paragraph_key) and self.paragraph_key[j] == key
        ]

    def candidates(self, query: Query, sources: Collection[str] | None) -> list[tuple[int, float]]:
        """Fused (passage row, score) pairs, best first, restricted to ``sources``."""
        s = self.settings
        pool = s.candidates if sources is None else len(self.index.passages)
        dense = self.index.dense.search(query.vector, pool)
        lexical = self.index.lexical.search(query.text, pool)
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
        return fusion.top(fused, s.candidates)

    def _coverage(self, query_terms: dict[str, float], sentence: int) -> float:
        if not query_terms:
            return 0.0
        own = self.sentence_terms[sentence]
        near = set().union(*(self.sentence_terms[j] for j in self.neighbours(sentence)))
        got = sum(w if t in own else 0.5 * w if t in near else 0.0 for t, w in query_terms.items())
        return got / sum(query_terms.values())

    def _query_terms(self, query: Query) -> dict[str, float]:
        terms = {t: self.idf.get(t, self.default_idf) for t in tokenize(query.text)}
        for t in tokenize(query.focus):  # the user's own words weigh double in a follow-up
            terms[t] = 2 * self.idf.get(t, self.default_idf)
        return terms

    def rank_sentences(self, query: Query, candidates: list[tuple[int, float]]) -> list[SentenceHit]:
        """Every sentence of the candidate passages, scored, best first."""
        if not candidates:
            return []
        s = self.settings
        rows = [r for r, _ in candidates]
        top_fused = candidates[0][1] or 1.0
        sentence_rows = np.concatenate(
            [np.arange(self.first_sentence[r], self.first_sentence[r] + len(self.index.passages[r].sentences)) for r in rows]
        )
        cosines = self.index.sentence_vectors[sentence_rows] @ query.vector
        cosine_of = dict(zip(sentence_rows.tolist(), cosines.tolist(), strict=True))
        fused_of = dict(candidates)
        terms = self._query_terms(query)
        foreign = query.language != "fr"
        hits = []
        for j, cosine in cosine_of.items():
            row = int(self.index.sentence_passage[j])
            near = [cosine_of.get(n, cosine - 0.05) for n in self.neighbours(j)]
            coverage = self._coverage(terms, j)
            fused = fused_of[row] / top_fused
            score = (
                s.w_sentence * cosine
                + s.w_context * max(near, default=cosine - 0.05)
                + s.w_fused * fused
                + (s.w_coverage_foreign if foreign else s.w_coverage) * coverage
                - (s.heading_penalty if self.is_heading[j] else 0.0)
            )
            hits.append(SentenceHit(j, row, score, cosine, coverage, fused))
        hits.sort(key=lambda h: (-h.score, h.sentence))
        return hits
