"""The sentence table: every sentence of the passage table, built with the index and saved
beside it (``sentences.jsonl``), with the lexical facts that ranking, excerpts and
confidence read.

Row *j* is the *j*-th sentence of the passage table, in passage order; its vectors are
row *j* of the backend's sentence and window vectors.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from survqa.analysis import tokenize
from survqa.records import Document, Passage
from survqa.text import clean

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


@dataclass(frozen=True, slots=True)
class Sentence:
    """One row of the table, as saved: raw span, owning passage, reading form, terms and
    the previous / next sentence of the same paragraph (None at a paragraph's edge)."""

    start: int
    end: int
    passage: int
    text: str
    terms: tuple[str, ...]
    previous: int | None
    next: int | None


def build_sentences(passages: Sequence[Passage], documents: dict[str, Document]) -> list[Sentence]:
    """The sentence rows of ``passages`` (whose texts are in ``documents``)."""
    keys = [(p.source, p.paragraph) for p in passages for _ in p.sentences]
    rows: list[Sentence] = []
    for row, passage in enumerate(passages):
        text = documents[passage.source].text
        for start, end in passage.sentences:
            j = len(rows)
            same_before = j > 0 and keys[j - 1] == keys[j]
            same_after = j + 1 < len(keys) and keys[j + 1] == keys[j]
            raw = text[start:end]
            rows.append(
                Sentence(
                    start, end, row, clean(raw), tuple(tokenize(raw)),
                    j - 1 if same_before else None, j + 1 if same_after else None,
                )
            )  # fmt: skip
    return rows


def window_text(sentences: Sequence[Sentence], j: int) -> str:
    """A sentence joined with its neighbours inside the paragraph (what an excerpt shows)."""
    s = sentences[j]
    parts = [sentences[n].text for n in (s.previous,) if n is not None]
    parts.append(s.text)
    parts += [sentences[n].text for n in (s.next,) if n is not None]
    return " ".join(part for part in parts if part)


def to_jsonl(sentences: Sequence[Sentence]) -> str:
    return "".join(
        json.dumps(
            [s.start, s.end, s.passage, s.text, list(s.terms), s.previous, s.next],
            ensure_ascii=False,
        )
        + "\n"
        for s in sentences
    )


def from_jsonl(text: str) -> list[Sentence]:
    rows = []
    for line in text.splitlines():
        start, end, passage, body, terms, previous, nxt = json.loads(line)
        rows.append(Sentence(int(start), int(end), int(passage), str(body),
                             tuple(str(t) for t in terms), previous, nxt))  # fmt: skip
    return rows


class SentenceTable:
    """The saved sentences and what is derived from them when the index is loaded."""

    def __init__(self, sentences: Sequence[Sentence], passages: Sequence[Passage]) -> None:
        self.rows = list(sentences)
        self.spans = [(s.start, s.end) for s in self.rows]
        self.owners = np.asarray([s.passage for s in self.rows], dtype=np.int64)
        self.first = np.searchsorted(self.owners, np.arange(len(passages)), "left")
        self.counts = [len(p.sentences) for p in passages]
        self.paragraph_key = [(passages[s.passage].source, passages[s.passage].paragraph)
                              for s in self.rows]  # fmt: skip
        self.texts = [s.text for s in self.rows]
        self.terms = [frozenset(s.terms) for s in self.rows]
        self.words = [len(text.split()) for text in self.texts]
        self.has_number = [bool(_NUMBER.search(t)) for t in self.texts]
        self.has_year = [bool(_YEAR.search(t)) for t in self.texts]
        self.has_name = [bool(_NAME.search(t)) for t in self.texts]
        self.has_reason = [bool(_REASON.search(t)) for t in self.texts]
        self.is_heading = [
            not self.neighbours(j) and self.words[j] <= HEADING_WORDS
            and not text.endswith(SENTENCE_ENDS)
            for j, text in enumerate(self.texts)
        ]  # fmt: skip
        frequency = Counter(term for terms in self.terms for term in terms)
        total = max(len(self.terms), 1)
        self.idf = {t: math.log(1 + total / n) for t, n in frequency.items()}
        self.default_idf = math.log(1 + total)

    def __len__(self) -> int:
        return len(self.rows)

    def source(self, sentence: int, passages: Sequence[Passage]) -> str:
        return passages[self.rows[sentence].passage].source

    def before(self, sentence: int) -> int | None:
        """The previous sentence of the same paragraph, if any."""
        return self.rows[sentence].previous

    def after(self, sentence: int) -> int | None:
        """The next sentence of the same paragraph, if any."""
        return self.rows[sentence].next

    def neighbours(self, sentence: int) -> list[int]:
        """The sentences just before and after, inside the same paragraph."""
        row = self.rows[sentence]
        return [j for j in (row.previous, row.next) if j is not None]

    def rows_of(self, passage_rows: Sequence[int]) -> np.ndarray:
        """Sentence rows of the given passages, in the given order."""
        if not passage_rows:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate(
            [np.arange(self.first[r], self.first[r] + self.counts[r]) for r in passage_rows]
        )

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

    def weigh(self, terms: Sequence[str], boost: float = 1.0) -> dict[str, float]:
        return {t: boost * self.idf.get(t, self.default_idf) for t in terms}
