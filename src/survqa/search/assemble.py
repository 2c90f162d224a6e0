"""Stage 6, ``assemble``: the windows become verbatim, cited excerpts; an excerpt that
restates a better one's fact from another document is folded into its "also in"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from survqa.indexing.index import SearchIndex
from survqa.records import Answer, Citation, Document, Excerpt
from survqa.search.calibrate import Verdict
from survqa.search.query import Query
from survqa.search.select import Window

_NUMBER = re.compile(r"\d+(?:[ ,.\u00a0\u202f]\d+)*")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
CORROBORATE_COSINE = 0.80


def excerpt(
    window: Window, verdict: tuple[str, float], index: SearchIndex, documents: dict[str, Document]
) -> Excerpt:
    """The window as an Excerpt of its document."""
    table = index.sentences
    passage = index.passages[int(table.owners[window.hit.sentence])]
    document = documents[passage.source]
    start, end = table.spans[window.first][0], table.spans[window.last][1]
    answer_start, answer_end = table.spans[window.answer]
    return Excerpt(
        text=document.text[start:end], source=document.source, title=document.title,
        start=start, end=end, answer_start=answer_start, answer_end=answer_end,
        publisher=document.publisher, score=round(float(window.hit.score), 6),
        confidence=verdict[0], probability=round(verdict[1], 4), paragraph=passage.paragraph,
    )  # fmt: skip


def _numbers(text: str) -> set[str]:
    found = {re.sub(r"\D", "", n) for n in _NUMBER.findall(text)}
    return {n for n in found if len(n) >= 2 and not _YEAR.match(n)}


def same_fact(index: SearchIndex, a: Excerpt, b: Excerpt, rows: tuple[int, int]) -> bool:
    """Two answering sentences (of different documents) state the same figure or claim."""
    table = index.sentences
    shared_terms = table.terms[rows[0]] & table.terms[rows[1]]
    if len(shared_terms) < 3 or not _numbers(a.answer) & _numbers(b.answer):
        return False
    vectors = index.backend.vectors("sentence", np.asarray(rows, dtype=np.int64))
    return float(np.dot(vectors[0], vectors[1])) >= CORROBORATE_COSINE


def group_corroborating(
    index: SearchIndex, windows: Sequence[Window], excerpts: list[Excerpt]
) -> list[Excerpt]:
    """Fold each excerpt that restates a better one's fact (other document) into its also_in."""
    kept: list[int] = []
    also: dict[int, list[Citation]] = {}
    for i, window in enumerate(windows):
        rows = [(windows[j].answer, window.answer) for j in kept]
        owner = next(
            (j for j, pair in zip(kept, rows, strict=True)
             if excerpts[j].source != excerpts[i].source
             and same_fact(index, excerpts[j], excerpts[i], pair)),
            None,
        )  # fmt: skip
        if owner is None:
            kept.append(i)
        else:
            e = excerpts[i]
            also.setdefault(owner, []).append(Citation(
                text=e.text, source=e.source, title=e.title, start=e.start, end=e.end,
                answer_start=e.answer_start, answer_end=e.answer_end, publisher=e.publisher,
            ))  # fmt: skip
    return [replace(excerpts[i], also_in=tuple(also.get(i, ()))) for i in kept]


def assemble(
    query: Query,
    windows: Sequence[Window],
    verdict: Verdict,
    k: int,
    index: SearchIndex,
    documents: dict[str, Document],
) -> Answer:
    """The Answer: up to ``k`` excerpts, best first, or an abstention (elapsed_ms unset)."""
    excerpts = [excerpt(w, (label, p), index, documents) for w, label, p
                in zip(windows, verdict.labels, verdict.right, strict=True)]  # fmt: skip
    excerpts = group_corroborating(index, windows, excerpts)[:k]
    return Answer(
        question=query.question, excerpts=excerpts, no_answer=verdict.no_answer,
        confidence=excerpts[0].confidence if excerpts else "low",
        language=query.language, query=query.searched,
        answerable=verdict.answerable[0] if verdict.answerable else 0.0,
        abstention=verdict.abstention, elsewhere=verdict.elsewhere,
    )  # fmt: skip
