"""Rank fusion compared with hand-computed values."""

import numpy as np
import pytest

from survqa.search.fusion import reciprocal_rank, top, weighted_scores


def test_reciprocal_rank_by_hand() -> None:
    dense = np.array([3, 1, 2])
    lexical = np.array([1, 4])
    fused = reciprocal_rank([dense, lexical], [1.0, 0.5], k=60)
    assert fused[3] == pytest.approx(1 / 61)
    assert fused[1] == pytest.approx(1 / 62 + 0.5 / 61)
    assert fused[2] == pytest.approx(1 / 63)
    assert fused[4] == pytest.approx(0.5 / 62)
    assert [row for row, _ in top(fused, 4)] == [1, 3, 2, 4]


def test_weighted_scores_by_hand() -> None:
    fused = weighted_scores(
        [
            (np.array([0, 1, 2]), np.array([0.9, 0.7, 0.5])),
            (np.array([2, 0]), np.array([8.0, 2.0])),
        ],
        [1.0, 0.5],
    )
    assert fused[0] == pytest.approx(1.0 + 0.0)
    assert fused[1] == pytest.approx(0.5)
    assert fused[2] == pytest.approx(0.0 + 0.5)


def test_top_breaks_ties_by_row() -> None:
    assert top({5: 1.0, 2: 1.0, 9: 2.0}, 2) == [(9, 2.0), (2, 1.0)]


def test_empty_and_flat_lists() -> None:
    assert reciprocal_rank([np.array([], dtype=np.int64)], [1.0]) == {}
    flat = weighted_scores([(np.array([4, 7]), np.array([2.0, 2.0]))], [0.5])
    assert flat == {4: 0.5, 7: 0.5}  # equal scores: all at the top, not divided by zero
    assert top({}, 3) == []
