"""From scored sentences to excerpts: the answering sentence plus its context,
overlaps merged, and the same fact found in other documents grouped as "also in".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from survqa.records import Citation, Document, Excerpt
from survqa.retrieval import Retriever, SentenceHit

_NUMBER = re.compile(r"\d+(?:[ ,.\u00a0\u202f]\d+)*")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
CORROBORATE_COSINE = 0.80


@dataclass(slots=True)
class Window:
    """A run of sentences [first, last] around the answering sentence ``hit``."""

    hit: SentenceHit
    first: int
    last: int


class ExcerptBuilder:
    """Turns ranked sentence hits into Excerpt records for one retriever."""

    def __init__(self, retriever: Retriever, documents: dict[str, Document], max_words: int):
        self.retriever = retriever
        self.table = retriever.sentences
        self.documents = documents
        self.max_words = max_words

    def _text(self, sentence: int) -> str:
        source = self.retriever.index.passages[
            self.retriever.index.sentence_passage[sentence]
        ].source
        start, end = self.table.spans[sentence]
        return self.documents[source].text[start:end]

    def window(self, hit: SentenceHit) -> Window:
        """The sentence, then neighbours before and after while under max_words."""
        first = last = hit.sentence
        words = self.table.words[hit.sentence]
        grew = True
        while grew:
            grew = False
            for candidate in (first - 1, last + 1):
                if candidate not in self.table.neighbours(first) + self.table.neighbours(last):
                    continue
                extra = self.table.words[candidate]
                if words + extra <= self.max_words:
                    first, last, words, grew = (
                        min(first, candidate),
                        max(last, candidate),
                        words + extra,
                        True,
                    )
        return Window(hit, first, last)

    def _overlapping(self, windows: list[Window], new: Window) -> Window | None:
        key = self.table.paragraph_key
        for window in windows:
            same = key[window.first] == key[new.first]
            if same and new.first <= window.last + 1 and window.first <= new.last + 1:
                return window
        return None

    def select(self, hits: list[SentenceHit], count: int) -> list[Window]:
        """Up to ``count`` windows, best first; overlapping or touching windows are merged."""
        windows: list[Window] = []
        for hit in hits:
            new = self.window(hit)
            merged_into = self._overlapping(windows, new)
            if merged_into is not None:
                merged_into.first = min(merged_into.first, new.first)
                merged_into.last = max(merged_into.last, new.last)
            elif len(windows) < count:
                windows.append(new)
            if len(windows) >= count and merged_into is None:
                break
        return windows

    def excerpt(self, window: Window, confidence: str) -> Excerpt:
        index = self.retriever.index
        passage = index.passages[int(index.sentence_passage[window.hit.sentence])]
        document = self.documents[passage.source]
        start = self.table.spans[window.first][0]
        end = self.table.spans[window.last][1]
        answer_start, answer_end = self.table.spans[window.hit.sentence]
        return Excerpt(
            text=document.text[start:end],
            source=document.source,
            title=document.title,
            start=start,
            end=end,
            answer_start=answer_start,
            answer_end=answer_end,
            score=round(float(window.hit.score), 6),
            confidence=confidence,
            publisher=document.publisher,
            paragraph=passage.paragraph,
        )

    def same_fact(self, a: SentenceHit, b: SentenceHit) -> bool:
        """Two answering sentences of different documents state the same figure or claim."""
        vectors = self.retriever.index.sentence_vectors
        cosine = float(np.dot(vectors[a.sentence], vectors[b.sentence]))
        numbers_a = _numbers(self._text(a.sentence))
        numbers_b = _numbers(self._text(b.sentence))
        shared_terms = self.table.terms[a.sentence] & self.table.terms[b.sentence]
        return (
            bool(numbers_a & numbers_b) and len(shared_terms) >= 3 and cosine >= CORROBORATE_COSINE
        )


def _numbers(text: str) -> set[str]:
    found = {re.sub(r"\D", "", n) for n in _NUMBER.findall(text)}
    return {n for n in found if len(n) >= 2 and not _YEAR.match(n)}


def group_corroborating(
    builder: ExcerptBuilder, windows: list[Window], excerpts: list[Excerpt]
) -> list[Excerpt]:
    """Fold each excerpt that restates a better one's fact (other document) into its also_in."""
    kept: list[int] = []
    also: dict[int, list[Citation]] = {}
    for i, window in enumerate(windows):
        owner = next(
            (
                j
                for j in kept
                if excerpts[j].source != excerpts[i].source
                and builder.same_fact(windows[j].hit, window.hit)
            ),
            None,
        )
        if owner is None:
            kept.append(i)
        else:
            e = excerpts[i]
            also.setdefault(owner, []).append(
                Citation(
                    e.source,
                    e.title,
                    e.start,
                    e.end,
                    e.answer_start,
                    e.answer_end,
                    e.text,
                    e.publisher,
                )
            )
    return [replace(excerpts[i], also_in=tuple(also.get(i, ()))) for i in kept]
