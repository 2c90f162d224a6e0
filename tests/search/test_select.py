"""Stage 4, select: windows around the best sentences, inside their paragraph, merged when
they overlap or touch."""

from __future__ import annotations

import pytest

from survqa import Assistant
from survqa.indexing.sentences import SentenceTable
from survqa.search.rank import SentenceHit
from survqa.search.select import Window, grow, select

# the tiny corpus's sentence rows: a.txt 0 heading | 1 2 | 3 4 ; b.txt 5 heading | 6 7 8


@pytest.fixture(scope="module")
def table(tiny_assistant: Assistant) -> SentenceTable:
    table = tiny_assistant.corpus().index.sentences
    assert [table.neighbours(j) for j in range(len(table))] == [
        [],
        [2],
        [1],
        [4],
        [3],
        [],
        [7],
        [6, 8],
        [7],
    ]
    return table


def hit(sentence: int, score: float = 1.0) -> SentenceHit:
    return SentenceHit(sentence, score)


def test_grow_adds_neighbours_of_the_paragraph_while_under_the_word_budget(
    table: SentenceTable,
) -> None:
    assert (table.words[6], table.words[7], table.words[8]) == (9, 7, 8)
    # the sentence alone even over budget; the one before tried first, then the one after
    for budget, span in [(0, (7, 7)), (7, (7, 7)), (15, (7, 8)), (16, (6, 7)), (24, (6, 8))]:
        window = grow(table, hit(7), budget)
        assert (window.first, window.last) == span, budget
        assert window.hit == hit(7)
    assert (grow(table, hit(0), 1000).first, grow(table, hit(0), 1000).last) == (0, 0)
    assert (grow(table, hit(2), 1000).first, grow(table, hit(2), 1000).last) == (1, 2)


def test_select_merges_windows_of_one_paragraph_and_keeps_the_best_first(
    table: SentenceTable,
) -> None:
    hits = [hit(1, 5.0), hit(2, 4.0), hit(7, 3.0), hit(3, 2.0), hit(0, 1.0)]
    windows = select(table, hits, 10, 60)
    assert all(isinstance(w, Window) for w in windows)
    assert [(w.hit.sentence, w.first, w.last) for w in windows] == [
        (1, 1, 2),  # sentence 2 fell inside it
        (7, 6, 8),
        (3, 3, 4),
        (0, 0, 0),
    ]


def test_touching_windows_merge_but_not_across_paragraphs(table: SentenceTable) -> None:
    merged = select(table, [hit(6), hit(8)], 10, 0)  # no growth: 6 and 8 alone
    assert [(w.first, w.last) for w in merged] == [(6, 6), (8, 8)]
    touching = select(table, [hit(6), hit(7)], 10, 0)
    assert [(w.hit.sentence, w.first, w.last) for w in touching] == [(6, 6, 7)]
    apart = select(table, [hit(2), hit(3)], 10, 0)  # adjacent rows, two paragraphs
    assert [(w.first, w.last) for w in apart] == [(2, 2), (3, 3)]


def test_select_stops_at_count(table: SentenceTable) -> None:
    hits = [hit(1), hit(7), hit(3), hit(0), hit(5)]
    assert [w.hit.sentence for w in select(table, hits, 2, 60)] == [1, 7]
    assert select(table, hits, 0, 60) == []
    assert select(table, [], 5, 60) == []
