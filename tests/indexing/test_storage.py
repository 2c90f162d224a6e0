"""Plain-file storage of the index folder: checksums, the manifest, the writers' lock and
atomic replacement — crash safety (issue 6, part 3): SIGKILL half-way, full disk, torn swap.

A child process rebuilds the index of a *changed* corpus with a slow fake embedder and is
killed at a chosen stage; the previous index must still load and answer identically, and no
temporary folder is ever read as an index.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import PARIS, TINY, FakeEmbedder, write_corpus

from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.documents.loading import load_seeds
from survqa.errors import IndexDamagedError, IndexMissingError
from survqa.indexing import index as index_module
from survqa.indexing import storage
from survqa.settings import Settings

TESTS = Path(__file__).resolve().parents[1]  # holds conftest.py, for the child process
CHANGED = {**TINY, "c.txt": "Les caméras de Lyon\n\nLyon compte 4 000 caméras. Nice en a plus.\n"}

CHILD = r"""
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from conftest import FakeEmbedder
from survqa.documents.loading import load_seeds
from survqa.indexing import index as index_module, storage
from survqa.settings import Settings

corpus, target, stage, flag = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], Path(sys.argv[5])

def reached(name):
    if name == stage:
        flag.write_text(name)
        while True:
            time.sleep(0.05)  # wait for SIGKILL

class Slow(FakeEmbedder):
    def embed_passages(self, texts):
        reached("embedding")
        return super().embed_passages(texts)

real_fsync_tree, real_rename = storage._fsync_tree, Path.rename

def fsync_tree(folder):
    reached("writing")  # every file of the new index written, nothing swapped yet
    real_fsync_tree(folder)

def rename(self, new):
    result = real_rename(self, new)
    if ".old-" in str(new):
        reached("swapping")  # the previous index moved aside, the new one not yet in place
    return result

storage._fsync_tree, Path.rename = fsync_tree, rename
index_module.build(load_seeds(corpus), Slow(), Settings(), target)
flag.write_text("finished")
"""


def fingerprint(assistant: Assistant) -> list[tuple[Any, ...]]:
    return [(e.source, e.start, e.end, e.answer_start, round(e.score, 5))
            for e in assistant.ask(PARIS, 5).excerpts]  # fmt: skip


def previous_answers(corpus: Path, target: Path) -> list[tuple[Any, ...]]:
    """Answers read from the index folder as it is, with no rebuild allowed."""
    loaded = index_module.load(target, FakeEmbedder())
    assert loaded.manifest["counts"]["passages"] > 0
    assistant = Assistant(corpus, target, embedder=FakeEmbedder())
    documents = {d.source: d for d in load_seeds(corpus)}
    # Collection.open would rebuild a stale index: answer from the folder as it is
    assistant.collection.open = lambda *, rebuild=False: Corpus(documents, loaded)  # type: ignore[method-assign]
    return fingerprint(assistant)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path, list[tuple[Any, ...]]]:
    old_corpus = write_corpus(tmp_path / "old", TINY)
    new_corpus = write_corpus(tmp_path / "new", CHANGED)
    target = tmp_path / "index"
    index_module.build(load_seeds(old_corpus), FakeEmbedder(), Settings(), target)
    before = previous_answers(old_corpus, target)
    return old_corpus, new_corpus, target, before


def debris(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.glob(f".{target.name}.*-*"))


# ---------------------------------------------------------------- crash safety


@pytest.mark.parametrize("stage", ["embedding", "writing", "swapping"])
def test_sigkill_during_rebuild_keeps_the_previous_index(setup: Any, stage: str) -> None:
    old_corpus, new_corpus, target, before = setup
    flag = target.parent / "flag"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(TESTS), str(new_corpus), str(target), stage, str(flag)]
    )
    try:
        while not flag.exists():
            assert child.poll() is None, "the build ended before reaching its stage"
            time.sleep(0.05)
        assert flag.read_text() == stage
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    if stage == "swapping":
        assert not target.exists() and any(".old-" in n for n in debris(target))
    elif stage == "writing":
        assert any(".tmp-" in n for n in debris(target))
    # the previous index (restored from .old-* when the swap was torn) answers identically
    assert index_module.check(target) == []
    assert previous_answers(old_corpus, target) == before
    assert not any(".old-" in n for n in debris(target))
    # the next build clears the debris and serves the new corpus
    fresh = Assistant(new_corpus, target, embedder=FakeEmbedder())
    assert any(e.source == "c.txt" for e in fresh.ask("Combien de caméras à Lyon ?").excerpts)
    assert debris(target) == []


def test_temporary_folders_are_never_loaded(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    index_module.build(load_seeds(corpus), FakeEmbedder(), Settings(), target)
    target.rename(tmp_path / ".index.tmp-99999")
    with pytest.raises(IndexMissingError):
        index_module.load(target, FakeEmbedder())
    assert index_module.check(target) == [f"no index in {target}"]
    assert not target.exists()  # a .tmp-* folder is never promoted


@pytest.mark.parametrize("victim", ["write_bytes", "write_text", "fsync", "rename"])
def test_full_disk_during_rebuild_keeps_the_previous_index(
    setup: Any, monkeypatch: pytest.MonkeyPatch, victim: str
) -> None:
    old_corpus, new_corpus, target, before = setup
    manifest_before = (target / "manifest.json").read_bytes()

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    real_rename = Path.rename
    if victim == "rename":  # the disk fills when the new folder is moved in

        def rename(self: Path, new: Any) -> Any:
            if ".tmp-" in self.name:
                full()
            return real_rename(self, new)

        monkeypatch.setattr(Path, "rename", rename)
    elif victim == "fsync":
        monkeypatch.setattr(storage.os, "fsync", full)
    else:
        monkeypatch.setattr(Path, victim, full)
    with pytest.raises(OSError) as caught:
        index_module.build(load_seeds(new_corpus), FakeEmbedder(), Settings(), target)
    assert caught.value.errno == errno.ENOSPC
    monkeypatch.undo()
    if victim == "rename":  # torn swap: the previous index waits under .old-*
        assert not target.exists()
    assert index_module.check(target) == []
    assert (target / "manifest.json").read_bytes() == manifest_before
    assert previous_answers(old_corpus, target) == before
    assert not any(".tmp-" in n for n in debris(target))


def test_recover_restores_an_interrupted_swap(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    index_module.build(load_seeds(corpus), FakeEmbedder(), Settings(), target)
    before = previous_answers(corpus, target)
    target.rename(tmp_path / ".index.old-4242")
    (tmp_path / ".index.tmp-4242").mkdir()  # a half-written new index
    (tmp_path / ".index.tmp-4242" / "manifest.json").write_text("{", encoding="utf-8")
    assert previous_answers(corpus, target) == before  # load() calls recover()
    assert target.is_dir() and not (tmp_path / ".index.old-4242").exists()


def test_recover_waits_for_a_live_builder(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    index_module.build(load_seeds(corpus), FakeEmbedder(), Settings(), target)
    aside = tmp_path / ".index.old-4242"
    with storage.index_lock(target):  # a builder between its two renames
        target.rename(aside)
        reader = threading.Thread(target=storage.recover, args=(target,))
        reader.start()
        reader.join(0.3)
        assert not target.exists(), "recover() took the builder's folder back mid-swap"
        shutil.copytree(aside, target)  # the builder's second rename
    reader.join()
    assert target.is_dir() and aside.exists()  # left for the next build to clear
    index_module.build(load_seeds(corpus), FakeEmbedder(), Settings(), target)
    assert debris(target) == []


def test_a_failed_write_leaves_the_target_and_no_temporary_folder(tmp_path: Path) -> None:
    target = tmp_path / "index"
    target.mkdir()
    (target / "kept.txt").write_text("previous", encoding="utf-8")
    with pytest.raises(RuntimeError, match="boom"), storage.atomic_folder(target) as tmp:
        (tmp / "half.txt").write_text("new", encoding="utf-8")
        raise RuntimeError("boom")
    assert [p.name for p in target.iterdir()] == ["kept.txt"]
    assert debris(target) == []
    with storage.atomic_folder(target) as tmp:
        (tmp / "new.txt").write_text("new", encoding="utf-8")
    assert [p.name for p in target.iterdir()] == ["new.txt"] and debris(target) == []


# ---------------------------------------------------------------- the writers' lock


def test_index_lock_is_reentrant_in_one_thread(tmp_path: Path) -> None:
    target = tmp_path / "index"
    (tmp_path / "sub").mkdir()
    with storage.index_lock(target):
        with storage.index_lock(target), storage.index_lock(tmp_path / "sub" / ".." / "index"):
            pass  # the same folder, however it is spelled: no deadlock
        assert (tmp_path / ".index.lock").exists()
    # released: another thread takes it at once
    taken = threading.Event()

    def take() -> None:
        with storage.index_lock(target):
            taken.set()

    worker = threading.Thread(target=take)
    worker.start()
    assert taken.wait(10)
    worker.join()


def test_index_lock_excludes_another_thread(tmp_path: Path) -> None:
    target = tmp_path / "index"
    order: list[str] = []
    inside = threading.Event()

    def other() -> None:
        with storage.index_lock(target):
            order.append("other in")

    with storage.index_lock(target):
        worker = threading.Thread(target=other)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and order == []  # waiting for the lock
        with storage.index_lock(target):  # re-entered while the other thread waits
            inside.set()
        order.append("holder out")
    worker.join(10)
    assert not worker.is_alive() and order == ["holder out", "other in"] and inside.is_set()


def test_index_lock_excludes_another_process(tmp_path: Path) -> None:
    target = tmp_path / "index"
    code = (
        "import sys, time; from pathlib import Path; from survqa.indexing import storage\n"
        "print('ready', flush=True)\n"
        "with storage.index_lock(Path(sys.argv[1])):\n"
        "    print(time.monotonic(), flush=True)\n"
    )
    with storage.index_lock(target):
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(0.5)
        assert child.poll() is None  # blocked on the flock
        released = time.monotonic()
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0 and float(out) >= released


# ---------------------------------------------------------------- checksums and manifest


def _folder(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path / "f"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"abc")
    (folder / "sub" / "b.txt").write_text("b", encoding="utf-8")
    manifest = {"files": storage.checksums(folder)}
    storage.write_json(folder / storage.MANIFEST, manifest)
    return folder, manifest


def test_checksums_cover_every_file_but_the_manifest(tmp_path: Path) -> None:
    folder, manifest = _folder(tmp_path)
    assert manifest["files"] == {
        "a.bin": {"sha256": storage.sha256_bytes(b"abc"), "bytes": 3},
        "sub/b.txt": {"sha256": storage.sha256_bytes(b"b"), "bytes": 1},
    }
    assert storage.checksums(folder) == manifest["files"]  # the manifest itself is left out
    assert storage.read_manifest(folder) == manifest
    assert storage.sha256_file(folder / "a.bin") == storage.sha256_bytes(b"abc")


def test_verified_bytes_and_verify_all(tmp_path: Path) -> None:
    folder, manifest = _folder(tmp_path)
    assert storage.verified_bytes(folder, "a.bin", manifest) == b"abc"
    assert storage.verify_all(folder, manifest) == []
    (folder / "a.bin").write_bytes(b"abd")  # same size, other bytes
    with pytest.raises(IndexDamagedError, match="checksum"):
        storage.verified_bytes(folder, "a.bin", manifest)
    (folder / "sub" / "b.txt").unlink()
    with pytest.raises(IndexDamagedError, match="missing"):
        storage.verified_bytes(folder, "sub/b.txt", manifest)
    with pytest.raises(IndexDamagedError, match="lists no file"):
        storage.verified_bytes(folder, "other", manifest)
    assert storage.verify_all(folder, manifest) == ["a.bin", "sub/b.txt"]


@pytest.mark.parametrize("content", [b"{", b"\xff\xfe", b"[1, 2]"])
def test_unreadable_manifest_is_damage(tmp_path: Path, content: bytes) -> None:
    (tmp_path / storage.MANIFEST).write_bytes(content)
    with pytest.raises(IndexDamagedError, match="survqa index --rebuild"):
        storage.read_manifest(tmp_path)
    with pytest.raises(FileNotFoundError):
        storage.read_manifest(tmp_path / "missing")


def test_manifest_is_sorted_utf8_json(tmp_path: Path) -> None:
    storage.write_json(tmp_path / "m.json", {"b": "été", "a": 1})
    text = (tmp_path / "m.json").read_text(encoding="utf-8")
    assert text.index('"a"') < text.index('"b"') and "été" in text and text.endswith("\n")
    assert json.loads(text) == {"a": 1, "b": "été"}


def test_remove_debris_keeps_the_index(tmp_path: Path) -> None:
    target = tmp_path / "index"
    for name in ("index", ".index.tmp-1", ".index.old-2", ".other.tmp-3"):
        (tmp_path / name).mkdir()
    storage.remove_debris(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-3", "index"]
