"""Build, save, load and check the search index folder (``index/``).

Files, all plain: ``manifest.json`` (format, embedder, settings, corpus hash,
checksums), ``passages.jsonl`` (row *i* = FAISS id *i* = BM25 doc *i*),
``dense.faiss`` (passage vectors), ``sentences.npy`` and ``windows.npy`` (one
vector per sentence, alone and with its neighbours, in passage order, loaded
with ``allow_pickle=False``) and ``bm25/`` (bm25s).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from survqa import storage
from survqa.chunking import CHUNKER_VERSION, chunk_documents
from survqa.corpus import clean_span, corpus_hash
from survqa.dense import DenseIndex, choose_kind
from survqa.embedding import Embedder
from survqa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError
from survqa.lexical import LexicalIndex
from survqa.records import Document, Passage
from survqa.settings import Settings

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
BATCH = 16


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """Everything retrieval needs, loaded in memory."""

    passages: list[Passage]
    dense: DenseIndex
    lexical: LexicalIndex
    sentence_vectors: np.ndarray
    window_vectors: np.ndarray
    sentence_passage: np.ndarray
    manifest: dict[str, Any]

    @property
    def corpus_hash(self) -> str:
        return str(self.manifest["corpus"]["hash"])


def sentence_texts(passages: Sequence[Passage], documents: dict[str, Document]) -> list[str]:
    """Cleaned text of every sentence, in passage order."""
    return [clean_span(documents[p.source].text[s:e]) for p in passages for s, e in p.sentences]


def window_texts(passages: Sequence[Passage], sentences: list[str]) -> list[str]:
    """Each sentence with its neighbours inside the same paragraph (what an excerpt shows)."""
    keys = [(p.source, p.paragraph) for p in passages for _ in p.sentences]
    windows = []
    for j, sentence in enumerate(sentences):
        before = sentences[j - 1] if j > 0 and keys[j - 1] == keys[j] else ""
        after = sentences[j + 1] if j + 1 < len(keys) and keys[j + 1] == keys[j] else ""
        windows.append(" ".join(part for part in (before, sentence, after) if part))
    return windows


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


def known_vectors(
    previous: SearchIndex | None, documents: dict[str, Document]
) -> dict[str, np.ndarray]:
    """Text → vector of every passage of a previous index of the same model, and of the
    sentences of ``documents`` (those unchanged since that index was built)."""
    if previous is None:
        return {}
    known = {p.text: previous.dense.vector(row) for row, p in enumerate(previous.passages)}
    unchanged = [p.source in documents for p in previous.passages for _ in p.sentences]
    texts = [  # sentence spans still hold in unchanged documents only
        clean_span(documents[p.source].text[s:e]) if p.source in documents else ""
        for p in previous.passages
        for s, e in p.sentences
    ]
    windows = window_texts(previous.passages, texts)
    for j, keep in enumerate(unchanged):
        if keep:
            known[texts[j]] = previous.sentence_vectors[j]
            known[windows[j]] = previous.window_vectors[j]
    return known


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


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
    by_source = {d.source: d for d in documents}
    passage_vectors = _embed([p.text for p in passages], embedder, "embedding passages", known)
    sentences = sentence_texts(passages, by_source)
    sentence_vectors = _embed(sentences, embedder, "embedding sentences", known)
    window_vectors = _embed(window_texts(passages, sentences), embedder, "embedding windows", known)
    kind = choose_kind(len(passages), settings.dense_index, settings.exact_threshold)
    dense = DenseIndex.build(passage_vectors, kind)
    lexical = LexicalIndex.build([p.text for p in passages])
    with storage.build_lock(target), storage.atomic_folder(target) as tmp:
        rows = "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in passages)
        (tmp / "passages.jsonl").write_text(rows, encoding="utf-8")
        (tmp / "dense.faiss").write_bytes(dense.to_bytes())
        (tmp / "sentences.npy").write_bytes(_npy_bytes(sentence_vectors))
        (tmp / "windows.npy").write_bytes(_npy_bytes(window_vectors))
        lexical.save(tmp / "bm25")
        manifest = {
            "format_version": FORMAT_VERSION,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "embedder": {"name": embedder.name, "dim": embedder.dim},
            "settings": settings.index_config(),
            "chunker": CHUNKER_VERSION,
            "dense": {"kind": kind, "count": dense.size},
            "counts": {"passages": len(passages), "sentences": len(sentence_vectors)},
            "corpus": _corpus_entry(documents),
            "files": storage.checksums(tmp),
        }
        storage.write_json(tmp / storage.MANIFEST, manifest)
    logger.info(
        "built index of %d passages, %d sentences in %.1f s",
        len(passages),
        len(sentence_vectors),
        time.perf_counter() - started,
    )


def _corpus_entry(documents: Sequence[Document]) -> dict[str, Any]:
    return {
        "hash": corpus_hash(documents),
        "documents": [
            {
                "source": d.source,
                "chars": len(d.text),
                "sha256": storage.sha256_bytes(d.text.encode()),
            }
            for d in documents
        ],
    }


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
    """True when a document, an index setting or the chunker changed since the build."""
    if manifest.get("settings") != settings.index_config():
        return True
    if manifest.get("chunker") != CHUNKER_VERSION:
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
    text = storage.verified_bytes(folder, "passages.jsonl", manifest).decode("utf-8")
    passages = [Passage.from_dict(json.loads(line)) for line in text.splitlines() if line]
    kind = manifest["dense"]["kind"]
    dense = DenseIndex.from_bytes(storage.verified_bytes(folder, "dense.faiss", manifest), kind)
    sentence_vectors = _load_npy(folder, "sentences.npy", manifest)
    window_vectors = _load_npy(folder, "windows.npy", manifest)
    for name in manifest["files"]:
        if name.startswith("bm25/"):
            storage.verified_bytes(folder, name, manifest)
    lexical = LexicalIndex.load(folder / "bm25", len(passages))
    owners = [row for row, p in enumerate(passages) for _ in p.sentences]
    if dense.size != len(passages) or not len(owners) == len(sentence_vectors) == len(
        window_vectors
    ):
        raise IndexDamagedError(f"{folder}: row counts disagree between files; rebuild it")
    return SearchIndex(
        passages=passages,
        dense=dense,
        lexical=lexical,
        sentence_vectors=sentence_vectors,
        window_vectors=window_vectors,
        sentence_passage=np.asarray(owners, dtype=np.int64),
        manifest=manifest,
    )


def _load_npy(folder: Path, name: str, manifest: dict[str, Any]) -> np.ndarray:
    raw = storage.verified_bytes(folder, name, manifest)
    return np.load(io.BytesIO(raw), allow_pickle=False)


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
    required = ["passages.jsonl", "dense.faiss", "sentences.npy"]
    problems += [f"{name}: not listed in the manifest" for name in required if name not in listed]
    if not any(name.startswith("bm25/") for name in listed):
        problems.append("bm25/: not listed in the manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        problems.append(f"format {manifest.get('format_version')!r} != {FORMAT_VERSION}")
    return problems
