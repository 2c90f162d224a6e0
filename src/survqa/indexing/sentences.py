"""The sentence table: every sentence of the passage table, built with the index and saved
beside it (``sentences.jsonl``), with the lexical facts that ranking, excerpts and
confidence read, and the role of the units that cannot answer (see :mod:`.units`).

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

from survqa.analysis import numbers, tokenize
from survqa.indexing.units import BYLINE, Unit, classify_units
from survqa.records import Document, Passage
from survqa.text import clean

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
    """One row of the table, as saved: raw span, owning passage, reading form, its terms
    (repeats kept), the previous / next sentence of the same paragraph (None at a
    paragraph's edge), and its role when it cannot answer ("reference", "caption",
    "credit", "share", "byline", "fragment"; None for a sentence that can)."""

    start: int
    end: int
    passage: int
    text: str
    terms: tuple[str, ...]
    previous: int | None
    next: int | None
    role: str | None = None


def build_sentences(passages: Sequence[Passage], documents: dict[str, Document]) -> list[Sentence]:
    """The sentence rows of ``passages`` (whose texts are in ``documents``)."""
    keys = [(p.source, p.paragraph) for p in passages for _ in p.sentences]
    owners = [row for row, p in enumerate(passages) for _ in p.sentences]
    spans = [span for p in passages for span in p.sentences]
    roles = _roles(passages, documents)
    rows: list[Sentence] = []
    for j, ((start, end), row) in enumerate(zip(spans, owners, strict=True)):
        text = clean(documents[passages[row].source].text[start:end])
        previous = j - 1 if j > 0 and keys[j - 1] == keys[j] else None
        following = j + 1 if j + 1 < len(keys) and keys[j + 1] == keys[j] else None
        rows.append(
            Sentence(start, end, row, text, tuple(tokenize(text)), previous, following, roles[j])
        )
    return rows


def _roles(passages: Sequence[Passage], documents: dict[str, Document]) -> list[str | None]:
    """The role of every sentence, document by document (see :func:`.units.classify_units`)."""
    roles: list[str | None] = []
    by_document: dict[str, list[Unit]] = {}
    for p in passages:
        by_document.setdefault(p.source, []).extend(Unit(a, b, p.paragraph) for a, b in p.sentences)
    for source, units in by_document.items():  # passages are in document order
        roles += classify_units(documents[source].text, units)
    return roles


def window_text(sentences: Sequence[Sentence], j: int) -> str:
    """A sentence joined with its neighbours inside the paragraph (what an excerpt shows)."""
    s = sentences[j]
    parts = [sentences[n].text for n in (s.previous,) if n is not None]
    parts.append(s.text)
    parts += [sentences[n].text for n in (s.next,) if n is not None]
    return " ".join(part for part in parts if part)


# The e5 views of a sentence that ranking reads (one vector each, see VIEW_TEXTS):
# alone, with its neighbours, headed by its document's title, with one neighbour.
VIEWS = ("sentence", "window", "titled", "titled_window", "before", "after")


def view_texts(sentences: Sequence[Sentence], titles: Sequence[str]) -> dict[str, list[str]]:
    """The text embedded for each view of each sentence (``titles[j]``: the title of the
    document of sentence *j*); a missing neighbour is left out."""
    windows = [window_text(sentences, j) for j in range(len(sentences))]
    texts = [s.text for s in sentences]
    return {
        "sentence": texts,
        "window": windows,
        "titled": [f"{title} : {text}" for title, text in zip(titles, texts, strict=True)],
        "titled_window": [f"{t} : {w}" for t, w in zip(titles, windows, strict=True)],
        "before": [" ".join(x for x in (_text(sentences, s.previous), s.text) if x)
                   for s in sentences],
        "after": [" ".join(x for x in (s.text, _text(sentences, s.next)) if x)
                  for s in sentences],
    }  # fmt: skip


def _text(sentences: Sequence[Sentence], j: int | None) -> str:
    return sentences[j].text if j is not None else ""


def to_jsonl(sentences: Sequence[Sentence]) -> str:
    return "".join(
        json.dumps(
            [s.start, s.end, s.passage, s.text, list(s.terms), s.previous, s.next, s.role],
            ensure_ascii=False,
        )
        + "\n"
        for s in sentences
    )


def from_jsonl(text: str) -> list[Sentence]:
    rows = []
    for line in text.splitlines():
        start, end, passage, body, terms, previous, nxt, role = json.loads(line)
        rows.append(Sentence(int(start), int(end), int(passage), str(body),
                             tuple(str(t) for t in terms), previous, nxt, role))  # fmt: skip
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
        self.answers = np.asarray([s.role is None for s in self.rows], dtype=bool)
        self.bylines = np.asarray([s.role == BYLINE for s in self.rows], dtype=bool)
        citable = [j for j in range(len(self.rows)) if self.answers[j] or self.bylines[j]]
        self.vocabulary = frozenset(t for j in citable for t in self.terms[j])
        self.numbers = frozenset(n for j in citable for n in numbers(self.texts[j]))
        self.lexical = SentenceBM25([s.terms for s in self.rows])
        self.window_terms = [self._window_terms(j) for j in range(len(self.rows))]

    def __len__(self) -> int:
        return len(self.rows)

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

    def window(self, sentence: int) -> tuple[int, int]:
        """The sentence with its neighbours: (first, last) rows, inclusive."""
        row = self.rows[sentence]
        first = sentence if row.previous is None else row.previous
        return first, sentence if row.next is None else row.next

    def _window_terms(self, sentence: int) -> frozenset[str]:
        first, last = self.window(sentence)
        rows = [j for j in range(first, last + 1) if self.answers[j]]
        return frozenset().union(*(self.terms[j] for j in rows))

    def idf(self, group: frozenset[str]) -> float:
        """BM25's idf of a term group over the sentences that can answer."""
        holding = set().union(*(self.lexical.postings.get(t, set()) for t in group))
        df = sum(1 for j in holding if self.answers[j])
        n = int(self.answers.sum())
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def rows_of(self, passage_rows: Sequence[int]) -> np.ndarray:
        """Sentence rows of the given passages, in the given order."""
        if not passage_rows:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate(
            [np.arange(self.first[r], self.first[r] + self.counts[r]) for r in passage_rows]
        )


class SentenceBM25:
    """BM25 over the sentences where a query term is a group of synonyms (a foreign word's
    French translations): its tf is the sum of the members' tf, its df the number of
    sentences holding any member."""

    K1, B = 1.2, 0.75

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.tf = [Counter(d) for d in documents]
        self.postings: dict[str, set[int]] = {}
        for j, terms in enumerate(documents):
            for term in terms:
                self.postings.setdefault(term, set()).add(j)
        lengths = np.asarray([len(d) for d in documents], dtype=np.float64)
        self.norm = self.K1 * (1 - self.B + self.B * lengths / (float(lengths.mean()) or 1.0))

    def scores(self, groups: Sequence[frozenset[str]], rows: np.ndarray) -> np.ndarray:
        """The BM25 score of each of ``rows`` for the query's term groups."""
        out = np.zeros(len(rows))
        n = len(self.tf)
        for group in set(groups):
            holding = set().union(*(self.postings.get(t, set()) for t in group))
            if not holding:
                continue
            idf = math.log(1 + (n - len(holding) + 0.5) / (len(holding) + 0.5))
            tf = np.asarray([sum(self.tf[j].get(t, 0) for t in group) for j in rows.tolist()])
            out += idf * tf * (self.K1 + 1) / (tf + self.norm[rows])
        return out
