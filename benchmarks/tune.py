"""Grid search of the second-stage weights on the DEV split only.

    python benchmarks/tune.py [--index DIR]

Prints the best settings by (hit@1 + sentence accuracy) and the score
distributions used to calibrate abstention. Query vectors are cached, so each
configuration costs only the retrieval itself.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from survqa import Assistant, Settings
from survqa.embedding import Embedder, make_embedder
from survqa.evaluation import load_gold, run, summarise


class CachedEmbedder:
    """Memoises query vectors so a grid search re-embeds nothing."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed_queries(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


GRID = {
    "w_context": [0.0, 0.2, 0.4],
    "w_fused": [0.0, 0.1, 0.2, 0.4],
    "w_coverage": [0.1, 0.2, 0.3, 0.5],
    "w_coverage_foreign": [0.0, 0.1, 0.2],
    "lexical_weight_foreign": [0.25, 0.5],
    "fusion": ["rrf", "weighted"],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    dev = [g for g in load_gold() if g["split"] == "dev"]
    embedder = CachedEmbedder(make_embedder())
    results = []
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        settings = Settings(**dict(zip(keys, values, strict=True)))
        assistant = Assistant(index_dir=args.index, settings=settings, embedder=embedder)
        report = summarise(run(assistant, dev))
        results.append((report["hit@1"] + report["sentence_accuracy"], report["hit@1"],
                        report["sentence_accuracy"], report["mrr@10"], dict(zip(keys, values, strict=True))))
    results.sort(key=lambda r: r[:4], reverse=True)
    for objective, hit1, sentence, mrr, config in results[:10]:
        print(f"{objective:.3f} hit@1 {hit1:.3f} sentence {sentence:.3f} mrr {mrr:.3f} {config}")
    best = Settings(**results[0][4])
    rows = run(Assistant(index_dir=args.index, settings=best, embedder=embedder), dev)
    inside = sorted(r["score"] for r in rows if r["in_corpus"])
    outside = sorted(r["score"] for r in rows if not r["in_corpus"])
    print("in-corpus top scores (lowest 10):", [round(s, 3) for s in inside[:10]])
    print("out-of-corpus top scores:", [round(s, 3) for s in outside])
    return 0


if __name__ == "__main__":
    sys.exit(main())
