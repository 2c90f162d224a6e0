"""Stage 3, rank: every sentence of the candidate passages scored as a possible answer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PARIS

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.search.query import Query, prepare
from survqa.search.rank import FEATURES, SentenceHit, features, question_terms, rank
from survqa.search.retrieve import Candidates, retrieve
from survqa.settings import Settings


@pytest.fixture(scope="module")
def corpus(tiny_assistant: Assistant) -> Corpus:
    return tiny_assistant.corpus()


def searched(assistant: Assistant, corpus: Corpus, text: str) -> tuple[Query, Candidates]:
    q = prepare(text, None, assistant.embedder, assistant.settings)
    return q, retrieve(corpus.index, q, None, assistant.settings)


def column(matrix: np.ndarray, name: str) -> np.ndarray:
    return matrix[:, FEATURES.index(name)]


def test_one_weight_a_feature() -> None:
    assert len(FEATURES) == len(set(FEATURES)) == len(Settings().sentence_weights) == 17
    assert FEATURES[0] == "bias"


def test_every_candidate_sentence_is_ranked_once_headings_last(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    q, found = searched(tiny_assistant, corpus, PARIS)
    hits = rank(corpus.index, q, found, Settings())
    assert all(isinstance(h, SentenceHit) for h in hits)
    table = corpus.index.sentences
    expected = sorted(table.rows_of(found.rows).tolist())
    assert sorted(h.sentence for h in hits) == expected
    headings = [table.is_heading[h.sentence] for h in hits]
    assert headings == sorted(headings)  # every heading after every other sentence
    body = [h.score for h in hits if not table.is_heading[h.sentence]]
    assert body == sorted(body, reverse=True)
    assert "56 000 caméras" in table.texts[hits[0].sentence]
    assert any(table.is_heading[h.sentence] and h.score > hits[0].score for h in hits)


def test_score_is_the_weighted_sum_of_the_features(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    q, found = searched(tiny_assistant, corpus, PARIS)
    rows, matrix = features(corpus.index, q, found)
    assert matrix.shape == (rows.size, len(FEATURES))
    scores = dict(zip(rows.tolist(), (matrix @ np.asarray(Settings().sentence_weights)).tolist(),
                      strict=True))  # fmt: skip
    for hit in rank(corpus.index, q, found, Settings()):
        assert hit.score == pytest.approx(scores[hit.sentence])
    assert (column(matrix, "bias") == 1.0).all()
    vectors = corpus.index.backend.sentence_vectors(rows)
    np.testing.assert_allclose(column(matrix, "sentence"), vectors @ q.vector, rtol=1e-5)
    windows = corpus.index.backend.window_vectors(rows)
    np.testing.assert_allclose(column(matrix, "window"), windows @ q.vector, rtol=1e-5)
    table = corpus.index.sentences
    for i, j in enumerate(rows.tolist()):
        assert column(matrix, "type_match")[i] == float(table.has_number[j])  # "Combien…"
        assert column(matrix, "heading")[i] == float(table.is_heading[j])
        assert column(matrix, "coverage")[i] == table.coverage(question_terms(q, table), j)
    assert not column(matrix, "bm25_foreign").any() and not column(matrix, "coverage_foreign").any()


def test_a_foreign_question_moves_the_lexical_evidence_to_its_own_columns(
    tiny_assistant: Assistant, corpus: Corpus
) -> None:
    q, found = searched(tiny_assistant, corpus, "How many cameras does Paris have?")
    _, matrix = features(corpus.index, q, found)
    assert not column(matrix, "bm25").any() and not column(matrix, "coverage").any()
    assert column(matrix, "bm25_foreign").any() and column(matrix, "coverage_foreign").any()


def test_own_words_count_double_in_a_follow_up(tiny_assistant: Assistant) -> None:
    q = prepare("Et à Berlin ?", [PARIS], tiny_assistant.embedder, Settings())
    table = tiny_assistant.corpus().index.sentences
    weights = question_terms(q, table)
    assert weights["berlin"] == 2.0 * table.idf["berlin"]
    assert weights["paris"] == table.idf["paris"]


def test_no_candidates_no_hits(tiny_assistant: Assistant, corpus: Corpus) -> None:
    q, _ = searched(tiny_assistant, corpus, PARIS)
    empty = Candidates(rows=[], fused={}, dense={}, bm25={})
    assert rank(corpus.index, q, empty, Settings()) == []
    rows, matrix = features(corpus.index, q, empty)
    assert rows.size == 0 and matrix.shape == (0, len(FEATURES))


def test_weights_must_match_the_features(tiny_assistant: Assistant, corpus: Corpus) -> None:
    q, found = searched(tiny_assistant, corpus, PARIS)
    with pytest.raises(ValueError, match="sentence_weights needs 17 values"):
        rank(corpus.index, q, found, Settings(sentence_weights=(1.0, 2.0)))
