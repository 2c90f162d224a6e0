"""The small logistic model of the calibration and the thresholds chosen on its outputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from survqa.search.logistic import (
    Logistic,
    abstain_threshold,
    fit_logistic,
    precision_threshold,
)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_probability_by_hand() -> None:
    model = Logistic(np.array([1.0, 2.0]), np.array([2.0, 4.0]), np.array([0.5, -1.0]), 0.25)
    # x = (3, 6): standardised (1, 1); z = 0.5 − 1 + 0.25 = −0.25
    assert model.probability(np.array([3.0, 6.0])) == pytest.approx([sigmoid(-0.25)])
    # x = (1, 10): (0, 2); z = −2 + 0.25
    rows = model.probability(np.array([[3.0, 6.0], [1.0, 10.0]]))
    np.testing.assert_allclose(rows, [sigmoid(-0.25), sigmoid(-1.75)], rtol=1e-12)
    assert model.probability(np.array([1.0, 2.0]))[0] == pytest.approx(sigmoid(0.25))


def test_probability_is_clipped_without_overflow() -> None:
    model = Logistic(np.zeros(1), np.ones(1), np.ones(1), 0.0)
    with np.errstate(over="raise"):
        high, low = model.probability(np.array([[1e6], [-1e6]]))
    assert high == pytest.approx(1.0) and high == sigmoid(50)
    assert low == pytest.approx(sigmoid(-50)) and low > 0


def test_json_round_trip() -> None:
    model = Logistic(np.array([0.5, 1.5]), np.array([1.0, 2.0]), np.array([-0.3, 0.7]), 1.25)
    data = json.loads(json.dumps(model.to_json()))
    assert data == {"mean": [0.5, 1.5], "scale": [1.0, 2.0], "weights": [-0.3, 0.7], "bias": 1.25}
    again = Logistic.from_json(data)
    x = np.array([[0.0, 0.0], [2.0, -1.0]])
    np.testing.assert_array_equal(again.probability(x), model.probability(x))


def test_fit_on_two_points_matches_the_solution_by_hand() -> None:
    # x = (−1, 1), y = (0, 1), balanced (each sample weight 1), L2 = 1 on the weight only.
    # By symmetry the bias is 0 and the gradient −(1 − σ(w)) + (σ(w) − 1) + w = 0, so
    # w = 2 − 2σ(w): solved here by bisection, apart from the Newton steps of the fit.
    lo, hi = 0.0, 2.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mid < 2 - 2 * sigmoid(mid) else (lo, mid)
    model = fit_logistic(np.array([[-1.0], [1.0]]), np.array([0.0, 1.0]), l2=1.0)
    np.testing.assert_allclose(model.mean, [0.0]) and np.testing.assert_allclose(model.scale, [1])
    assert model.weights[0] == pytest.approx(lo, abs=1e-8) and 0.67 < lo < 0.68
    assert model.bias == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("balanced", [True, False])
def test_fit_reaches_the_optimum_of_its_objective(balanced: bool) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, 1.0]
    y = (x[:, 0] + 0.2 * x[:, 1] + rng.normal(size=60) > 2.5).astype(float)
    assert 5 < y.sum() < 30  # unbalanced classes
    model = fit_logistic(x, y, l2=0.5, balanced=balanced)
    np.testing.assert_allclose(model.mean, x.mean(axis=0))
    np.testing.assert_allclose(model.scale, x.std(axis=0))
    # gradient of Σ sample·logloss + l2/2·|w|² (the bias not penalised) is zero
    a = (x - model.mean) / model.scale
    p = model.probability(x)
    if balanced:
        sample = np.where(y > 0, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
        assert sample[y > 0].sum() == pytest.approx(sample[y == 0].sum())  # classes weigh alike
    else:
        sample = np.ones(len(y))
    np.testing.assert_allclose(a.T @ (sample * (p - y)) + 0.5 * model.weights, 0, atol=1e-7)
    assert float(sample @ (p - y)) == pytest.approx(0.0, abs=1e-7)
    # the balanced fit says "positive" more often on the minority class
    other = fit_logistic(x, y, l2=0.5, balanced=not balanced)
    mean_p = {balanced: p.mean(), not balanced: other.probability(x).mean()}
    assert mean_p[True] > mean_p[False]


def test_a_constant_feature_is_not_divided_by_zero() -> None:
    x = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0], [4.0, 7.0]])
    model = fit_logistic(x, np.array([0.0, 0.0, 1.0, 1.0]))
    assert model.scale[1] == 1.0 and model.weights[1] == pytest.approx(0.0, abs=1e-12)
    assert np.isfinite(model.probability(x)).all()


def test_abstain_threshold_by_hand() -> None:
    p = np.array([0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 1.0, 0.6])
    # at most 20 % of these answerable questions may be abstained on: the 3rd lowest
    assert abstain_threshold(p, 0.2) == 0.3 and (p < 0.3).sum() == 2
    assert abstain_threshold(p, 0.25) == 0.3  # floor(2.5) = 2
    assert abstain_threshold(p, 0.0) == 0.1 and (p < 0.1).sum() == 0
    assert abstain_threshold(p, 1.0) == 1.0  # everything allowed: the highest
    assert abstain_threshold(np.array([0.4]), 0.5) == 0.4


def test_precision_threshold_by_hand() -> None:
    p = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    right = np.array([1, 1, 0, 1, 1, 0], dtype=float)
    # precision of the top k: 1, 1, 2/3, 3/4, 4/5, 4/6
    # the lowest threshold: the largest k whose precision reaches the target
    assert precision_threshold(p, right, 0.75, minimum=1) == 0.6  # k = 5 (4/5), not k = 4
    assert precision_threshold(p, right, 0.8, minimum=1) == 0.6
    assert precision_threshold(p, right, 0.81, minimum=1) == 0.9  # only k = 1, 2
    assert precision_threshold(p, right, 1.0, minimum=1) == 0.9
    assert precision_threshold(p, right, 1.0, minimum=3) == 1.01  # never "high"
    assert precision_threshold(p, right, 0.6, minimum=6) == 0.5
