"""Build, save, load and check the index folder (``index/``).

Plain files: ``manifest.json`` (format, embedder, settings, chunker and analysis versions,
backend, corpus hash, checksums), ``passages.jsonl`` (row *i* = FAISS id *i* = BM25 doc
*i*), ``sentences.jsonl`` (the sentence table) and the backend's files (``dense.faiss``,
``sentences.npy``, ``windows.npy`` — one vector per sentence, alone and with its
neighbours — and ``bm25/``). No pickle; the build is deterministic, so the same documents
give the same bytes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from survqa.analysis import ANALYSIS_VERSION
from survqa.documents.loading import corpus_hash, text_hash
from survqa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError
from survqa.indexing import storage
from survqa.indexing.backend import FaissBm25Backend, SearchBackend
from survqa.indexing.chunking import CHUNKER_VERSION, chunk_documents
from survqa.indexing.dense import DenseIndex, choose_kind
from survqa.indexing.embedding import Embedder
from survqa.indexing.lexical import LexicalIndex
from survqa.indexing.sentences import (
    Sentence,
    SentenceTable,
    build_sentences,
    from_jsonl,
    to_jsonl,
    window_text,
)
from survqa.records import Document, Passage
from survqa.settings import Settings

logger = logging.getLogger(__name__)

FORMAT_VERSION = 3
BATCH = 16
REQUIRED_FILES = ("passages.jsonl", "sentences.jsonl", "dense.faiss", "sentences.npy")


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """A loaded index folder: the passage and sentence tables, the backend, the manifest."""

    passages: list[Passage]
    sentences: SentenceTable
    backend: SearchBackend
    manifest: dict[str, Any]

    @property
    def corpus_hash(self) -> str:
        return str(self.manifest["corpus"]["hash"])


def _embed(
    texts: list[str], embedder: Embedder, desc: str, known: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """Vectors of ``texts``; those already in ``known`` (text → vector) are not re-embedded."""
    known = dict(known or {})
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    for i in tqdm(range(0, len(missing), BATCH), desc=desc, unit="batch", disable=None):
        batch = missing[i : i + BATCH]
        known.update(zip(batch, embedder.embed_passages(batch), strict=True))
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([known[t] for t in texts]).astype(np.float32)


def known_vectors(previous: SearchIndex | None) -> dict[str, np.ndarray]:
    """Text → vector of every passage, sentence and window of a previous index of the same
    model: a rebuild embeds only text that is new."""
    if previous is None:
        return {}
    backend, rows = previous.backend, previous.sentences.rows
    everything = np.arange(len(rows))
    passage_vectors = backend.passage_vectors(np.arange(len(previous.passages)))
    known = {p.text: v for p, v in zip(previous.passages, passage_vectors, strict=True)}
    known.update(zip((s.text for s in rows), backend.sentence_vectors(everything), strict=True))
    windows = [window_text(rows, j) for j in range(len(rows))]
    known.update(zip(windows, backend.window_vectors(everything), strict=True))
    return known


def build(
    documents: Sequence[Document],
    embedder: Embedder,
    settings: Settings,
    target: Path,
    known: dict[str, np.ndarray] | None = None,
) -> None:
    """Chunk, embed and index ``documents``; replace ``target`` atomically.

    ``known`` maps texts to vectors from a previous build with the same model
    (see :func:`known_vectors`): only new or changed text is embedded.
    """
    started = time.perf_counter()
    passages = chunk_documents(documents, settings.passage_words)
    sentences = build_sentences(passages, {d.source: d for d in documents})
    backend = _build_backend(passages, sentences, embedder, settings, known)
    with storage.index_lock(target), storage.atomic_folder(target) as tmp:
        rows = "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in passages)
        (tmp / "passages.jsonl").write_text(rows, encoding="utf-8")
        (tmp / "sentences.jsonl").write_text(to_jsonl(sentences), encoding="utf-8")
        dense_entry = backend.write(tmp)
        manifest = {
            "format_version": FORMAT_VERSION,
            "embedder": {"name": embedder.name, "dim": embedder.dim},
            "settings": settings.index_config(),
            "chunker": CHUNKER_VERSION,
            "analysis": ANALYSIS_VERSION,
            "backend": backend.name,
            "dense": dense_entry,
            "counts": {"passages": len(passages), "sentences": len(sentences)},
            "corpus": _corpus_entry(documents, passages),
            "files": storage.checksums(tmp),
        }
        storage.write_json(tmp / storage.MANIFEST, manifest)
    logger.info(
        "built index of %d passages, %d sentences in %.1f s",
        len(passages), len(sentences), time.perf_counter() - started,
    )  # fmt: skip


def _build_backend(
    passages: list[Passage],
    sentences: list[Sentence],
    embedder: Embedder,
    settings: Settings,
    known: dict[str, np.ndarray] | None,
) -> FaissBm25Backend:
    passage_vectors = _embed([p.text for p in passages], embedder, "embedding passages", known)
    sentence_vectors = _embed([s.text for s in sentences], embedder, "embedding sentences", known)
    windows = [window_text(sentences, j) for j in range(len(sentences))]
    window_vectors = _embed(windows, embedder, "embedding windows", known)
    kind = choose_kind(len(passages), settings.dense_index, settings.exact_threshold)
    dense = DenseIndex.build(passage_vectors, kind)
    lexical = LexicalIndex.build([p.text for p in passages])
    return FaissBm25Backend(dense, lexical, sentence_vectors, window_vectors)


def _corpus_entry(documents: Sequence[Document], passages: list[Passage]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for passage in passages:
        counts[passage.source] = counts.get(passage.source, 0) + 1
    return {
        "hash": corpus_hash(documents),
        "documents": [
            {"source": d.source, "chars": len(d.text), "sha256": text_hash(d),
             "passages": counts.get(d.source, 0)}
            for d in documents
        ],
    }  # fmt: skip


def check_compatible(manifest: dict[str, Any], embedder: Embedder, folder: Path) -> None:
    """Raise IndexMismatchError when the index was built by another format or model."""
    how = f"rebuild it with `survqa index --rebuild` (index folder: {folder})"
    found = manifest.get("format_version")
    if found != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index format {found!r}, this survqa reads format {FORMAT_VERSION}: {how}"
        )
    built_with = manifest.get("embedder", {})
    if built_with.get("name") != embedder.name or built_with.get("dim") != embedder.dim:
        raise IndexMismatchError(
            f"index built with {built_with.get('name')!r} (dim {built_with.get('dim')}), "
            f"but the model in use is {embedder.name!r} (dim {embedder.dim}): {how}"
        )


def is_stale(manifest: dict[str, Any], documents: Sequence[Document], settings: Settings) -> bool:
    """True when a document, an index setting, the chunker or the analysis changed."""
    if manifest.get("settings") != settings.index_config():
        return True
    if manifest.get("chunker") != CHUNKER_VERSION or manifest.get("analysis") != ANALYSIS_VERSION:
        return True
    return bool(manifest.get("corpus", {}).get("hash") != corpus_hash(documents))


def load(folder: Path, embedder: Embedder) -> SearchIndex:
    """Load an index, verifying every file's checksum before it is parsed."""
    storage.recover(folder)
    try:
        manifest = storage.read_manifest(folder)
    except FileNotFoundError as exc:
        raise IndexMissingError(f"no index in {folder}: build it with `survqa index`") from exc
    check_compatible(manifest, embedder, folder)
    try:
        return _load_verified(folder, manifest)
    except (ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexDamagedError(f"{folder} cannot be read ({exc}): rebuild it") from exc


def _load_verified(folder: Path, manifest: dict[str, Any]) -> SearchIndex:
    def read(name: str) -> bytes:
        return storage.verified_bytes(folder, name, manifest)

    text = read("passages.jsonl").decode("utf-8")
    passages = [Passage.from_dict(json.loads(line)) for line in text.splitlines() if line]
    sentences = from_jsonl(read("sentences.jsonl").decode("utf-8"))
    backend = FaissBm25Backend.read(folder, manifest, read)
    owners = [row for row, p in enumerate(passages) for _ in p.sentences]
    if backend.size != len(passages) or not (
        [s.passage for s in sentences] == owners and len(owners) == backend.sentence_count
    ):
        raise IndexDamagedError(f"{folder}: row counts disagree between files; rebuild it")
    return SearchIndex(passages, SentenceTable(sentences, passages), backend, manifest)


def check(folder: Path) -> list[str]:
    """Problems found in an index folder (empty when healthy); reads no model."""
    storage.recover(folder)
    try:
        manifest = storage.read_manifest(folder)
    except FileNotFoundError:
        return [f"no index in {folder}"]
    except IndexDamagedError as exc:
        return [str(exc)]
    problems = [
        f"{name}: missing or checksum mismatch" for name in storage.verify_all(folder, manifest)
    ]
    listed = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    problems += [f"{name}: not listed in the manifest" for name in REQUIRED_FILES
                 if name not in listed]  # fmt: skip
    if not any(name.startswith("bm25/") for name in listed):
        problems.append("bm25/: not listed in the manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        problems.append(f"format {manifest.get('format_version')!r} != {FORMAT_VERSION}")
    return problems
