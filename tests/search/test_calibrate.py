"""Stage 5, calibrate: abstention and the confidence label of each excerpt."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import PARIS

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.search.calibrate import (
    ABSTENTION_FEATURES,
    Verdict,
    abstention_features,
    answer_probability,
    calibrate,
    label,
    question_evidence,
    score_below,
    unknown_share,
)
from survqa.search.query import Query, prepare
from survqa.search.rank import SentenceHit, rank
from survqa.search.retrieve import retrieve
from survqa.search.select import Window, select
from survqa.settings import Settings


@pytest.fixture(scope="module")
def corpus(tiny_assistant: Assistant) -> Corpus:
    return tiny_assistant.corpus()


def query(assistant: Assistant, text: str) -> Query:
    return prepare(text, None, assistant.embedder, Settings())


def stages(
    assistant: Assistant, corpus: Corpus, text: str
) -> tuple[Query, list[SentenceHit], list[Window]]:
    q = query(assistant, text)
    hits = rank(corpus.index, q, retrieve(corpus.index, q, None, Settings()), Settings())
    return q, hits, select(corpus.index.sentences, hits, 8, Settings().excerpt_max_words)


def test_one_weight_a_feature() -> None:
    assert len(ABSTENTION_FEATURES) == len(Settings().abstention_weights) == 7


@pytest.mark.parametrize(
    ("probability", "no_answer", "expected"),
    [(0.9, False, "high"), (0.75, False, "high"), (0.74, False, "medium"), (0.5, False, "medium"),
     (0.49, False, "low"), (0.9, True, "low")],
)  # fmt: skip
def test_labels_follow_the_thresholds(probability: float, no_answer: bool, expected: str) -> None:
    assert label(probability, no_answer, Settings()) == expected


def test_answer_probability_is_a_clamped_logistic() -> None:
    assert answer_probability(np.array([1.0, 2.0]), [0.5, 0.25]) == pytest.approx(
        1 / (1 + math.exp(-1.0))
    )
    assert answer_probability(np.array([1e6]), [1.0]) == pytest.approx(1.0)
    assert answer_probability(np.array([-1e6]), [1.0]) == pytest.approx(0.0, abs=1e-20)


def test_score_below_is_the_next_lower_score_in_rank_order() -> None:
    hits = [SentenceHit(1, 5.0), SentenceHit(2, 5.0), SentenceHit(3, 2.0), SentenceHit(0, 9.0)]
    assert score_below(hits, 5.0) == 2.0
    assert score_below(hits, 9.0) == 5.0  # a heading ranked last still finds the best below
    assert score_below(hits, 2.0) == 1.0  # none lower: score − 1


def test_features_split_the_score_by_language(tiny_assistant: Assistant) -> None:
    french = abstention_features(query(tiny_assistant, PARIS), 3.0, 1.0, (0.25, 1.0))
    assert dict(zip(ABSTENTION_FEATURES, french.tolist(), strict=True)) == {
        "bias": 1.0, "score_fr": 3.0, "score_foreign": 0.0, "foreign": 0.0, "margin": 2.0,
        "unknown_terms": 0.25, "unknown_name": 1.0,
    }  # fmt: skip
    english = abstention_features(query(tiny_assistant, "How many cameras?"), 3.0, 1.0, (0, 0))
    assert english.tolist() == [1.0, 0.0, 3.0, 1.0, 2.0, 0.0, 0.0]


def test_what_the_question_alone_says(tiny_assistant: Assistant, corpus: Corpus) -> None:
    table = corpus.index.sentences
    assert question_evidence(query(tiny_assistant, PARIS), table) == (0.0, 0.0)
    unknown, name = question_evidence(query(tiny_assistant, "Combien de drones à Tombouctou ?"),
                                      table)  # fmt: skip
    assert unknown == 1.0 and name == 1.0  # "dron", "tombouctou": both unknown to the corpus
    assert question_evidence(query(tiny_assistant, "How many drones in Timbuktu?"), table) == (
        0.0,
        0.0,
    )  # foreign questions: no evidence from the French vocabulary
    assert unknown_share(["Paris", "Tombouctou"], table) == 0.5
    assert unknown_share([], table) == 0.0


def test_verdict_on_the_selected_windows(tiny_assistant: Assistant, corpus: Corpus) -> None:
    q, hits, windows = stages(tiny_assistant, corpus, PARIS)
    table = corpus.index.sentences
    verdict = calibrate(table, q, hits, windows, Settings())
    assert isinstance(verdict, Verdict)
    assert len(verdict.probabilities) == len(verdict.labels) == len(windows)
    assert not verdict.no_answer and verdict.probabilities[0] >= Settings().abstain_below
    assert verdict.labels == tuple(label(p, False, Settings()) for p in verdict.probabilities)
    evidence = question_evidence(q, table)
    first = abstention_features(q, windows[0].hit.score, score_below(hits, windows[0].hit.score),
                                evidence)  # fmt: skip
    assert verdict.probabilities[0] == answer_probability(first, Settings().abstention_weights)


def test_abstention_threshold(tiny_assistant: Assistant, corpus: Corpus) -> None:
    q, hits, windows = stages(tiny_assistant, corpus, PARIS)
    table = corpus.index.sentences
    strict = calibrate(table, q, hits, windows, Settings(abstain_below=1.0))
    assert strict.no_answer and set(strict.labels) == {"low"}
    nothing = calibrate(table, q, [], [], Settings())
    assert nothing == Verdict(no_answer=True, probabilities=(), labels=())
