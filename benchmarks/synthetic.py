"""Synthetic corpora for the scale benchmark: clustered unit vectors and French-like text.

Vectors (dimension 384 like multilingual-e5-small) are not uniform: 64 broad
topics, ``n // 2000`` clusters spread around them, and inside each cluster a
16-dimensional subspace plus isotropic noise — a low intrinsic dimension, as
real sentence embeddings have, so inverted lists and graphs face boundaries
that cut through clusters. Everything is generated in fixed-size chunks from
per-chunk seeds, so a million vectors never need to sit in memory at once and
any chunk can be regenerated.

Text: French function words at the top of a Zipf (s = 1.07) vocabulary of
pseudo-words, plus per-document topic words — the term statistics BM25 sees
in real prose (long posting lists for frequent terms, a long tail of rare ones).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

DIM = 384
CHUNK = 50_000
LATENT = 16
BASES = 32
TOPICS = 64

_FUNCTION = (
    "le la les de des du un une et en à au aux que qui dans pour par sur avec ne pas plus "
    "se ce son sa ses est sont été a ont il elle ils on nous leur leurs mais ou où comme "
    "aussi cette ces tout même"
)
FUNCTION_WORDS = tuple(_FUNCTION.split())
_SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go la le li lo lu "
    "ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti "
    "to tu va ve vi vo ché chi quo gué tré pré bri cla flo gra plu sté tra vri mé ré sé"
)
SYLLABLES = tuple(_SYLLABLES.split())


class VectorSource:
    """Deterministic clustered unit vectors; row i of the corpus is always the same."""

    def __init__(self, count: int, dim: int = DIM, seed: int = 1234) -> None:
        rng = np.random.default_rng(seed)
        self.count, self.dim = count, dim
        clusters = max(20, count // 2000)
        topics = rng.normal(size=(TOPICS, dim)).astype(np.float32)
        self.centres = (
            0.6 * topics[rng.integers(0, TOPICS, clusters)] + 0.6 * rng.normal(size=(clusters, dim))
        ).astype(np.float32)
        self.bases = (2.0 / np.sqrt(LATENT) * rng.normal(size=(BASES, LATENT, dim))).astype(
            np.float32
        )
        self.seed = seed

    def sample(self, rows: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, len(self.centres), rows)
        latent = rng.standard_normal(size=(rows, LATENT), dtype=np.float32)
        out = rng.standard_normal(size=(rows, self.dim), dtype=np.float32)
        out *= 0.3
        out += self.centres[labels]
        which = labels % BASES
        for b in range(BASES):
            pick = which == b
            out[pick] += latent[pick] @ self.bases[b]
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def chunks(self) -> Iterator[np.ndarray]:
        """The corpus, CHUNK rows at a time."""
        for i, start in enumerate(range(0, self.count, CHUNK)):
            yield self.sample(min(CHUNK, self.count - start), self.seed + 1 + i)

    def queries(self, rows: int) -> np.ndarray:
        """Queries from the same distribution (not rows of the corpus)."""
        return self.sample(rows, self.seed - 1)


def exact_top(queries: np.ndarray, chunks: Iterator[np.ndarray], k: int) -> np.ndarray:
    """Exact top-k row ids by inner product, streaming over the corpus chunks."""
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    best = np.zeros((len(queries), 0), dtype=np.float32)
    offset = 0
    for chunk in chunks:
        scores = queries @ chunk.T
        ids = np.broadcast_to(np.arange(offset, offset + len(chunk)), scores.shape)
        best = np.concatenate([best, scores], axis=1)
        best_ids = np.concatenate([best_ids, ids], axis=1)
        keep = np.argpartition(-best, k - 1, axis=1)[:, :k]
        best = np.take_along_axis(best, keep, axis=1)
        best_ids = np.take_along_axis(best_ids, keep, axis=1)
        offset += len(chunk)
    return best_ids


class TextSource:
    """Deterministic French-like passages of 30–70 words."""

    def __init__(self, count: int, vocabulary: int = 60_000, seed: int = 99) -> None:
        rng = np.random.default_rng(seed)
        self.count, self.seed = count, seed
        words = set()
        while len(words) < vocabulary:
            parts = rng.choice(SYLLABLES, size=int(rng.integers(2, 5)))
            words.add("".join(parts))
        self.words = np.array([*FUNCTION_WORDS, *sorted(words)], dtype=object)
        ranks = np.arange(1, len(self.words) + 1)
        weights = 1.0 / ranks**1.07
        self.cumulative = np.cumsum(weights / weights.sum())
        self.topics = rng.integers(len(FUNCTION_WORDS) + 500, len(self.words), size=(500, 200))

    def word_ids(self, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(vocabulary index of every word, words per passage) for ``rows`` passages."""
        rng = np.random.default_rng(seed)
        lengths = rng.integers(30, 71, rows)
        total = int(lengths.sum())
        background = np.searchsorted(self.cumulative, rng.random(total))
        background = np.minimum(background, len(self.words) - 1)
        topic_of = np.repeat(rng.integers(0, len(self.topics), rows), lengths)
        topical = self.topics[topic_of, rng.integers(0, self.topics.shape[1], total)]
        return np.where(rng.random(total) < 0.3, topical, background), lengths

    def passages(self, rows: int, seed: int) -> list[str]:
        chosen, lengths = self.word_ids(rows, seed)
        tokens = self.words[chosen]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        return [" ".join(tokens[a:b]) for a, b in itertools.pairwise(bounds)]

    def chunks(self, size: int = CHUNK) -> Iterator[list[str]]:
        for i, start in enumerate(range(0, self.count, size)):
            yield self.passages(min(size, self.count - start), self.seed + 1 + i)

    def queries(self, rows: int) -> list[str]:
        """4–6 content words taken from passages of the same distribution."""
        rng = np.random.default_rng(self.seed - 1)
        out = []
        for text in self.passages(rows, self.seed - 2):
            words = [w for w in text.split() if w not in FUNCTION_WORDS]
            out.append(
                " ".join(
                    rng.choice(words, size=min(len(words), int(rng.integers(4, 7))), replace=False)
                )
            )
        return out
