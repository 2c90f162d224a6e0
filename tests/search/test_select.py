"""Stage 4, select: each opening sentence with its neighbours (±1 inside its paragraph),
windows merged when they overlap or touch, and the answering sentence of each window."""

from __future__ import annotations

import numpy as np
import pytest

from survqa import Assistant
from survqa.indexing.chunking import chunk_document
from survqa.indexing.sentences import SentenceTable, build_sentences
from survqa.records import Document
from survqa.search.rank import Ranking, SentenceHit
from survqa.search.select import Window, answering_sentence, select, windows_of

# the tiny corpus's sentence rows: a.txt 0 heading | 1 2 | 3 4 ; b.txt 5 heading | 6 7 8


@pytest.fixture(scope="module")
def table(tiny_assistant: Assistant) -> SentenceTable:
    table = tiny_assistant.corpus().index.sentences
    assert [table.neighbours(j) for j in range(len(table))] == [
        [], [2], [1], [4], [3], [], [7], [6, 8], [7],
    ]  # fmt: skip
    return table


@pytest.fixture(scope="module")
def long() -> SentenceTable:
    """One paragraph of seven sentences (rows 0–6), then one of two (rows 7, 8)."""
    text = "Un. Deux. Trois. Quatre. Cinq. Six. Sept.\n\nHuit. Neuf.\n"
    doc = Document(source="l.txt", title="L", text=text)
    passages = chunk_document(doc)
    return SentenceTable(build_sentences(passages, {"l.txt": doc}), passages)


def hit(sentence: int, score: float = 1.0) -> SentenceHit:
    return SentenceHit(sentence, score)


def ranking_of(
    table: SentenceTable, hits: list[SentenceHit], answering: list[float] | None = None,
    citable: list[bool] | None = None,
) -> Ranking:  # fmt: skip
    """A ranking over every row of ``table`` with the given answering scores and mask."""
    n = len(table)
    return Ranking(
        rows=np.arange(n), relevance=np.zeros(n),
        answering=np.asarray(answering if answering is not None else np.zeros(n), dtype=float),
        citable=np.asarray(citable if citable is not None else [True] * n, dtype=bool),
        signals={}, hits=hits, everywhere=hits, restricted=False,
    )  # fmt: skip


def spans(windows: list[Window]) -> list[tuple[int, int, int]]:
    return [(w.hit.sentence, w.first, w.last) for w in windows]


def test_a_window_is_the_opening_sentence_with_its_paragraph_neighbours(
    table: SentenceTable,
) -> None:
    for j in range(len(table)):
        (window,) = select(table, ranking_of(table, [hit(j)]), 5)
        assert (window.first, window.last) == table.window(j) and window.hit == hit(j)
    assert [table.window(j) for j in (0, 2, 7)] == [(0, 0), (1, 2), (6, 8)]


def test_select_merges_windows_of_one_paragraph_and_keeps_the_best_first(
    table: SentenceTable,
) -> None:
    hits = [hit(1, 5.0), hit(2, 4.0), hit(7, 3.0), hit(3, 2.0), hit(0, 1.0)]
    windows = select(table, ranking_of(table, hits), 10)
    assert all(isinstance(w, Window) for w in windows)
    assert spans(windows) == [
        (1, 1, 2),  # sentence 2's window is the same: merged
        (7, 6, 8),
        (3, 3, 4),
        (0, 0, 0),  # touches (1, 2) but is another paragraph
    ]


def test_touching_windows_merge_but_not_across_paragraphs(long: SentenceTable) -> None:
    ranking = ranking_of(long, [])
    assert spans(select(long, ranking, 10, hits=[hit(0), hit(3)])) == [(0, 0, 4)]  # 0–1, 2–4
    assert spans(select(long, ranking, 10, hits=[hit(0), hit(4)])) == [(0, 0, 1), (4, 3, 5)]
    assert spans(select(long, ranking, 10, hits=[hit(5), hit(1)])) == [(5, 4, 6), (1, 0, 2)]
    # rows 6 and 7 are adjacent but in two paragraphs
    assert spans(select(long, ranking, 10, hits=[hit(6), hit(7)])) == [(6, 5, 6), (7, 7, 8)]


def test_select_stops_at_count_but_still_merges(table: SentenceTable) -> None:
    hits = [hit(1), hit(7), hit(3), hit(0), hit(5)]
    ranking = ranking_of(table, hits)
    assert [w.hit.sentence for w in select(table, ranking, 2)] == [1, 7]
    assert select(table, ranking, 0) == []
    assert select(table, ranking_of(table, []), 5) == []
    # once full, a hit inside a kept window still widens it; the first other hit stops
    assert spans(select(table, ranking_of(table, [hit(6), hit(8), hit(1), hit(7)]), 1)) == [
        (6, 6, 8)
    ]


def test_the_answer_is_the_best_answering_sentence_of_the_opening_window(
    table: SentenceTable,
) -> None:
    answering = [0.0, 0.2, 0.9, 0.0, 0.0, 0.0, 0.1, 0.3, 0.8]
    ranking = ranking_of(table, [hit(1), hit(7)], answering)
    first, second = select(table, ranking, 5)
    assert (first.answer, second.answer) == (2, 8)  # next to the opening sentences
    assert answering_sentence(ranking, 6, 8, 7) == 8
    assert answering_sentence(ranking, 6, 7, 7) == 7  # only inside [first, last]


def test_the_answer_is_never_a_unit_that_cannot_answer(table: SentenceTable) -> None:
    answering = [0.0, 0.2, 0.9, 0.0, 0.0, 0.0, 0.1, 0.3, 0.8]
    citable = [True, True, False, True, True, True, True, True, False]
    ranking = ranking_of(table, [hit(1), hit(7)], answering, citable)
    assert [w.answer for w in select(table, ranking, 5)] == [1, 7]
    # no citable sentence in the window: the opening sentence itself
    nothing = ranking_of(table, [hit(2)], answering, [False] * 9)
    assert [w.answer for w in select(table, nothing, 5)] == [2]


def test_ties_go_to_the_first_sentence_of_the_window(table: SentenceTable) -> None:
    ranking = ranking_of(table, [hit(7)], [0.5] * 9)
    assert select(table, ranking, 5)[0].answer == 6


def test_the_answer_is_chosen_in_the_opening_window_not_the_merged_one(
    long: SentenceTable,
) -> None:
    answering = [0.0, 0.1, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 0.0]
    ranking = ranking_of(long, [hit(1), hit(3)], answering)
    (window,) = select(long, ranking, 5)
    assert (window.first, window.last) == (0, 4)  # 0–2 and 2–4 merged
    assert window.answer == 1  # row 4 (0.9) joined later, with the second hit


def test_select_may_be_given_other_hits(table: SentenceTable) -> None:
    ranking = ranking_of(table, [hit(1)])
    assert spans(select(table, ranking, 5, hits=[hit(7)])) == [(7, 6, 8)]


def test_windows_of_is_the_shared_loop(table: SentenceTable) -> None:
    marked: list[tuple[int, int, int]] = []

    def opening(first: int, last: int, sentence: int) -> int:
        marked.append((first, last, sentence))
        return sentence

    windows = windows_of(table, [hit(7), hit(6), hit(2)], 5, opening)
    assert [(w.first, w.last, w.answer) for w in windows] == [(6, 8, 7), (1, 2, 2)]
    assert marked == [(6, 8, 7), (1, 2, 2)]  # once a window, merged hits not asked


def test_a_window_joining_two_windows_merges_all_three(long: SentenceTable) -> None:
    # 1 → 0–2 and 5 → 4–6 are apart; 3 → 2–4 touches both
    windows = select(long, ranking_of(long, []), 10, hits=[hit(1), hit(5), hit(3)])
    rows = [j for w in windows for j in range(w.first, w.last + 1)]
    assert len(rows) == len(set(rows))  # no sentence in two excerpts
    assert spans(windows) == [(1, 0, 6)]
