"""A small logistic model (standardised features, L2, Newton steps) and the thresholds
chosen on its outputs: what ``calibrate`` reads, and what ``benchmarks/crossval.py`` fits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class Logistic:
    """P(y = 1 | x) = sigmoid(weights · (x − mean) / scale + bias)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist(), "bias": self.bias}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Logistic:
        return cls(np.asarray(data["mean"]), np.asarray(data["scale"]),
                   np.asarray(data["weights"]), float(data["bias"]))  # fmt: skip


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, balanced: bool = True) -> Logistic:
    """L2-regularised logistic regression by Newton steps (features standardised first;
    ``balanced``: both classes weigh the same)."""
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    a = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    pos, neg = max(float(y.sum()), 1.0), max(float(len(y) - y.sum()), 1.0)
    sample = (
        np.where(y > 0, len(y) / (2 * pos), len(y) / (2 * neg)) if balanced else np.ones(len(y))
    )
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(500):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -50, 50)))
        grad = a.T @ (sample * (p - y)) + penalty * w
        hess = (a * (sample * p * (1 - p))[:, None]).T @ a + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return Logistic(mean, scale, w[:-1], float(w[-1]))


def abstain_threshold(p_answerable: np.ndarray, false_rate: float) -> float:
    """The highest threshold that abstains on at most ``false_rate`` of these answerable
    questions (abstain when p < threshold)."""
    ordered = np.sort(p_answerable)
    allowed = math.floor(false_rate * len(ordered))
    return float(ordered[allowed]) if allowed < len(ordered) else float(ordered[-1])


def precision_threshold(p: np.ndarray, right: np.ndarray, target: float, minimum: int) -> float:
    """The lowest threshold t such that, among the (at least ``minimum``) questions with
    p ≥ t, the share right is ≥ ``target``; 1.01 (never) when there is none."""
    order = np.argsort(-p, kind="stable")
    precision = np.cumsum(right[order]) / np.arange(1, len(p) + 1)
    ok = [k for k in range(minimum - 1, len(p)) if precision[k] >= target]
    return float(p[order[max(ok)]]) if ok else 1.01
