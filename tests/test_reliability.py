"""Index integrity through the Assistant and the CLI, no pickle anywhere, thread safety
(issue 6, parts 2 and 4).

Fast tests use the FakeEmbedder over the tiny corpus; those marked slow use the real model.
Bad input: tests/search/test_inputs.py; the CLI's exit statuses: tests/apps/test_cli.py;
checksums before parsers: tests/indexing/test_index.py; crashes: tests/indexing/test_storage.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    INDEX,
    PARIS,
    ROOT,
    SEEDS,
    TINY,
    FakeEmbedder,
    concurrent_equals_sequential,
    fingerprint,
    run_cli,
    write_corpus,
)

from survqa import Assistant
from survqa.apps import cli
from survqa.errors import IndexDamagedError, IndexMismatchError
from survqa.evaluation import load_gold
from survqa.indexing import index as index_module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("rel") / "corpus", TINY)


@pytest.fixture(scope="module")
def fast(corpus: Path) -> Assistant:
    assistant = Assistant(corpus, corpus.parent / "index", embedder=FakeEmbedder())
    assistant.load()
    return assistant


# ---------------------------------------------------------------- index integrity


@pytest.fixture
def built(corpus: Path, fast: Assistant, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(fast.index_dir, target)
    return target


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def bm25_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in (folder / "bm25").iterdir())


DAMAGES = ["truncate-faiss", "flip-faiss", "remove-passages", "remove-bm25", "garbage-manifest",
           "unlisted-file", "flip-sentences-table", "remove-window-view",
           "flip-lexicon"]  # fmt: skip


@pytest.mark.parametrize("damage", DAMAGES)
def test_damage_is_detected_and_repaired_from_the_corpus(
    corpus: Path, built: Path, fast: Assistant, damage: str
) -> None:
    faiss_file = built / "dense.faiss"
    if damage == "truncate-faiss":
        faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    elif damage == "flip-faiss":
        flip(faiss_file)
    elif damage == "remove-passages":
        (built / "passages.jsonl").unlink()
    elif damage == "remove-bm25":
        (built / bm25_files(built)[0]).unlink()
    elif damage == "garbage-manifest":
        (built / "manifest.json").write_bytes(b"\x00{not json")
    elif damage == "flip-sentences-table":
        flip(built / "sentences.jsonl")
    elif damage == "remove-window-view":
        (built / "views" / "window.npy").unlink()
    elif damage == "flip-lexicon":
        flip(built / "lexicon.json")
    else:
        manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
        del manifest["files"]["views/sentence.npy"]
        (built / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexDamagedError, match="rebuild"):
        index_module.load(built, FakeEmbedder())
    assert index_module.check(built)
    repaired = Assistant(corpus, built, embedder=FakeEmbedder())
    assert fingerprint(repaired.ask(PARIS)) == fingerprint(fast.ask(PARIS))
    assert index_module.check(built) == []


@pytest.mark.parametrize("change", ["model", "dim", "format"])
def test_mismatch_is_reported_and_fixed_by_index_rebuild(
    corpus: Path, built: Path, fast: Assistant, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, change: str,
) -> None:  # fmt: skip
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    if change == "model":
        manifest["embedder"]["name"] = "sentence-transformers:other-model"
    elif change == "dim":
        manifest["embedder"]["dim"] = 384
    else:
        manifest["format_version"] = index_module.FORMAT_VERSION + 1
    (built / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assistant = Assistant(corpus, built, embedder=FakeEmbedder())
    with pytest.raises(IndexMismatchError, match=r"survqa index --rebuild"):
        assistant.ask(PARIS)
    fresh = Assistant(corpus, built, embedder=FakeEmbedder())
    monkeypatch.setattr(cli, "_assistant", lambda args: fresh)
    code, _, err = run_cli(capsys, "ask", PARIS)
    assert code == 1 and "--rebuild" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run_cli(capsys, "index", "--rebuild")
    assert code == 0 and "index ready" in out
    assert fingerprint(Assistant(corpus, built, embedder=FakeEmbedder()).ask(PARIS)) == fingerprint(
        fast.ask(PARIS)
    )


def _is_pickle(data: bytes) -> bool:
    return len(data) > 2 and data[0] == 0x80 and 2 <= data[1] <= 5


@pytest.mark.parametrize("which", ["built", "shipped"])
def test_index_folders_hold_no_pickle(built: Path, which: str) -> None:
    folder = built if which == "built" else INDEX
    if not (folder / "manifest.json").exists():
        pytest.skip("no shipped index")
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert not _is_pickle(data) and b"cnumpy.core.multiarray" not in data, path
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises on object arrays
        elif path.suffix in (".json", ".jsonl"):
            for line in data.decode("utf-8").splitlines() if path.suffix == ".jsonl" else [data]:
                json.loads(line)
        else:
            assert path.name == "dense.faiss", f"unexpected file {path}"


def test_no_pickle_in_the_loading_code() -> None:
    sources = sorted((ROOT / "src" / "survqa").rglob("*.py"))
    assert len(sources) > 30  # every sub-package, not only the top modules
    for path in sources:
        source = path.read_text(encoding="utf-8")
        assert "import pickle" not in source and "allow_pickle=True" not in source, path
        assert "torch.load" not in source and "joblib" not in source, path


# ---------------------------------------------------------------- thread safety


def _gold(n: int) -> list[str]:
    return [item["question"] for item in load_gold()[:n]]


def test_threads_fake_model(fast: Assistant) -> None:
    questions = [PARIS, "Qui installe des caméras à Belgrade ?", "Que dit la Cnil ?", "Madrid"]
    concurrent_equals_sequential(fast, questions * 3)


@pytest.mark.slow
def test_threads_real_model(index_copy: Path) -> None:
    assistant = Assistant(SEEDS, index_copy)
    assistant.load()
    concurrent_equals_sequential(assistant, _gold(10))
