"""Stage 4, ``select``: the excerpt windows — each opening sentence with its neighbours in
its paragraph, a later window that overlaps or touches an earlier one merged into it, best
first — and the sentence of each window that answers.

The answer often sits next to the sentence that echoes the question: inside its opening
window, the marked sentence is the one that scores best as an answer
(``rank.ANSWERING``: its own and its titled cosine, and the expected answer kind), among
the sentences that can answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from survqa.indexing.sentences import SentenceTable
from survqa.search.rank import Ranking, SentenceHit


@dataclass(slots=True)
class Window:
    """A run of sentence rows [first, last] opened by ``hit``; ``answer`` is the marked one."""

    hit: SentenceHit
    first: int
    last: int
    answer: int


def answering_sentence(ranking: Ranking, first: int, last: int, opening: int) -> int:
    """The best answer of rows [first, last] that can answer (the first one on ties)."""
    rows = [j for j in range(first, last + 1) if ranking.citable[ranking.position(j)]]
    return max(rows or [opening], key=lambda j: ranking.answering[ranking.position(j)])


def _overlapping(
    table: SentenceTable, windows: list[Window], first: int, last: int
) -> Window | None:
    key = table.paragraph_key
    for window in windows:
        touches = first <= window.last + 1 and window.first <= last + 1
        if touches and key[window.first] == key[first]:
            return window
    return None


def _absorb(
    table: SentenceTable, windows: list[Window], into: Window, first: int, last: int
) -> None:
    """Grow ``into`` to cover [first, last], then fold in the later windows it now touches
    (so no two excerpts of an answer overlap)."""
    into.first, into.last = min(into.first, first), max(into.last, last)
    others = [w for w in windows if w is not into]
    while (other := _overlapping(table, others, into.first, into.last)) is not None:
        into.first, into.last = min(into.first, other.first), max(into.last, other.last)
        windows.remove(other)
        others.remove(other)


def windows_of(
    table: SentenceTable,
    hits: Sequence[SentenceHit],
    count: int,
    answer_of: Callable[[int, int, int], int],
) -> list[Window]:
    """Up to ``count`` windows opened by ``hits`` in order, overlapping or touching ones
    merged into the earlier; ``answer_of(first, last, opening)`` marks each window's answer."""
    windows: list[Window] = []
    for hit in hits:
        first, last = table.window(hit.sentence)
        merged_into = _overlapping(table, windows, first, last)
        if merged_into is not None:
            _absorb(table, windows, merged_into, first, last)
        elif len(windows) < count:
            windows.append(Window(hit, first, last, answer_of(first, last, hit.sentence)))
        else:
            break
    return windows


def select(
    table: SentenceTable, ranking: Ranking, count: int, hits: Sequence[SentenceHit] | None = None
) -> list[Window]:
    """Up to ``count`` windows of the ranking's hits (or of ``hits``), best first, each with
    its answering sentence."""
    return windows_of(
        table, ranking.hits if hits is None else hits, count,
        lambda first, last, opening: answering_sentence(ranking, first, last, opening),
    )  # fmt: skip
