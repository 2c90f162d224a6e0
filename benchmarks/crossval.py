"""Out-of-fold quality of survqa beside the plain baseline, and the fit of its calibration.

    python -m benchmarks.crossval            # grouped 5-fold CV over the gold set
    python -m benchmarks.crossval --fresh    # the held-out fresh split (shipped calibration)
    python -m benchmarks.crossval --fit      # fit on the whole gold set, write calibration.json

The ranking has no fitted weight, so it is the same in and out of fold; what is fitted
(the two calibration models and their thresholds) is fitted on the training folds only.
Folds group questions that share a gold answer string, so paraphrases of one fact stay
in one fold. The plain baseline — e5 over each sentence with its neighbours, the window as
the excerpt, abstention by one threshold on its best cosine — is computed in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks import quality
from survqa import Assistant
from survqa.evaluation import FRESH_GOLD, load_gold
from survqa.search import calibrate as calibration
from survqa.search.logistic import abstain_threshold, fit_logistic, precision_threshold

K, SEED = 5, 13
FALSE_ABSTENTION = 0.02  # abstain on at most 2 % of answerable training questions
HIGH_PRECISION = 0.95  # "high": right on ≥ 95 % of training questions so labelled
MEDIUM = 0.5
FALSE_DECLINE = 0.05  # restricted to its best gold document, a question is declined ≤ 5 %


@dataclass
class Fold:
    """What one fit gives: models and thresholds (``baseline``: a cosine threshold)."""

    model: calibration.Calibration
    baseline: float
    info: dict[str, Any] = field(default_factory=dict)


def fit(rows: Sequence[quality.Row]) -> Fold:
    """Fit both calibration models and their thresholds on ``rows``."""
    x = np.stack([r.features for r in rows])
    answerable = np.array([float(r.in_corpus) for r in rows])
    right = np.array([float(r.rank == 1) for r in rows])
    p_in = fit_logistic(x, answerable, l2=1.0, balanced=True)
    p_right = fit_logistic(x, right, l2=1.0, balanced=False)
    abstain = abstain_threshold(p_in.probability(x)[answerable > 0], FALSE_ABSTENTION)
    kept = p_in.probability(x) >= abstain
    high = precision_threshold(p_right.probability(x)[kept], right[kept], HIGH_PRECISION, 20)
    cosines = np.array([r.baseline_cosine for r in rows])
    baseline = abstain_threshold(cosines[answerable > 0], FALSE_ABSTENTION)
    gaps = [gold_gap(r) for r, keep in zip(rows, kept, strict=True) if r.in_corpus and keep]
    model = calibration.Calibration(p_in, p_right, abstain, high, MEDIUM, restricted_gap(gaps))
    return Fold(model, baseline)


def gold_gap(row: quality.Row) -> float:
    """The gap of a search restricted to the question's best gold document."""
    return min(row.extra["gaps"][s] for s in row.extra["sources"])


def restricted_gap(gaps: Sequence[float]) -> float:
    """The smallest gap t such that at most FALSE_DECLINE of these gold-document searches
    have a gap above t."""
    ordered = sorted(gaps, reverse=True)
    allowed = int(FALSE_DECLINE * len(ordered))
    return float(ordered[allowed]) if ordered else 0.0


def apply(fold: Fold, row: quality.Row) -> None:
    model = fold.model
    x = row.features[None, :]
    row.abstained = bool(model.answerable.probability(x)[0] < model.abstain_below)
    p_right = float(model.right.probability(x)[0])
    row.label = "low" if row.abstained else calibration.label(p_right, model)
    row.baseline_abstained = row.baseline_cosine < fold.baseline
    row.extra["declines"] = {  # restricted to one document: "this document does not say"
        source: row.abstained or gap > model.restricted_gap
        for source, gap in row.extra["gaps"].items()
    }


def groups_of(items: Sequence[dict[str, Any]]) -> list[int]:
    """Union-find over shared gold answer strings: one group per fact."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, item in enumerate(items):
        for answer in item.get("answers", []):
            key = " ".join(answer.split()).lower()
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    return [find(i) for i in range(len(items))]


def folds_of(items: Sequence[dict[str, Any]], seed: int = SEED) -> list[int]:
    """Groups shuffled with a fixed seed, then each group (largest first) to the fold with
    the fewest questions."""
    groups = groups_of(items)
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    keys = list(members)
    random.Random(seed).shuffle(keys)
    keys.sort(key=lambda g: -len(members[g]))  # stable: ties keep the shuffled order
    size, fold = [0] * K, [0] * len(items)
    for g in keys:
        f = min(range(K), key=lambda x: (size[x], x))
        for i in members[g]:
            fold[i] = f
        size[f] += len(members[g])
    return fold


def cross_validate(rows: list[quality.Row], items: list[dict[str, Any]]) -> None:
    folds = folds_of(items)
    for k in range(K):
        trained = fit([r for r, f in zip(rows, folds, strict=True) if f != k])
        for row, f in zip(rows, folds, strict=True):
            if f == k:
                apply(trained, row)


def main() -> int:
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--fresh", action="store_true", help="evaluate on the fresh split")
    mode.add_argument("--fit", action="store_true", help="fit on the whole gold set")
    parser.add_argument("--json", help="also write the per-question rows here")
    args = parser.parse_args()
    assistant = Assistant()
    gold = load_gold()
    gold_rows = quality.measure(assistant, gold)
    if args.fit:
        fitted = fit(gold_rows)
        path = calibration.SHIPPED
        path.write_text(
            json.dumps(quality.calibration_json(fitted.model, len(gold)), indent=1) + "\n"
        )
        print(f"wrote {path}")
        return 0
    if args.fresh:
        items = load_gold(FRESH_GOLD)
        rows = quality.measure(assistant, items)
        trained = fit(gold_rows)
        trained.model = calibration.load_calibration(None)  # what survqa ships
        for row in rows:
            apply(trained, row)
        title = f"fresh split ({len(items)} questions, shipped calibration)"
    else:
        items, rows = gold, gold_rows
        cross_validate(rows, items)
        title = f"gold set, grouped {K}-fold cross-validation ({len(items)} questions)"
    print(quality.report(title, rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([r.to_json() for r in rows], handle, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
