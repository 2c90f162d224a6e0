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
    lexicon = assistant.corpus().index.lexicon
    return prepare(text, None, assistant.embedder, assistant.settings, lexicon)


def fused(corpus: Corpus, q: Query, settings: Settings, pool: int) -> dict[int, float]:
    """The RRF of the two first-stage searches, computed here from the backend."""
    backend = corpus.index.backend
    dense = backend.dense_search(q.vector, pool)
    lexical = backend.lexical_search(q.terms, pool)
    weight = settings.lexical_weight_foreign if q.foreign else 1.0
    return fusion.reciprocal_rank([dense.ids, lexical.ids], [1.0, weight], k=settings.rrf_k)


def test_candidates_fuse_both_searches_best_first(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    settings = Settings(candidates=3)
    q = query(tiny_assistant, PARIS)
    found = retrieve(corpus.index, q, None, settings)
    assert isinstance(found, Candidates) and found.sources is None
    expected = fused(corpus, q, settings, 3)
    assert found.rows == [row for row, _ in fusion.top(expected, 3)]
    assert len(found.rows) == 3
    assert set(found.rows[:2]) == {0, 1}  # the heading and the sentence naming Paris's cameras


def test_below_the_candidate_count_every_passage_is_a_candidate(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    assert Settings().candidates == 400 > len(corpus.index.passages) == 5
    for text in (PARIS, "Huawei", "zzz inconnu", "How many cameras in Belgrade?"):
        found = retrieve(corpus.index, query(tiny_assistant, text), None, Settings())
        assert sorted(found.rows) == [0, 1, 2, 3, 4], text


def test_at_most_the_candidate_count(tiny_assistant: Assistant, corpus: Corpus) -> None:
    found = retrieve(corpus.index, query(tiny_assistant, PARIS), None, Settings(candidates=2))
    assert len(found.rows) == 2


def test_foreign_questions_trust_bm25_less(tiny_assistant: Assistant, corpus: Corpus) -> None:
    settings = Settings(candidates=4)
    q = query(tiny_assistant, "How many cameras does Paris have?")
    assert q.foreign
    found = retrieve(corpus.index, q, None, settings)
    expected = fused(corpus, q, settings, 4)
    assert found.rows == [row for row, _ in fusion.top(expected, 4)]
    full = fused(corpus, q, Settings(lexical_weight_foreign=1.0), 4)
    assert expected != full  # the weight is applied


def test_weighted_fusion(tiny_assistant: Assistant, corpus: Corpus) -> None:
    settings = Settings(fusion="weighted", candidates=3)
    q = query(tiny_assistant, PARIS)
    found = retrieve(corpus.index, q, None, settings)
    backend = corpus.index.backend
    dense = backend.dense_search(q.vector, 3)
    lexical = backend.lexical_search(q.terms, 3)
    expected = fusion.weighted_scores(
        [(dense.ids, dense.scores), (lexical.ids, lexical.scores)], [1.0, 1.0]
    )
    assert found.rows == [row for row, _ in fusion.top(expected, 3)]


def test_a_restricted_search_keeps_the_corpus_best_and_adds_the_documents_best(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    passages = corpus.index.passages
    settings = Settings(candidates=1)
    q = query(tiny_assistant, PARIS)
    found = retrieve(corpus.index, q, {"b.txt"}, settings)
    assert found.sources == frozenset({"b.txt"})
    # every passage is searched (pool = all 5), the best one of the corpus first, then the
    # best one of the searched documents
    everything = fused(corpus, q, settings, len(passages))
    (best,) = [row for row, _ in fusion.top(everything, 1)]
    inside = {r: v for r, v in everything.items() if passages[r].source == "b.txt"}
    (best_inside,) = [row for row, _ in fusion.top(inside, 1)]
    assert passages[best].source == "a.txt"
    assert found.rows == [best, best_inside]
    # when the corpus's best is in the searched document, it is not listed twice
    own = retrieve(corpus.index, q, {"a.txt"}, settings)
    assert own.rows == [best] and own.sources == frozenset({"a.txt"})
    wide = retrieve(corpus.index, query(tiny_assistant, "Huawei"), {"b.txt"}, Settings())
    assert sorted(wide.rows) == [0, 1, 2, 3, 4]
    assert retrieve(corpus.index, q, set(), settings).sources == frozenset()
