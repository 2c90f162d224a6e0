"""The sentence table of a loaded index: spans, neighbours and precomputed
lexical facts (stems, word counts, numbers, names, headings) used to score
sentences as answers."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from survqa.corpus import clean_span
from survqa.lexical import tokenize
from survqa.records import Document, Passage

HEADING_WORDS = 20
SENTENCE_ENDS = (".", "!", "?", "…", "»", '"', "”", ")")
_NUMBER = re.compile(r"\d")
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_NAME = re.compile(r"(?<=[\w,;:’'»)] )[A-ZÀ-ÖØ-Þ][\w’'-]+")
_REASON = re.compile(
    r"\b(afin (de|d’|d'|que)|parce que|parce qu|car|puisque|en raison|à cause|grâce à|"
    r"dans le but|pour (que|qu|[a-zà-ÿ]+(er|ir|re))|objectif|raison)\b",
    re.IGNORECASE,
)


class SentenceTable:
    """Row *j* = the *j*-th sentence of the passage table, in passage order."""

    def __init__(self, passages: list[Passage], owners: np.ndarray, documents: dict[str, Document]):
        self.spans: list[tuple[int, int]] = [span for p in passages for span in p.sentences]
        self.owners = owners
        self.first = np.searchsorted(owners, np.arange(len(passages)), "left")
        self.paragraph_key = [(passages[r].source, passages[r].paragraph) for r in owners.tolist()]
        raw = [
            documents[passages[r].source].text[s:e]
            for r, (s, e) in zip(owners.tolist(), self.spans, strict=True)
        ]
        cleaned = [clean_span(sentence) for sentence in raw]
        self.terms = [frozenset(tokenize(sentence)) for sentence in raw]
        self.words = [len(sentence.split()) for sentence in cleaned]
        self.has_number = [bool(_NUMBER.search(s)) for s in raw]
        self.has_year = [bool(_YEAR.search(s)) for s in raw]
        self.has_name = [bool(_NAME.search(s)) for s in cleaned]
        self.has_reason = [bool(_REASON.search(s)) for s in cleaned]
        self.is_heading = [
            not self.neighbours(j)
            and self.words[j] <= HEADING_WORDS
            and not sentence.rstrip().endswith(SENTENCE_ENDS)
            for j, sentence in enumerate(raw)
        ]
        frequency = Counter(term for terms in self.terms for term in terms)
        total = max(len(self.terms), 1)
        self.idf = {t: math.log(1 + total / n) for t, n in frequency.items()}
        self.default_idf = math.log(1 + total)

    def __len__(self) -> int:
        return len(self.spans)

    def neighbours(self, sentence: int) -> list[int]:
        """The sentences just before and after, inside the same paragraph."""
        return [j for j in (self.before(sentence), self.after(sentence)) if j is not None]

    def rows_of(self, passage_rows: list[int], passages: list[Passage]) -> np.ndarray:
        """Sentence rows of the given passages, in the given order."""
        if not passage_rows:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate(
            [
                np.arange(self.first[r], self.first[r] + len(passages[r].sentences))
                for r in passage_rows
            ]
        )

    def before(self, sentence: int) -> int | None:
        """The previous sentence of the same paragraph, if any."""
        j = sentence - 1
        return j if j >= 0 and self.paragraph_key[j] == self.paragraph_key[sentence] else None

    def after(self, sentence: int) -> int | None:
        """The next sentence of the same paragraph, if any."""
        j = sentence + 1
        same = j < len(self.paragraph_key) and self.paragraph_key[j] == self.paragraph_key[sentence]
        return j if same else None

    def coverage(self, query_terms: dict[str, float], sentence: int) -> float:
        """IDF-weighted share of the question's terms found in the sentence."""
        total = sum(query_terms.values())
        if total <= 0:
            return 0.0
        own = self.terms[sentence]
        return sum(w for t, w in query_terms.items() if t in own) / total

    def novelty(self, query_terms: dict[str, float], sentence: int) -> float:
        """IDF-weighted share of the sentence's terms that the question does not use."""
        terms = self.terms[sentence]
        total = sum(self.idf.get(t, self.default_idf) for t in terms)
        if total <= 0:
            return 0.0
        return sum(self.idf.get(t, self.default_idf) for t in terms if t not in query_terms) / total

    def weigh(self, terms: list[str], boost: float = 1.0) -> dict[str, float]:
        return {t: boost * self.idf.get(t, self.default_idf) for t in terms}
