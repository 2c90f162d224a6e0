"""Dense vector search with FAISS (inner product on L2-normalised vectors).

The index type follows the collection size (measured in docs/benchmarks.md):

* ``flat`` — exact search (``IndexFlatIP``) below ``Settings.exact_threshold``;
* ``hnsw`` — ``IndexHNSWFlat`` (float32 vectors plus a graph) up to
  ``QUANTISE_THRESHOLD`` vectors;
* ``ivfsq`` — an inverted file over 8-bit scalar-quantised vectors
  (``IVF{nlist},SQ8``): a quarter of the memory of float32, fast to build, and
  recall@10 ≥ 0.95 at the ``nprobe`` chosen here. Its :meth:`DenseIndex.vector`
  returns the 8-bit decoded vector (max error per component ~ 1/255 of the range).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import faiss
import numpy as np

logger = logging.getLogger(__name__)

KINDS = ("flat", "hnsw", "ivfsq")
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
# above this many vectors "auto" quantises: float32 HNSW at 1M x 384 needs ~1.8 GB
QUANTISE_THRESHOLD = 500_000
IVF_TRAIN_PER_LIST = 64
IVF_PROBE_FRACTION = 1 / 32
IVF_MIN_PROBE = 16


def choose_kind(
    count: int,
    requested: str = "auto",
    exact_threshold: int = 200_000,
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
    """Inverted lists for ``count`` vectors: ~√count, at least 39 training points each."""
    return max(1, min(int(math.sqrt(max(count, 1))), count // 39 or 1, 65_536))


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
            ivf = faiss.extract_index_ivf(index)
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
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            sample = np.ascontiguousarray(training, dtype=np.float32)
            if len(sample) > IVF_TRAIN_PER_LIST * nlist:
                pick = np.random.default_rng(0).choice(len(sample), IVF_TRAIN_PER_LIST * nlist, replace=False)
                sample = sample[np.sort(pick)]
            index.cp.max_points_per_centroid = IVF_TRAIN_PER_LIST
            index.train(sample)
            index.quantizer_trains_alone = 0
            index.make_direct_map()
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
        dense = cls.create(vectors.shape[1], kind, vectors if kind == "ivfsq" else None, len(vectors))
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
        return self._index.search(np.ascontiguousarray(queries, np.float32), max(1, min(k, self.size)))

    def vector(self, row: int) -> np.ndarray:
        """The stored vector of one row: exact for "flat" and "hnsw", the 8-bit decoded
        vector for "ivfsq"."""
        if self.kind == "ivfsq":
            ivf = faiss.extract_index_ivf(self._index)
            if ivf.direct_map.type == faiss.DirectMap.NoMap:
                ivf.make_direct_map()
        return np.asarray(self._index.reconstruct(int(row)), dtype=np.float32)

    def to_bytes(self) -> bytes:
        return faiss.serialize_index(self._index).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, kind: str) -> DenseIndex:
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        return cls(index, kind)
