"""Filling and dropping the Milvus collections of an index (see :mod:`survqa.indexing.milvus`)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np

from survqa.errors import BackendError
from survqa.indexing import dense as dense_module
from survqa.indexing.lexical import LexicalIndex
from survqa.indexing.milvus import (
    MilvusBackend,
    client,
    collection_names,
    reason,
    row_digest,
    view_id,
)
from survqa.indexing.sentences import VIEWS
from survqa.records import Passage

logger = logging.getLogger(__name__)

INSERT_BATCH = 2_000
INDEX_TYPES = {"flat": "FLAT", "hnsw": "HNSW", "ivfsq": "IVF_SQ8"}


def sparse_rows(lexical: LexicalIndex) -> list[dict[int, float]]:
    """Each passage's BM25 weights {term id: weight} from bm25s's precomputed matrix."""
    data, indices, indptr = lexical.weight_matrix()
    terms = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    order = np.argsort(indices, kind="stable")
    rows: list[dict[int, float]] = [{} for _ in range(lexical.size)]
    for doc, term, weight in zip(
        indices[order].tolist(), terms[order].tolist(), data[order].tolist(), strict=True
    ):
        rows[doc][term] = weight
    return rows


@contextlib.contextmanager
def _refusals(uri: str, kind: str) -> Iterator[None]:
    """The engine's errors while building, as a BackendError saying what to do."""
    try:
        yield
    except (BackendError, ImportError):
        raise
    except Exception as exc:  # pymilvus's MilvusException and gRPC errors
        raise BackendError(
            f"Milvus at {uri!r} refused to build the index ({reason(exc)}): check the server; "
            f"milvus-lite 2.x builds only exact (FLAT) and IVF indexes — the dense index "
            f"asked for is {kind!r} (Settings.dense_index)"
        ) from exc


def create(
    uri: str,
    passages: list[Passage],
    passage_vectors: np.ndarray,
    lexical: LexicalIndex,
    views: dict[str, np.ndarray],
    kind: str,
    content: str,
) -> MilvusBackend:
    """Fill a new collection pair (an existing pair of the same name is replaced);
    BackendError, saying what to do, when the engine refuses."""
    with _refusals(uri, kind):
        names = collection_names(content)
        milvus = client(uri)
        for name in names.values():
            if milvus.has_collection(name):
                milvus.drop_collection(name)
        search_params, digest = _create_passages(
            milvus, names["passages"], passages, passage_vectors, lexical, kind
        )
        dim = int(passage_vectors.shape[1])
        views_digest = _create_views(milvus, names["views"], views, dim)
        for name in names.values():
            milvus.load_collection(name)
        entry = {
            "kind": kind, "count": len(passages), "sentences": len(views["sentence"]), "dim": dim,
            "uri": uri, "collections": names, "search_params": search_params,
            "checksums": {"passages": digest, "views": views_digest},
        }  # fmt: skip
        logger.info("Milvus collections %s filled at %s", sorted(names.values()), uri)
        return MilvusBackend(uri, names, lexical.vocabulary(), entry)


def _create_passages(
    milvus: Any,
    name: str,
    passages: list[Passage],
    vectors: np.ndarray,
    lexical: LexicalIndex,
    kind: str,
) -> tuple[dict[str, Any], str]:
    """The passages collection, filled; returns the search parameters and the rows' digest."""
    from pymilvus import DataType

    schema = milvus.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("source", DataType.VARCHAR, max_length=1024)
    schema.add_field("paragraph", DataType.INT64)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=int(vectors.shape[1]))
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    index_params, search_params = _dense_index(milvus, kind, len(passages))
    index_params.add_index(
        field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP"
    )
    with _unimplemented_calls_quiet():
        milvus.create_collection(name, schema=schema, index_params=index_params)
    digest = hashlib.sha256()
    batch: list[dict[str, Any]] = []
    for row, (passage, sparse) in enumerate(zip(passages, sparse_rows(lexical), strict=True)):
        row_digest(digest, row, passage.source, passage.paragraph, vectors[row], sparse)
        batch.append({"row": row, "source": passage.source, "paragraph": passage.paragraph,
                      "dense": vectors[row].tolist(), "sparse": sparse})  # fmt: skip
        if len(batch) == INSERT_BATCH or row == len(passages) - 1:
            milvus.insert(name, batch)
            batch = []
    return search_params, digest.hexdigest()


class _NotImplementedFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[0] is NotImplementedError)


@contextlib.contextmanager
def _unimplemented_calls_quiet() -> Iterator[None]:
    """pymilvus 3 asks the server for a timestamp when creating a collection; milvus-lite's
    in-process gRPC server does not implement that call, logs a traceback, and pymilvus
    carries on without it. Drop that one log record (a real server never emits it)."""
    server_log = logging.getLogger("grpc._server")
    quiet = _NotImplementedFilter()
    server_log.addFilter(quiet)
    try:
        yield
    finally:
        server_log.removeFilter(quiet)


def _dense_index(milvus: Any, kind: str, count: int) -> tuple[Any, dict[str, Any]]:
    params = milvus.prepare_index_params()
    build: dict[str, Any] = {}
    search: dict[str, Any] = {}
    if kind == "hnsw":
        build = {
            "M": dense_module.HNSW_NEIGHBOURS,
            "efConstruction": dense_module.HNSW_EF_CONSTRUCTION,
        }
        search = {"ef": dense_module.HNSW_EF_SEARCH}
    elif kind == "ivfsq":
        nlist = dense_module.ivf_lists(count)
        build, search = {"nlist": nlist}, {"nprobe": dense_module.ivf_probes(nlist)}
    # nested under "params": sent as the classic JSON "params" pair, which Milvus servers
    # read and milvus-lite 3 reads only (pymilvus would send flat keys, which it ignores)
    params.add_index(
        field_name="dense", index_type=INDEX_TYPES[kind], metric_type="IP", params={"params": build}
    )
    return params, search


def _create_views(milvus: Any, name: str, views: dict[str, np.ndarray], dim: int) -> str:
    from pymilvus import DataType

    schema = milvus.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    params = milvus.prepare_index_params()
    params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
    with _unimplemented_calls_quiet():
        milvus.create_collection(name, schema=schema, index_params=params)
    count = len(views["sentence"])
    ids = np.arange(count * len(VIEWS), dtype=np.int64)
    stacked = np.empty((len(ids), dim), dtype=np.float32)
    for view in VIEWS:
        stacked[view_id(np.arange(count), view)] = views[view]
    digest = hashlib.sha256()
    for start in range(0, len(ids), INSERT_BATCH):
        chunk = ids[start : start + INSERT_BATCH]
        for i in chunk.tolist():
            digest.update(np.int64(i).tobytes() + stacked[i].tobytes())
        milvus.insert(name, [{"id": i, "vector": stacked[i].tolist()} for i in chunk.tolist()])
    return digest.hexdigest()


def drop(uri: str, names: dict[str, str]) -> None:
    """Drop the collections of an index that was replaced (best effort: logged on failure)."""
    try:
        milvus = client(uri)
        for name in names.values():
            if milvus.has_collection(name):
                milvus.drop_collection(name)
    except Exception as exc:
        logger.warning("could not drop Milvus collections %s at %s: %s", names, uri, exc)
