"""The search backend on Milvus (``pip install survqa[milvus]``): the same rows, in an engine.

Two collections per index, named from its content (the same documents and settings give
the same names, so add-then-remove leaves the index folder byte-identical):

* ``<name>_passages``: ``row`` (primary key = passage row = BM25 doc), ``source``,
  ``paragraph``, ``dense`` (the passage's e5 vector, FLAT / HNSW / IVF_SQ8 by the same
  size rule as FAISS) and ``sparse`` (the passage's BM25 weights, computed with survqa's
  French analysis: Milvus's own BM25 function has no French stemmer or elision rule);
* ``<name>_views``: ``id`` = sentence row × len(VIEWS) + view, ``vector`` — the second
  stage's sentence vectors, fetched by id, so no vector sits in the app's memory.

A BM25 score is the inner product of a passage's sparse vector with the question's term
counts, equal to bm25s's score. The index folder keeps the tables, the manifest and the
BM25 vocabulary (``milvus/vocabulary.json``); the manifest names the URI and collections
and holds a checksum of every row, which ``survqa index --check`` recomputes from Milvus.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from survqa.errors import BackendError, IndexDamagedError
from survqa.indexing.dense import DenseHits
from survqa.indexing.lexical import LexicalHits
from survqa.indexing.sentences import VIEWS

logger = logging.getLogger(__name__)

FETCH_BATCH = 4_000
MAX_LIMIT = 16_384  # Milvus's largest top-k
CONNECT_TIMEOUT = 10.0
_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def client(uri: str) -> Any:
    """One pymilvus client per URI and process; BackendError when unreachable."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise BackendError(
            "the Milvus backend needs pymilvus: `pip install 'survqa[milvus]'`"
        ) from exc
    with _clients_lock:
        if uri not in _clients:
            try:
                _clients[uri] = MilvusClient(uri=uri, timeout=CONNECT_TIMEOUT)
            except Exception as exc:  # pymilvus raises MilvusException, grpc or OS errors
                raise BackendError(
                    f"cannot reach Milvus at {uri!r} ({reason(exc)}): start the server or "
                    "point --milvus-uri / SURVQA_MILVUS_URI at a running one, or use "
                    "--backend faiss"
                ) from exc
        return _clients[uri]


def reason(exc: Exception) -> str:
    """An engine error on one line, short enough for a message."""
    return " ".join(str(exc).split())[:300]


def collection_names(content: str) -> dict[str, str]:
    """The two collection names of an index whose content digest is ``content``."""
    stem = "survqa_" + content[:16]
    return {"passages": f"{stem}_passages", "views": f"{stem}_views"}


def view_id(row: int | np.ndarray, view: str) -> Any:
    return row * len(VIEWS) + VIEWS.index(view)


def row_digest(
    digest: Any, row: int, source: str, paragraph: int, vector: np.ndarray, sparse: dict
) -> None:
    digest.update(np.int64(row).tobytes() + source.encode("utf-8") + b"\0")
    digest.update(np.int64(paragraph).tobytes() + np.asarray(vector, np.float32).tobytes())
    terms = sorted(sparse)
    digest.update(np.asarray(terms, np.int64).tobytes())
    digest.update(np.asarray([sparse[t] for t in terms], np.float32).tobytes())


class MilvusBackend:
    """Dense, BM25 and sentence-vector search in a Milvus collection pair."""

    name = "milvus"

    def __init__(
        self, uri: str, names: dict[str, str], vocabulary: list[str], entry: dict[str, Any]
    ) -> None:
        self.uri = uri
        self.names = names
        self._client = client(uri)
        self._term_ids = {term: i for i, term in enumerate(vocabulary)}
        self._vocabulary = vocabulary
        self._entry = entry

    @property
    def size(self) -> int:
        return int(self._entry["count"])

    @property
    def sentence_count(self) -> int:
        return int(self._entry["sentences"])

    @property
    def _search_params(self) -> dict[str, Any]:
        return {"metric_type": "IP", "params": self._entry.get("search_params", {})}

    def dense_search(
        self, vector: np.ndarray, k: int, sources: Collection[str] | None = None
    ) -> DenseHits:
        hits = self._search("dense", np.asarray(vector, np.float32).tolist(), k, sources)
        return DenseHits(*hits)

    def lexical_search(
        self, terms: Sequence[str], k: int, sources: Collection[str] | None = None
    ) -> LexicalHits:
        query = self._sparse_query(terms)
        if not query:
            return LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        ids, scores = self._search("sparse", query, k, sources)
        keep = scores > 0
        return LexicalHits(ids[keep], scores[keep])

    def hybrid_search(
        self,
        vector: np.ndarray,
        terms: Sequence[str],
        k: int,
        rrf_k: int,
        sources: Collection[str] | None = None,
    ) -> dict[int, float] | None:
        """Dense + BM25 fused by Milvus's RRF ranker in one request: row → Σ 1/(rrf_k + rank)
        over the two ``k``-best lists, as :func:`survqa.search.fusion.reciprocal_rank`.
        None when there is nothing for the engine to fuse (no known term, nothing to search):
        the caller fuses the separate searches itself."""
        from pymilvus import AnnSearchRequest, RRFRanker

        k = max(0, min(k, self.size))
        query = self._sparse_query(terms)
        if k == 0 or not query or (sources is not None and not sources):
            return None
        expr = source_filter(sources)
        requests = [
            AnnSearchRequest([np.asarray(vector, np.float32).tolist()], "dense",
                             self._search_params, k, expr=expr),
            AnnSearchRequest([query], "sparse", {"metric_type": "IP"}, k, expr=expr),
        ]  # fmt: skip
        found = self._call(
            "hybrid_search", self.names["passages"], requests, RRFRanker(rrf_k), limit=2 * k,
            output_fields=["row"],
        )  # fmt: skip
        return {int(h["row"]): float(h["distance"]) for h in found[0]}

    def _sparse_query(self, terms: Sequence[str]) -> dict[int, float]:
        """The question's known terms as a sparse vector of counts (bm25s counts a repeated
        term once per occurrence)."""
        counts = Counter(self._term_ids[t] for t in terms if t in self._term_ids)
        return {term: float(count) for term, count in counts.items()}

    def _search(
        self, field: str, data: Any, k: int, sources: Collection[str] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        k = max(0, min(k, self.size))
        if k == 0 or (sources is not None and not sources):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = self._search_params if field == "dense" else {"metric_type": "IP"}
        found = self._call(
            "search", self.names["passages"], data=[data], anns_field=field, limit=k,
            search_params=params, filter=source_filter(sources), output_fields=["row"],
        )  # fmt: skip
        hits = sorted(found[0], key=lambda h: (-h["distance"], h["row"]))
        ids = np.asarray([h["row"] for h in hits], dtype=np.int64)
        return ids, np.asarray([h["distance"] for h in hits], dtype=np.float32)

    def vectors(self, view: str, rows: np.ndarray) -> np.ndarray:
        ids = view_id(np.asarray(rows, dtype=np.int64), view)
        return self._fetch(self.names["views"], "id", "vector", ids)

    def view_cosines(self, rows: np.ndarray, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Inner products computed in the engine (filtered exact search over the views
        collection): no sentence vector crosses the network."""
        rows = np.asarray(rows, dtype=np.int64)
        out = {view: np.zeros(len(rows), dtype=np.float32) for view in VIEWS}
        query = [np.asarray(vector, np.float32).tolist()]
        step = MAX_LIMIT // len(VIEWS)
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            ids = (chunk[:, None] * len(VIEWS) + np.arange(len(VIEWS))).reshape(-1).tolist()
            found = self._call(
                "search", self.names["views"], data=query, anns_field="vector", limit=len(ids),
                search_params={"metric_type": "IP"}, filter=f"id in {ids}", output_fields=["id"],
            )[0]  # fmt: skip
            if len(found) != len(ids):
                raise IndexDamagedError(
                    f"Milvus collection {self.names['views']!r} lacks sentences the index has: "
                    "rebuild with `survqa index --rebuild --backend milvus`"
                )
            position = {r: start + n for n, r in enumerate(chunk.tolist())}
            for hit in found:
                row, view = divmod(int(hit["id"]), len(VIEWS))
                out[VIEWS[view]][position[row]] = hit["distance"]
        return out

    def passage_vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._fetch(self.names["passages"], "row", "dense", np.asarray(rows, np.int64))

    def _fetch(self, collection: str, key: str, field: str, ids: np.ndarray) -> np.ndarray:
        unique, where = np.unique(ids, return_inverse=True)
        found_rows = np.zeros((len(unique), int(self._entry["dim"])), dtype=np.float32)
        position = {int(i): n for n, i in enumerate(unique.tolist())}
        for start in range(0, len(unique), FETCH_BATCH):
            batch = unique[start : start + FETCH_BATCH].tolist()
            found = self._call("get", collection, ids=batch, output_fields=[field])
            if len(found) != len(batch):
                raise IndexDamagedError(
                    f"Milvus collection {collection!r} lacks rows the index has: "
                    "rebuild with `survqa index --rebuild --backend milvus`"
                )
            for hit in found:
                found_rows[position[int(hit[key])]] = hit[field]
        return found_rows[where.reshape(-1)]

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, method)(*args, **kwargs)
        except Exception as exc:
            if isinstance(exc, (IndexDamagedError, BackendError)):
                raise
            raise BackendError(
                f"Milvus at {self.uri!r} failed on {method} ({reason(exc)}): check that the "
                "server is up and the index's collections exist (`survqa index --check`)"
            ) from exc

    def write(self, folder: Path) -> dict[str, Any]:
        """Save the vocabulary into an index folder; returns the manifest's ``dense`` entry
        (the collections were filled by :func:`survqa.indexing.milvus_build.create`)."""
        (folder / "milvus").mkdir()
        text = json.dumps(self._vocabulary, ensure_ascii=False, separators=(",", ":"))
        (folder / "milvus" / "vocabulary.json").write_text(text + "\n", encoding="utf-8")
        return dict(self._entry)

    @classmethod
    def read(cls, manifest: dict[str, Any], read: Any) -> MilvusBackend:
        """Connect to the collections named in ``manifest``; their row counts must match."""
        entry = manifest["dense"]
        vocabulary = json.loads(read("milvus/vocabulary.json"))
        backend = cls(entry["uri"], entry["collections"], vocabulary, entry)
        backend.verify_counts()
        return backend

    def verify_counts(self) -> None:
        expected = {"passages": self.size, "views": self.sentence_count * len(VIEWS)}
        for part, name in self.names.items():
            if not self._call("has_collection", name):
                raise IndexDamagedError(
                    f"Milvus at {self.uri!r} has no collection {name!r}: rebuild with "
                    "`survqa index --rebuild --backend milvus`"
                )
            self._call("load_collection", name)  # a no-op when already loaded
            found = int(self._call("query", name, filter="", output_fields=["count(*)"])[0]
                        ["count(*)"])  # fmt: skip
            if found != expected[part]:
                raise IndexDamagedError(
                    f"Milvus collection {name!r} has {found} rows, the index manifest "
                    f"{expected[part]}: rebuild with `survqa index --rebuild --backend milvus`"
                )

    def checksum_problems(self) -> list[str]:
        """Rows of the collections whose checksum differs from the manifest's."""
        digest = hashlib.sha256()
        rows = sorted(self._scan(self.names["passages"], "row", ["row", "source", "paragraph",
                                                           "dense", "sparse"], self.size),
                      key=lambda r: r["row"])  # fmt: skip
        for r in rows:
            sparse = {int(t): float(w) for t, w in r["sparse"].items()}
            row_digest(digest, r["row"], r["source"], r["paragraph"], r["dense"], sparse)
        problems = []
        if [r["row"] for r in rows] != list(range(self.size)):
            problems.append(f"{self.names['passages']}: rows are not 0…{self.size - 1}")
        if digest.hexdigest() != self._entry["checksums"]["passages"]:
            problems.append(f"{self.names['passages']}: checksum mismatch")
        views = hashlib.sha256()
        everything = self._scan(self.names["views"], "id", ["id", "vector"],
                                self.sentence_count * len(VIEWS))  # fmt: skip
        for r in sorted(everything, key=lambda r: r["id"]):
            views.update(np.int64(r["id"]).tobytes())
            views.update(np.asarray(r["vector"], np.float32).tobytes())
        if views.hexdigest() != self._entry["checksums"]["views"]:
            problems.append(f"{self.names['views']}: checksum mismatch")
        return problems

    def _scan(self, collection: str, key: str, fields: list[str], total: int) -> Iterator[Any]:
        """Every row with ``0 <= key < total``, by key ranges (the counts are checked first)."""
        for start in range(0, total, FETCH_BATCH):
            expression = f"{key} >= {start} and {key} < {start + FETCH_BATCH}"
            yield from self._call("query", collection, filter=expression, output_fields=fields)


def source_filter(sources: Collection[str] | None) -> str:
    """A Milvus filter expression restricting ``source`` (names escaped as JSON strings)."""
    if sources is None:
        return ""
    names = ", ".join(json.dumps(s, ensure_ascii=False) for s in sorted(sources))
    return f"source in [{names}]"
