"""Build, save, load and check the index folder (``index/``).

Plain files: ``manifest.json`` (format, embedder, settings, chunker and analysis versions,
backend, corpus hash and titles, checksums), ``passages.jsonl`` (row *i* = FAISS id *i* =
BM25 doc *i*), ``sentences.jsonl`` (the sentence table), ``lexicon.json`` (FreeDict
translations into the corpus's terms) and the backend's files (``dense.faiss``,
``views/<view>.npy`` — one vector per sentence and view — and ``bm25/``). No pickle; the
build is deterministic, so the same documents give the same bytes.
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

from survqa.analysis import ANALYSIS_VERSION, tokenize
from survqa.documents.loading import corpus_hash, text_hash
from survqa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError, SurvqaError
from survqa.indexing import backend as backends
from survqa.indexing import storage
from survqa.indexing.backend import SearchBackend
from survqa.indexing.chunking import CHUNKER_VERSION, chunk_documents
from survqa.indexing.dense import choose_kind
from survqa.indexing.embedding import Embedder
from survqa.indexing.sentences import (
    SentenceTable,
    build_sentences,
    from_jsonl,
    to_jsonl,
    view_texts,
)
from survqa.records import Document, Passage
from survqa.settings import Settings
from survqa.translation import Lexicon, corpus_lexicon

logger = logging.getLogger(__name__)

FORMAT_VERSION = 4
BATCH = 16
TABLE_FILES = ("passages.jsonl", "sentences.jsonl", "lexicon.json")


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """A loaded index folder: the passage and sentence tables, the backend, the manifest."""

    passages: list[Passage]
    sentences: SentenceTable
    backend: SearchBackend
    lexicon: Lexicon
    manifest: dict[str, Any]

    @property
    def corpus_hash(self) -> str:
        return str(self.manifest["corpus"]["hash"])

    def titles(self) -> list[str]:
        """The title of each sentence's document, as indexed."""
        by_source = {d["source"]: d["title"] for d in self.manifest["corpus"]["documents"]}
        return [by_source[self.passages[s.passage].source] for s in self.sentences.rows]


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
    """Text → vector of every passage and sentence view of a previous index of the same
    model: a rebuild embeds only text that is new."""
    if previous is None:
        return {}
    backend = previous.backend
    passage_vectors = backend.passage_vectors(np.arange(len(previous.passages)))
    known = {p.text: v for p, v in zip(previous.passages, passage_vectors, strict=True)}
    everything = np.arange(len(previous.sentences))
    for view, texts in view_texts(previous.sentences.rows, previous.titles()).items():
        known.update(zip(texts, backend.vectors(view, everything), strict=True))
    return known


def build(
    documents: Sequence[Document],
    embedder: Embedder,
    settings: Settings,
    target: Path,
    previous: SearchIndex | None = None,
) -> None:
    """Chunk, embed and index ``documents``; replace ``target`` atomically.

    ``previous`` (an index of the same model) gives the vectors of text it already has,
    and its lexicon when no dictionary is installed: only new text is embedded.
    """
    started = time.perf_counter()
    passages = chunk_documents(documents, settings.passage_words)
    by_source = {d.source: d for d in documents}
    sentences = build_sentences(passages, by_source)
    titles = [by_source[passages[s.passage].source].title for s in sentences]
    known = known_vectors(previous)
    passage_vectors = _embed([p.text for p in passages], embedder, "embedding passages", known)
    views = {view: _embed(texts, embedder, f"embedding {view} views", known)
             for view, texts in view_texts(sentences, titles).items()}  # fmt: skip
    vocabulary = {t for s in sentences for t in s.terms}
    lexicon = corpus_lexicon(tokenize, vocabulary, previous.lexicon if previous else None)
    manifest = {
        "format_version": FORMAT_VERSION,
        "embedder": {"name": embedder.name, "dim": embedder.dim},
        "settings": settings.index_config(),
        "chunker": CHUNKER_VERSION,
        "analysis": ANALYSIS_VERSION,
        "backend": settings.backend,
        "lexicon": {"dictionaries": list(lexicon.sources)},
        "counts": {"passages": len(passages), "sentences": len(sentences)},
        "corpus": _corpus_entry(documents, passages),
    }
    kind = choose_kind(len(passages), settings.dense_index, settings.exact_threshold)
    with storage.index_lock(target):
        replaced = _manifest_or_none(target)
        with storage.atomic_folder(target) as tmp:
            milvus = None
            if settings.backend == "milvus":
                milvus = (milvus_uri(settings, target), _digest(manifest, target))
            backend = backends.create(settings.backend, passages, passage_vectors, views, kind,
                                      milvus)  # fmt: skip
            rows = "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in passages)
            (tmp / "passages.jsonl").write_text(rows, encoding="utf-8")
            (tmp / "sentences.jsonl").write_text(to_jsonl(sentences), encoding="utf-8")
            storage.write_json(tmp / "lexicon.json", lexicon.to_json(), compact=True)
            manifest["dense"] = backend.write(tmp)
            manifest["files"] = storage.checksums(tmp)
            storage.write_json(tmp / storage.MANIFEST, manifest)
        if replaced is not None:
            backends.retire(replaced, manifest)
    logger.info(
        "built index of %d passages, %d sentences in %.1f s",
        len(passages), len(sentences), time.perf_counter() - started,
    )  # fmt: skip


def milvus_uri(settings: Settings, folder: Path) -> str:
    """The Milvus URI of an index: the setting, else a milvus-lite file beside the folder."""
    if settings.milvus_uri:
        return settings.milvus_uri
    return str(folder.resolve().parent / f"{folder.name}.milvus.db")


def _digest(manifest: dict[str, Any], folder: Path) -> str:
    """What names an index's Milvus collections: its content and its folder."""
    data = json.dumps([manifest, str(folder.resolve())], sort_keys=True, ensure_ascii=False)
    return storage.sha256_bytes(data.encode("utf-8"))


def _manifest_or_none(folder: Path) -> dict[str, Any] | None:
    try:
        return storage.read_manifest(folder)
    except (FileNotFoundError, IndexDamagedError):
        return None


def _corpus_entry(documents: Sequence[Document], passages: list[Passage]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for passage in passages:
        counts[passage.source] = counts.get(passage.source, 0) + 1
    return {
        "hash": corpus_hash(documents),
        "documents": [
            {"source": d.source, "title": d.title, "chars": len(d.text), "sha256": text_hash(d),
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


def is_stale(
    manifest: dict[str, Any], documents: Sequence[Document], settings: Settings, folder: Path
) -> bool:
    """True when a document, an index setting, the backend (or its Milvus URI), the chunker
    or the analysis changed."""
    if manifest.get("settings") != settings.index_config():
        return True
    if manifest.get("backend") != settings.backend:
        return True
    if settings.backend == "milvus" and (
        manifest.get("dense", {}).get("uri") != milvus_uri(settings, folder)
    ):
        return True
    if manifest.get("chunker") != CHUNKER_VERSION or manifest.get("analysis") != ANALYSIS_VERSION:
        return True
    corpus = manifest.get("corpus", {})
    titles = [d.get("title") for d in corpus.get("documents", [])]
    return corpus.get("hash") != corpus_hash(documents) or titles != [d.title for d in documents]


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
    lexicon = Lexicon.from_json(json.loads(read("lexicon.json")), tokenize)
    backend = backends.open_backend(folder, manifest, read, [p.source for p in passages])
    owners = [row for row, p in enumerate(passages) for _ in p.sentences]
    if backend.size != len(passages) or not (
        [s.passage for s in sentences] == owners and len(owners) == backend.sentence_count
    ):
        raise IndexDamagedError(f"{folder}: row counts disagree between files; rebuild it")
    return SearchIndex(passages, SentenceTable(sentences, passages), backend, lexicon, manifest)


def required_files(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The files an index folder must list: the tables and its backend's."""
    return (*TABLE_FILES, *backends.backend_files(manifest))


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
    problems += [f"{name}: not listed in the manifest" for name in required_files(manifest)
                 if name not in listed]  # fmt: skip
    if manifest.get("backend") == "faiss" and not any(n.startswith("bm25/") for n in listed):
        problems.append("bm25/: not listed in the manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        problems.append(f"format {manifest.get('format_version')!r} != {FORMAT_VERSION}")
    if manifest.get("backend") == "milvus" and not problems:
        problems += _milvus_problems(folder, manifest)
    return problems


def _milvus_problems(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Row counts and checksums of the Milvus collections against the manifest."""
    from survqa.indexing.milvus import MilvusBackend

    try:
        read = lambda name: storage.verified_bytes(folder, name, manifest)  # noqa: E731
        return MilvusBackend.read(manifest, read).checksum_problems()
    except SurvqaError as exc:
        return [str(exc)]
