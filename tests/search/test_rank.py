"""Stage 3, rank: every sentence of the candidate passages scored as a possible answer —
seven signals z-scored over the candidate sentences that can answer, summed with fixed
weights; units that cannot answer are never hits; bylines only for author questions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import PARIS, TINY, FakeEmbedder, write_corpus

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.indexing.units import BYLINE, REFERENCE
from survqa.search.query import Query, prepare
from survqa.search.rank import (
    ANSWERING,
    RAW,
    RELEVANCE,
    Ranking,
    SentenceHit,
    answering_scores,
    asks_author,
    combine,
    rank,
    signals,
    type_match,
)
from survqa.search.retrieve import Candidates, retrieve
from survqa.settings import Settings

SIGNALS = ("sentence", "window", "titled", "titled_window", "pair", "bm25", "type")

# a document with a reference list and a closing byline, and another document
UNITS = {
    "c.txt": (
        "Surveillance à Lyon\n\n"
        "Lyon compte 612 caméras de surveillance. "
        "La métropole en installe davantage chaque année.\n\n"
        "Sources\n\n"
        "1. Paul Bischoff, « Les caméras de Lyon », Comparitech, 25 juin 2025.\n\n"
        "Jean Dupont, chercheur au CNRS\n"
    ),
    "d.txt": (
        "Caméras à Marseille\n\n"
        "Marseille compte 1 600 caméras. La ville veut en installer 500 de plus.\n"
    ),
}
# rows: c.txt 0 heading | 1 2 | 3 "Sources" | 4 entry | 5 byline ; d.txt 6 heading | 7 8
LYON = "Combien de caméras à Lyon ?"


@pytest.fixture(scope="module")
def corpus(tiny_assistant: Assistant) -> Corpus:
    return tiny_assistant.corpus()


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    folder = write_corpus(tmp_path_factory.mktemp("units") / "corpus", UNITS)
    assistant = Assistant(folder, folder.parent / "index", embedder=FakeEmbedder())
    assistant.load()
    return assistant


def query(assistant: Assistant, text: str, history: list[str] | None = None) -> Query:
    index = assistant.corpus().index
    return prepare(text, history, assistant.embedder, assistant.settings, index.lexicon)


def ranked(assistant: Assistant, text: str, sources: set[str] | None = None) -> Ranking:
    index = assistant.corpus().index
    q = query(assistant, text)
    return rank(index, q, retrieve(index, q, sources, assistant.settings))


# ---------------------------------------------------------------- the combination


def test_combine_sums_weighted_z_scores_over_the_reference_rows() -> None:
    values = {"a": np.array([1.0, 2.0, 3.0, 10.0]), "type": np.array([0.0, 1.0, 0.0, 1.0])}
    reference = np.array([True, True, True, False])  # the last row: not in the statistics
    got = combine(values, {"a": 2.0, "type": 0.5}, reference)
    sd = math.sqrt(((1 - 2) ** 2 + 0 + (3 - 2) ** 2) / 3)  # population sd of 1, 2, 3
    want = [2 * (x - 2) / sd + 0.5 * t for x, t in zip([1, 2, 3, 10], [0, 1, 0, 1], strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[3] == pytest.approx(2 * 8 / sd + 0.5)  # scored on the reference's scale
    # a constant signal (sd 0) adds nothing; a signal without weight is ignored
    flat = {"a": np.full(4, 7.0), "b": np.array([5.0, 0, 0, 0])}
    np.testing.assert_array_equal(combine(flat, {"a": 3.0}, reference), np.zeros(4))
    assert {"type"} == RAW  # the only 0/1 signal, taken as it is


def test_the_weights_are_fixed_and_name_the_seven_signals() -> None:
    assert set(RELEVANCE) == set(SIGNALS) and len(SIGNALS) == 7
    assert set(ANSWERING) < set(SIGNALS)
    assert all(w > 0 for w in (*RELEVANCE.values(), *ANSWERING.values()))


def test_type_match_by_hand(corpus: Corpus) -> None:
    table = corpus.index.sentences
    rows = np.arange(len(table))
    assert type_match(table, "number", rows).tolist() == [float(f) for f in table.has_number]
    assert type_match(table, "date", rows).tolist() == [float(f) for f in table.has_year]
    assert type_match(table, None, rows).tolist() == [0.0] * len(table)
    # the tiny corpus: figures in rows 1 and 2 only
    assert type_match(table, "number", np.array([2, 0, 1])).tolist() == [1.0, 0.0, 1.0]


# ---------------------------------------------------------------- the signals


def test_signals_are_the_cosines_of_the_views_bm25_and_the_answer_kind(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    index = corpus.index
    q = query(tiny_assistant, PARIS)
    rows = np.array([0, 1, 2, 6, 7])
    values = signals(index, q, rows)
    assert set(values) == set(SIGNALS)
    for view in ("sentence", "window", "titled", "titled_window"):
        np.testing.assert_allclose(values[view], index.backend.vectors(view, rows) @ q.vector)
    before = index.backend.vectors("before", rows) @ q.vector
    after = index.backend.vectors("after", rows) @ q.vector
    np.testing.assert_allclose(values["pair"], np.maximum(before, after))
    np.testing.assert_allclose(values["bm25"], index.sentences.lexical.scores(q.groups, rows))
    assert values["bm25"][1] > 0 and values["bm25"][4] == 0  # "Paris … caméras" / "Le projet…"
    assert values["type"].tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]  # "Combien": a number


def test_rank_scores_candidates_and_neighbours_and_orders_the_hits(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    index, table = corpus.index, corpus.index.sentences
    q = query(tiny_assistant, PARIS)
    assert rank(index, q, Candidates([4], None)).rows.tolist() == [6, 7, 8]  # b.txt's paragraph
    assert rank(index, q, Candidates([1, 3], None)).rows.tolist() == [1, 2, 5]
    everything = rank(index, q, retrieve(index, q, None, Settings()))
    assert everything.rows.tolist() == list(range(len(table)))
    values = signals(index, q, everything.rows)
    reference = table.answers[everything.rows]
    np.testing.assert_allclose(everything.relevance, combine(values, RELEVANCE, reference))
    np.testing.assert_allclose(everything.answering, answering_scores(values, reference))
    np.testing.assert_allclose(everything.answering, combine(values, ANSWERING, reference))
    for name in SIGNALS:
        np.testing.assert_array_equal(everything.signals[name], values[name])
    order = np.argsort(-everything.relevance, kind="stable")
    assert [h.sentence for h in everything.hits] == everything.rows[order].tolist()
    assert all(isinstance(h, SentenceHit) for h in everything.hits)
    assert [h.score for h in everything.hits] == sorted(everything.relevance, reverse=True)
    assert everything.everywhere == everything.hits
    assert everything.position(7) == 7


def test_neighbours_are_scored_but_only_candidates_open(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus", TINY)
    settings = Settings(passage_words=5)  # one sentence a passage: neighbours cross passages
    assistant = Assistant(folder, tmp_path / "index", settings, FakeEmbedder())
    index = assistant.corpus().index
    table = index.sentences
    assert len(index.passages) == len(table) == 9
    q = prepare(PARIS, None, assistant.embedder, settings, index.lexicon)
    middle = int(table.owners[7])  # "Le projet s'appelle « ville sûre »."
    ranking = rank(index, q, Candidates([middle], None))
    assert ranking.rows.tolist() == [6, 7, 8]
    assert [h.sentence for h in ranking.hits] == [7] == [h.sentence for h in ranking.everywhere]
    # the z-scores are taken over the candidate alone (sd 0: every z is 0), not over its
    # neighbours; the answer kind is raw (no number here)
    assert ranking.relevance[1] == pytest.approx(0.5 * float(table.has_number[7]))


def test_units_that_cannot_answer_are_scored_but_never_open_an_excerpt(
    units: Assistant,
) -> None:
    table = units.corpus().index.sentences
    assert [r.role for r in table.rows] == [None, None, None, REFERENCE, REFERENCE, BYLINE,
                                            None, None, None]  # fmt: skip
    ranking = ranked(units, LYON)
    assert ranking.rows.tolist() == list(range(9))  # every row is a candidate here
    assert ranking.citable.tolist() == [True] * 3 + [False] * 3 + [True] * 3
    assert sorted(h.sentence for h in ranking.hits) == [0, 1, 2, 6, 7, 8]
    assert ranking.hits[0].sentence == 1  # "Lyon compte 612 caméras de surveillance."
    # the z-scores are taken over the rows that can answer only
    values = signals(units.corpus().index, query(units, LYON), ranking.rows)
    answering = table.answers[ranking.rows]
    np.testing.assert_allclose(ranking.relevance, combine(values, RELEVANCE, answering))
    assert not np.allclose(ranking.relevance, combine(values, RELEVANCE, ~np.zeros(9, bool)))


@pytest.mark.parametrize(
    ("question", "author"),
    [("Qui a écrit cet article sur Lyon ?", True), ("Who wrote the article on Lyon?", True),
     ("¿Quién escribió el artículo?", True), ("Que pense Jean Dupont des caméras ?", True),
     (LYON, False), ("Qui installe les caméras de Lyon ?", False)],
)  # fmt: skip
def test_a_byline_is_citable_only_for_a_question_about_the_author(
    units: Assistant, question: str, author: bool
) -> None:
    table = units.corpus().index.sentences
    assert asks_author(query(units, question), table) is author
    ranking = ranked(units, question)
    assert ranking.citable[ranking.position(5)] == author
    assert any(h.sentence == 5 for h in ranking.hits) == author
    assert not any(h.sentence in (3, 4) for h in ranking.hits)  # references: never


def test_a_question_naming_the_author_ranks_the_byline_first(units: Assistant) -> None:
    assert ranked(units, "Que pense Jean Dupont des caméras ?").hits[0].sentence == 5


def test_a_restricted_ranking_keeps_the_corpus_wide_order_beside(units: Assistant) -> None:
    index = units.corpus().index
    ranking = ranked(units, LYON, {"d.txt"})
    assert ranking.restricted
    whole = ranked(units, LYON)
    assert ranking.everywhere == whole.hits  # the same candidates: every passage
    sources = [index.passages[int(index.sentences.owners[h.sentence])].source
               for h in ranking.hits]  # fmt: skip
    assert set(sources) == {"d.txt"} and len(ranking.hits) == 3
    assert ranking.hits == [h for h in whole.hits if h.sentence in (6, 7, 8)]
    assert ranking.everywhere[0].sentence == 1 and ranking.everywhere[0] not in ranking.hits


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statistics of an empty selection
def test_no_candidates_no_hits(tiny_assistant: Assistant, corpus: Corpus) -> None:
    q = query(tiny_assistant, PARIS)
    ranking = rank(corpus.index, q, Candidates([], None))
    assert ranking.rows.size == 0 and ranking.hits == [] and ranking.everywhere == []
    restricted = rank(corpus.index, q, Candidates([0, 1], frozenset({"b.txt"})))
    assert restricted.hits == [] and restricted.everywhere  # a.txt's rows only: none in b.txt


def test_units_module_fixture_files_untouched(units: Assistant) -> None:
    for name, text in UNITS.items():
        assert Path(units.corpus_dir, name).read_text(encoding="utf-8") == text
