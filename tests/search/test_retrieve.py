"""Stage 2, retrieve: candidate passages from dense and BM25 search, fused."""

from __future__ import annotations

import pytest
from conftest import PARIS

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.search import fusion
from survqa.search.query import Query, prepare
from survqa.search.retrieve import Candidates, retrieve
from survqa.settings import Settings


@pytest.fixture(scope="module")
def corpus(tiny_assistant: Assistant) -> Corpus:
    return tiny_assistant.corpus()


def query(assistant: Assistant, text: str) -> Query:
    return prepare(text, None, assistant.embedder, assistant.settings)


def test_candidates_fuse_both_searches_best_first(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    settings = Settings()
    q = query(tiny_assistant, PARIS)
    found = retrieve(corpus.index, q, None, settings)
    assert isinstance(found, Candidates)
    backend = corpus.index.backend
    dense = backend.dense_search(q.vector, settings.candidates)
    lexical = backend.lexical_search(q.terms, settings.candidates)
    assert found.dense == dict(zip(dense.ids.tolist(), dense.scores.tolist(), strict=True))
    assert found.bm25 == dict(zip(lexical.ids.tolist(), lexical.scores.tolist(), strict=True))
    expected = fusion.reciprocal_rank([dense.ids, lexical.ids], [1.0, 1.0], k=settings.rrf_k)
    assert found.rows == [row for row, _ in fusion.top(expected, settings.candidates)]
    assert found.fused == {row: expected[row] for row in found.rows}
    assert found.rows[:2] == [0, 1]  # the heading and the sentence naming Paris's cameras


def test_at_most_the_candidate_count(tiny_assistant: Assistant, corpus: Corpus) -> None:
    found = retrieve(corpus.index, query(tiny_assistant, PARIS), None, Settings(candidates=2))
    assert len(found.rows) == 2 == len(found.fused)


def test_foreign_questions_trust_bm25_less(tiny_assistant: Assistant, corpus: Corpus) -> None:
    settings = Settings()
    q = query(tiny_assistant, "How many cameras does Paris have?")
    assert q.foreign
    found = retrieve(corpus.index, q, None, settings)
    backend = corpus.index.backend
    dense = backend.dense_search(q.vector, settings.candidates)
    lexical = backend.lexical_search(q.terms, settings.candidates)
    expected = fusion.reciprocal_rank(
        [dense.ids, lexical.ids], [1.0, settings.lexical_weight_foreign], k=settings.rrf_k
    )
    assert found.fused == {row: expected[row] for row in found.rows}


def test_weighted_fusion(tiny_assistant: Assistant, corpus: Corpus) -> None:
    settings = Settings(fusion="weighted")
    q = query(tiny_assistant, PARIS)
    found = retrieve(corpus.index, q, None, settings)
    backend = corpus.index.backend
    dense = backend.dense_search(q.vector, settings.candidates)
    lexical = backend.lexical_search(q.terms, settings.candidates)
    expected = fusion.weighted_scores(
        [(dense.ids, dense.scores), (lexical.ids, lexical.scores)], [1.0, 1.0]
    )
    assert found.fused == {row: expected[row] for row in found.rows}


def test_a_source_filter_searches_every_passage_of_those_documents(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    passages = corpus.index.passages
    found = retrieve(corpus.index, query(tiny_assistant, PARIS), {"b.txt"}, Settings(candidates=1))
    assert [passages[r].source for r in found.rows] == ["b.txt"]
    everything = retrieve(corpus.index, query(tiny_assistant, "Huawei"), {"b.txt"}, Settings())
    assert sorted(everything.rows) == [r for r, p in enumerate(passages) if p.source == "b.txt"]
    assert retrieve(corpus.index, query(tiny_assistant, PARIS), set(), Settings()).rows == []
