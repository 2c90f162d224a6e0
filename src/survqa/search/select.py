"""Stage 4, ``select``: the excerpt windows — each answering sentence with neighbours of its
paragraph, overlapping or touching windows merged, best first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from survqa.indexing.sentences import SentenceTable
from survqa.search.rank import SentenceHit


@dataclass(slots=True)
class Window:
    """A run of sentence rows [first, last] around the answering sentence ``hit``."""

    hit: SentenceHit
    first: int
    last: int


def grow(table: SentenceTable, hit: SentenceHit, max_words: int) -> Window:
    """The sentence, then neighbours before and after while under ``max_words``."""
    first = last = hit.sentence
    words = table.words[hit.sentence]
    grew = True
    while grew:
        grew = False
        for candidate in (first - 1, last + 1):
            if candidate not in table.neighbours(first) + table.neighbours(last):
                continue
            extra = table.words[candidate]
            if words + extra <= max_words:
                first, last = min(first, candidate), max(last, candidate)
                words, grew = words + extra, True
    return Window(hit, first, last)


def _overlapping(table: SentenceTable, windows: list[Window], new: Window) -> Window | None:
    key = table.paragraph_key
    for window in windows:
        same = key[window.first] == key[new.first]
        if same and new.first <= window.last + 1 and window.first <= new.last + 1:
            return window
    return None


def select(
    table: SentenceTable, hits: Sequence[SentenceHit], count: int, max_words: int
) -> list[Window]:
    """Up to ``count`` windows, best first; overlapping or touching windows are merged."""
    windows: list[Window] = []
    for hit in hits:
        new = grow(table, hit, max_words)
        merged_into = _overlapping(table, windows, new)
        if merged_into is not None:
            merged_into.first = min(merged_into.first, new.first)
            merged_into.last = max(merged_into.last, new.last)
        elif len(windows) < count:
            windows.append(new)
        if len(windows) >= count and merged_into is None:
            break
    return windows
