"""Rank fusion of the dense and lexical result lists.

Two methods, compared in docs/evaluation.md: weighted reciprocal rank fusion
(Cormack et al., 2009) and a weighted sum of min-max normalised scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def reciprocal_rank(
    rankings: Sequence[np.ndarray], weights: Sequence[float], k: int = 60
) -> dict[int, float]:
    """score(d) = Σ_lists weight / (k + rank of d in that list), ranks from 1."""
    fused: dict[int, float] = {}
    for ids, weight in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ids.tolist(), start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


def _min_max(scores: np.ndarray) -> np.ndarray:
    if scores.size == 0:
        return scores
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-12:
        return np.ones_like(scores)
    return (scores - low) / (high - low)


def weighted_scores(
    results: Sequence[tuple[np.ndarray, np.ndarray]], weights: Sequence[float]
) -> dict[int, float]:
    """score(d) = Σ_lists weight × min-max normalised score of d (0 where absent)."""
    fused: dict[int, float] = {}
    for (ids, scores), weight in zip(results, weights, strict=True):
        for row, score in zip(ids.tolist(), _min_max(scores).tolist(), strict=True):
            fused[row] = fused.get(row, 0.0) + weight * score
    return fused


def top(fused: dict[int, float], n: int) -> list[tuple[int, float]]:
    """The ``n`` best (row, score) pairs, ties broken by row for determinism."""
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:n]
