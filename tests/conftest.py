"""Shared fixtures: a fake embedder for fast tests, a tiny corpus, the real seeds."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from survqa.corpus import load_documents
from survqa.lexical import tokenize
from survqa.records import Document

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


class FakeEmbedder:
    """Hashed bag of stems: deterministic, fast, and similar texts get similar vectors."""

    name = "fake:hashed-stems"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for term in tokenize(text) or ["<empty>"]:
            slot = int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim
            vector[slot] += 1.0
        return vector / np.linalg.norm(vector)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)


TINY = {
    "a.txt": (
        "Les caméras de Paris\n\n"
        "En Europe, Paris compte 56 000 caméras. "
        "Madrid en compte 25 000 et Berlin moins de 9 000.\n\n"
        "La reconnaissance faciale inquiète la Cnil. Elle parle de « lignes rouges ».\n"
    ),
    "b.txt": (
        "Belgrade et Huawei\n\n"
        "Le gouvernement serbe installe des caméras Huawei à Belgrade. "
        "Le projet s'appelle « ville sûre ». Mille caméras ont été répertoriées par l'ONG Share.\n"
    ),
}


def write_corpus(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    catalog = {
        "format": 1,
        "documents": [
            {"source": name, "title": text.splitlines()[0], "publisher": "Test", "author": None}
            for name, text in files.items()
        ],
    }
    (folder / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", TINY)


@pytest.fixture(scope="session")
def seeds() -> list[Document]:
    """The real seed documents, loaded once."""
    return load_documents(SEEDS)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target
