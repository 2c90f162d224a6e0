"""BM25 over the passage table compared with the formula computed by hand.

The search takes the question's terms (:func:`survqa.analysis.tokenize`), not its text.
"""

import math

import numpy as np
import pytest

from survqa.analysis import tokenize
from survqa.indexing.lexical import LexicalIndex


def _bm25(query: list[str], docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> list[float]:
    # bm25s "lucene" variant: no (k1 + 1) factor in the numerator
    avg = sum(map(len, docs)) / len(docs)
    scores = []
    for doc in docs:
        score = 0.0
        for term in set(query):
            df = sum(term in d for d in docs)
            if df == 0:
                continue
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            score += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avg))
        scores.append(score)
    return scores


TEXTS = [
    "Paris compte 56 000 caméras de surveillance.",
    "Berlin compte moins de 9 000 caméras.",
    "Huawei fournit des caméras à Belgrade, Belgrade la ville sûre.",
    "Le crédit social chinois.",
]


def test_bm25_scores_match_hand_computation() -> None:
    index = LexicalIndex.build(TEXTS)
    terms = tokenize("caméras à Belgrade")
    expected = _bm25(terms, [tokenize(t) for t in TEXTS])
    np.testing.assert_allclose(index.scores(terms), expected, rtol=1e-4)
    hits = index.search(terms, 10)
    assert hits.ids[0] == 2 and 3 not in hits.ids.tolist()
    assert index.size == 4


def test_search_returns_only_scoring_rows_best_first() -> None:
    index = LexicalIndex.build(TEXTS)
    hits = index.search(tokenize("caméras"), 10)
    assert sorted(hits.ids.tolist()) == [0, 1, 2] and (hits.scores > 0).all()
    assert list(hits.scores) == sorted(hits.scores, reverse=True)
    assert index.search(tokenize("caméras"), 1).ids.tolist() == hits.ids[:1].tolist()
    assert index.search([], 5).ids.size == 0


def test_unknown_terms_give_no_hits(tmp_path) -> None:
    index = LexicalIndex.build(["Paris compte des caméras."])
    assert index.search(tokenize("xylophone"), 5).ids.size == 0
    assert not index.scores(["xylophon"]).any() and index.scores(["xylophon"]).shape == (1,)
    index.save(tmp_path / "bm25")
    again = LexicalIndex.load(tmp_path / "bm25", 1)
    terms = tokenize("caméras Paris")
    assert again.scores(terms) == pytest.approx(index.scores(terms))


def test_saved_bytes_do_not_depend_on_the_string_hash_seed(tmp_path) -> None:
    """bm25s numbers terms in set order; the index numbers them sorted, so two processes with
    other hash seeds save the same files (the index build is deterministic across runs)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from survqa.indexing.lexical import LexicalIndex\n"
        "texts = ['Paris compte 56 000 caméras.', 'Huawei équipe Belgrade de caméras.',"
        " 'Le crédit social note les citoyens.', 'Milipol expose la sécurité.']\n"
        "LexicalIndex.build(texts).save(Path(sys.argv[1]))\n"
    )
    saved = []
    for seed in ("1", "2"):
        folder = tmp_path / seed
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(folder)], env=env, check=True,
                       timeout=120)  # fmt: skip
        saved.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert saved[0] == saved[1] and len(saved[0]) >= 4
    vocabulary = saved[0]["vocab.index.json"].decode("utf-8")
    assert vocabulary.index('"belgrad"') < vocabulary.index('"paris"')  # sorted order
