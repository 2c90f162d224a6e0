"""Crash safety of index builds (issue 6, part 3): SIGKILL half-way, full disk, torn swap.

A child process rebuilds the index of a *changed* corpus with a slow fake embedder and is
killed at a chosen stage; the previous index must still load and answer identically, and no
temporary folder is ever read as an index.
"""

from __future__ import annotations

import errno
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
from conftest import TINY, FakeEmbedder, write_corpus

from survqa import Assistant, storage
from survqa import index as index_module
from survqa.corpus import load_documents
from survqa.errors import IndexMissingError
from survqa.settings import Settings

HERE = Path(__file__).resolve().parent
PARIS = "Combien de caméras compte Paris ?"
CHANGED = {**TINY, "c.txt": "Les caméras de Lyon\n\nLyon compte 4 000 caméras. Nice en a plus.\n"}

CHILD = r"""
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from conftest import FakeEmbedder
from survqa import index as index_module, storage
from survqa.corpus import load_documents
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
index_module.build(load_documents(corpus), Slow(), Settings(), target)
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
    # is_stale would rebuild: the corpus of the index is the old one
    assistant._load_or_build = lambda documents, rebuild: loaded  # type: ignore[method-assign]
    return fingerprint(assistant)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path, list[tuple[Any, ...]]]:
    old_corpus = write_corpus(tmp_path / "old", TINY)
    new_corpus = write_corpus(tmp_path / "new", CHANGED)
    target = tmp_path / "index"
    index_module.build(load_documents(old_corpus), FakeEmbedder(), Settings(), target)
    before = previous_answers(old_corpus, target)
    return old_corpus, new_corpus, target, before


def debris(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.glob(f".{target.name}.*-*"))


@pytest.mark.parametrize("stage", ["embedding", "writing", "swapping"])
def test_sigkill_during_rebuild_keeps_the_previous_index(setup: Any, stage: str) -> None:
    old_corpus, new_corpus, target, before = setup
    flag = target.parent / "flag"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(HERE), str(new_corpus), str(target), stage, str(flag)]
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
    index_module.build(load_documents(corpus), FakeEmbedder(), Settings(), target)
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
        index_module.build(load_documents(new_corpus), FakeEmbedder(), Settings(), target)
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
    index_module.build(load_documents(corpus), FakeEmbedder(), Settings(), target)
    before = previous_answers(corpus, target)
    target.rename(tmp_path / ".index.old-4242")
    (tmp_path / ".index.tmp-4242").mkdir()  # a half-written new index
    (tmp_path / ".index.tmp-4242" / "manifest.json").write_text("{", encoding="utf-8")
    assert previous_answers(corpus, target) == before  # load() calls recover()
    assert target.is_dir() and not (tmp_path / ".index.old-4242").exists()


def test_recover_waits_for_a_live_builder(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", TINY)
    target = tmp_path / "index"
    index_module.build(load_documents(corpus), FakeEmbedder(), Settings(), target)
    aside = tmp_path / ".index.old-4242"
    with storage.build_lock(target):  # a builder between its two renames
        target.rename(aside)
        reader = threading.Thread(target=storage.recover, args=(target,))
        reader.start()
        reader.join(0.3)
        assert not target.exists(), "recover() took the builder's folder back mid-swap"
        shutil.copytree(aside, target)  # the builder's second rename
    reader.join()
    assert target.is_dir() and aside.exists()  # left for the next build to clear
    index_module.build(load_documents(corpus), FakeEmbedder(), Settings(), target)
    assert debris(target) == []
