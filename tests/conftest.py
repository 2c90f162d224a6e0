"""Shared fixtures: a fake embedder for fast tests, a tiny corpus, the real seeds.

The tests mirror the modules (``tests/<package>/test_<module>.py``); this folder is on
``sys.path`` (pytest's default "prepend" import mode inserts the folder of this conftest),
so the helpers here and in ``app_process``, ``boilerplate``, ``gold_data`` and
``sample_files`` import the same way from every sub-folder. Test file names stay unique.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from survqa import translation
from survqa.analysis import tokenize
from survqa.assistant import Assistant
from survqa.documents.loading import load_seeds
from survqa.records import Answer, Document

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
INDEX = ROOT / "index"  # the committed index: read or copied, never written by a test


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
PARIS = "Combien de caméras compte Paris ?"


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


def assert_verbatim(answer: Answer, folder: Path) -> None:
    """Every excerpt (and every "also in" citation) is a slice of its file, the answering
    sentence inside the excerpt."""
    for e in answer.excerpts:
        text = (folder / e.source).read_text(encoding="utf-8")
        assert text[e.start : e.end] == e.text
        assert e.start <= e.answer_start < e.answer_end <= e.end
        assert e.answer == text[e.answer_start : e.answer_end]
        for c in e.also_in:
            assert c.text == (folder / c.source).read_text(encoding="utf-8")[c.start : c.end]


def fingerprint(answer: Answer) -> list[tuple[Any, ...]]:
    """What must not change between two equivalent questions (timings excluded)."""
    return [(e.source, e.start, e.end, e.answer_start, e.answer_end, round(e.score, 5))
            for e in answer.excerpts]  # fmt: skip


def concurrent_equals_sequential(assistant: Assistant, questions: list[str]) -> None:
    """8 threads asking ``questions`` at once (each from another offset) get exactly the
    answers that one thread got asking them in turn."""
    sequential = [fingerprint(assistant.ask(q, 3)) for q in questions]
    barrier = threading.Barrier(8)

    def worker(offset: int) -> list[Any]:
        barrier.wait()
        order = questions[offset:] + questions[:offset]
        got = {q: fingerprint(assistant.ask(q, 3)) for q in order}
        return [got[q] for q in questions]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(worker, range(8)))
    assert all(r == sequential for r in results)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``survqa ARGV`` in process: (exit status, stdout, stderr)."""
    from survqa.apps import cli

    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


_FULL_LEXICONS: dict[Any, translation.Lexicon] = {}


_BUILD_LEXICON = translation.build_lexicon


def cached_lexicon(
    french: Any,
    vocabulary: Any = None,
    languages: Any = tuple(translation.SOURCES),
    folder: Path = translation.DICT_DIR,
) -> translation.Lexicon:
    """``translation.build_lexicon`` with the dictionaries read once per session: the full
    lexicon (no vocabulary) restricted to ``vocabulary`` is exactly what build_lexicon
    gives (checked by tests/test_translation.py), in milliseconds instead of ~5 s a build."""
    key = (french, tuple(languages), Path(folder))
    if key not in _FULL_LEXICONS:
        _FULL_LEXICONS[key] = _BUILD_LEXICON(french, None, languages, folder)
    full = _FULL_LEXICONS[key]
    if vocabulary is None:
        return full
    keep = frozenset(vocabulary)
    table = {
        lang: {k: v & keep for k, v in t.items() if v & keep} for lang, t in full.table.items()
    }
    return translation.Lexicon(table, french, full.common, full.sources)


@pytest.fixture(scope="session", autouse=True)
def _dictionaries_read_once() -> Any:
    """Every index built in process reads the FreeDict dictionaries once per session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(translation, "build_lexicon", cached_lexicon)
        yield


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", TINY)


@pytest.fixture(scope="session")
def tiny_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """One loaded Assistant over the tiny corpus with the fake embedder, shared by the tests
    that only ask (never add, remove or rebuild)."""
    corpus = write_corpus(tmp_path_factory.mktemp("tiny") / "corpus", TINY)
    assistant = Assistant(corpus, corpus.parent / "index", embedder=FakeEmbedder())
    assistant.load()
    return assistant


@pytest.fixture(scope="session")
def seeds() -> list[Document]:
    """The real seed documents, loaded once."""
    return load_seeds(SEEDS)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def index_copy(tmp_path: Path) -> Path:
    """A copy of the committed index of the seeds, to write to."""
    target = tmp_path / "index"
    shutil.copytree(INDEX, target)
    return target
