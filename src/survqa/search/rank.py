"""Stage 3, ``rank``: every sentence of the candidate passages scored as a possible answer.

Seven signals, each computed for every candidate sentence:

* five e5 cosines to the question — the sentence alone, with its neighbours, headed by
  its document's title (alone and with neighbours), and the better of the sentence
  joined with its previous or its next neighbour;
* BM25 of the question's term groups over sentences (FreeDict translations for a foreign
  question);
* whether the sentence holds the kind of answer asked for (number, date, name, reason).

Each signal is z-scored over the candidate sentences that can answer, and the relevance
is a fixed-weight sum (``RELEVANCE``: set by hand, not fitted — fitted weights did worse
out of fold, docs/evaluation.md). Sentences that cannot answer (references, captions,
credits, share lines, fragments; bylines unless the question asks who wrote) are never
ranked. A separate score (``ANSWERING``) picks the answering sentence inside an excerpt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from survqa.indexing.index import SearchIndex
from survqa.indexing.sentences import SentenceTable
from survqa.search.query import Query
from survqa.search.retrieve import Candidates

RELEVANCE: dict[str, float] = {
    "window": 1.0, "sentence": 1.0, "titled": 1.0, "pair": 1.0, "titled_window": 1.0,
    "bm25": 0.5, "type": 0.5,
}  # fmt: skip
ANSWERING: dict[str, float] = {"sentence": 1.0, "titled": 1.0, "type": 1.0}
RAW = frozenset({"type"})  # 0/1 signals, not z-scored
_AUTHOR = re.compile(
    r"\b(auteur|autrice|écrit|rédigé|signé|signe|author|wrote|written|autor|escribió|escrito|"
    r"verfasst|geschrieben|autore|scritto)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"[A-ZÀ-Þ][\w-]{2,}")


@dataclass(frozen=True, slots=True)
class SentenceHit:
    """One ranked sentence (a row of the sentence table) and its relevance."""

    sentence: int
    score: float


@dataclass(frozen=True, slots=True)
class Ranking:
    """The scored sentences: candidates and their neighbours (``rows``, ascending), with
    aligned arrays; ``hits`` are the sentences that may open an excerpt, best first (in the
    searched documents); ``everywhere`` are the same over the whole corpus (the same list
    when the search is not restricted)."""

    rows: np.ndarray
    relevance: np.ndarray
    answering: np.ndarray
    citable: np.ndarray
    signals: dict[str, np.ndarray]
    hits: list[SentenceHit]
    everywhere: list[SentenceHit]
    restricted: bool

    def position(self, row: int) -> int:
        return int(np.searchsorted(self.rows, row))


def signals(index: SearchIndex, query: Query, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The raw signals of the given sentence rows."""
    table = index.sentences
    cosine = index.backend.view_cosines(rows, query.vector)
    return {
        "sentence": cosine["sentence"], "window": cosine["window"], "titled": cosine["titled"],
        "titled_window": cosine["titled_window"],
        "pair": np.maximum(cosine["before"], cosine["after"]),
        "bm25": table.lexical.scores(query.groups, rows),
        "type": type_match(table, query.expects, rows),
    }  # fmt: skip


def type_match(table: SentenceTable, expects: str | None, rows: np.ndarray) -> np.ndarray:
    """1 where the question asks for a number / date / name / reason and the sentence has one."""
    flags = {"number": table.has_number, "date": table.has_year, "name": table.has_name,
             "reason": table.has_reason}.get(expects or "")  # fmt: skip
    if flags is None:
        return np.zeros(len(rows))
    return np.asarray([flags[j] for j in rows.tolist()], dtype=np.float64)


def combine(
    values: Mapping[str, np.ndarray], weights: Mapping[str, float], reference: np.ndarray
) -> np.ndarray:
    """Σ weight × z(signal), z over the ``reference`` entries (0/1 signals taken raw)."""
    total = np.zeros(len(reference))
    for name, weight in weights.items():
        x = np.asarray(values[name], dtype=np.float64)
        if name not in RAW:
            mean, sd = float(x[reference].mean()), float(x[reference].std())
            x = (x - mean) / sd if sd > 1e-12 else np.zeros_like(x)
        total += weight * x
    return total


def asks_author(query: Query, table: SentenceTable) -> bool:
    """'Who wrote …' in five languages, or the question names a byline's person."""
    if _AUTHOR.search(query.question):
        return True
    words = set(re.findall(r"[\w-]+", query.question))
    return any(
        words & set(_CAPITALISED.findall(table.texts[j].split(",")[0]))  # the name, not the title
        for j in np.flatnonzero(table.bylines)
    )


def rank(index: SearchIndex, query: Query, found: Candidates) -> Ranking:
    """Score the candidates' sentences; the hits are restricted to ``found.sources``."""
    table = index.sentences
    candidates = np.unique(table.rows_of(found.rows))
    neighbours = {n for j in candidates.tolist() for n in table.neighbours(j)}
    rows = np.union1d(candidates, np.asarray(sorted(neighbours), dtype=np.int64))
    values = signals(index, query, rows)
    reference = table.answers[rows] & np.isin(rows, candidates)
    if not reference.any():
        reference = np.isin(rows, candidates)
    relevance = combine(values, RELEVANCE, reference)
    citable = table.answers[rows] | (table.bylines[rows] & asks_author(query, table))
    opening = citable & np.isin(rows, candidates)
    order = np.argsort(-relevance, kind="stable").tolist()
    everywhere = [SentenceHit(int(rows[i]), float(relevance[i])) for i in order if opening[i]]
    if found.sources is None:
        return Ranking(rows, relevance, answering_scores(values, reference), citable, values,
                       everywhere, everywhere, False)  # fmt: skip
    sources = [index.passages[int(table.owners[j])].source for j in rows.tolist()]
    opening &= np.asarray([s in found.sources for s in sources], dtype=bool)
    hits = [SentenceHit(int(rows[i]), float(relevance[i])) for i in order if opening[i]]
    return Ranking(rows, relevance, answering_scores(values, reference), citable, values,
                   hits, everywhere, True)  # fmt: skip


def answering_scores(values: Mapping[str, np.ndarray], reference: np.ndarray) -> np.ndarray:
    """How well each scored sentence answers (``ANSWERING``), to mark it in an excerpt."""
    return combine(values, ANSWERING, reference)
