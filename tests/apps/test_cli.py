"""The command line: exit statuses and one-line errors, `survqa list` as an aligned table,
add / remove, index check and rebuild, eval, and the rendering of answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PARIS, ROOT, FakeEmbedder, run_cli
from sample_files import HTML, encrypted_pdf, inbox, write

from survqa import Assistant, Settings
from survqa.apps import cli
from survqa.evaluation import DEPTH, answer_rank
from survqa.records import Answer, Citation, Excerpt

MAX = Settings().max_query_chars
COLUMNS = ["title", "source", "passages", "added", "publisher"]


@pytest.fixture
def cli_fast(tiny_assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> Assistant:
    monkeypatch.setattr(cli, "_assistant", lambda args: tiny_assistant)
    return tiny_assistant


def assert_one_line_error(code: int, err: str) -> None:
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and err.startswith("survqa")


# ---------------------------------------------------------------- ask: exit statuses


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


def test_cli_ask_json_is_the_answer_dict(
    cli_fast: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "ask", PARIS, "-k", "2", "--json", "--source", "a.txt",
                           "--history", "Et Berlin ?")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and 1 <= len(data["excerpts"]) <= 2
    assert {e["source"] for e in data["excerpts"]} == {"a.txt"}
    first = data["excerpts"][0]
    assert (
        first["answer"]
        == first["text"][
            first["answer_start"] - first["start"] : first["answer_end"] - first["start"]
        ]
    )


@pytest.mark.parametrize("question", ["???", "?!", "   ", "…"])
def test_a_question_without_words_says_what_to_type(
    cli_fast: Assistant, capsys: pytest.CaptureFixture[str], question: str
) -> None:
    code, _, err = run_cli(capsys, "ask", question)
    assert_one_line_error(code, err)
    assert "has no words: type a question in words, for example survqa ask" in err
    assert "empty" not in err


def test_source_takes_a_title_fragment_or_the_file_name(
    cli_fast: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("belgrade", "Belgrade et Huawei", "b.txt", "b"):
        code, out, err = run_cli(capsys, "ask", "Qui installe des caméras ?", "--json",
                                 "--source", name)  # fmt: skip
        assert code == 0, err
        assert {e["source"] for e in json.loads(out)["excerpts"]} == {"b.txt"}
    code, out, _ = run_cli(capsys, "ask", PARIS, "--json", "--source", "CAMERAS de paris")
    assert code == 0 and {e["source"] for e in json.loads(out)["excerpts"]} == {"a.txt"}
    code, _, err = run_cli(capsys, "ask", PARIS, "--source", "e")
    assert_one_line_error(code, err)
    assert "'e' matches 2 documents" in err and "a.txt" in err and "b.txt" in err


def test_the_chosen_documents_do_not_say_names_the_title() -> None:
    answer = Answer(question="q", excerpts=[_excerpt()], no_answer=True, abstention="documents",
                    elsewhere="b.txt")  # fmt: skip
    out = cli.render_answer(answer, titles={"b.txt": "Belgrade et Huawei"})
    assert out.startswith("Les documents choisis ne le disent pas ; le corpus répond dans "
                          "« Belgrade et Huawei » (b.txt).")  # fmt: skip


def cli_env(index: Path) -> dict[str, str]:
    # strict stdout encoding, as on a machine with a UTF-8 locale
    return {**os.environ, "SURVQA_INDEX": str(index), "PYTHONIOENCODING": "utf-8:strict"}


def test_cli_invalid_utf8_bytes_in_argv(tmp_path: Path, tiny_assistant: Assistant) -> None:
    # a question without words is refused before any index is loaded or built (cmd_ask)
    cases = [[b"\xff\xfe"], [b"\xff\xfe", b"-k", b"\xff"], [b"Paris", b"-k", b"0\xff"]]
    for argv in cases:
        done = subprocess.run(
            [sys.executable, "-m", "survqa", "ask", "--corpus", str(tiny_assistant.corpus_dir),
             *argv],
            capture_output=True, env=cli_env(tmp_path / "none"), timeout=120,
        )  # fmt: skip
        err = done.stderr.decode("utf-8", "replace")
        assert_one_line_error(done.returncode, err)


@pytest.mark.slow
def test_cli_invalid_utf8_in_a_real_question_still_answers(index_copy: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "survqa", "ask", b"Combien de cam\xe9ras \xff compte Paris ?",
         "--json", "-k", "2", "--history", b"\xfe"],
        capture_output=True, env=cli_env(index_copy), timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    data = json.loads(done.stdout.decode("utf-8"))
    assert data["excerpts"] and "\ufffd" in data["question"]


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ["ask", "   "], ["ask", "Paris", "-k", "0"], ["ask", "Paris", "--source", "x.txt"],
])  # fmt: skip
def test_cli_process_with_the_real_model_exits_2_with_one_line(
    index_copy: Path, args: list[str]
) -> None:
    bad = subprocess.run([sys.executable, "-m", "survqa", *args], capture_output=True, text=True,
                         timeout=300, env=cli_env(index_copy), cwd=ROOT)  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


# ---------------------------------------------------------------- index


def test_index_check_exit_status_via_subprocess(tiny_assistant: Assistant, tmp_path: Path) -> None:
    built = tmp_path / "index"
    shutil.copytree(tiny_assistant.index_dir, built)

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "survqa", "index", "--check", "--index", str(built),
             "--corpus", str(tiny_assistant.corpus_dir)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    healthy = check()
    assert healthy.returncode == 0 and healthy.stdout.startswith("ok:")
    data = bytearray((built / "dense.faiss").read_bytes())
    data[len(data) // 2] ^= 0x01
    (built / "dense.faiss").write_bytes(bytes(data))
    damaged = check()
    assert damaged.returncode == 1 and "dense.faiss" in damaged.stderr
    assert "Traceback" not in damaged.stderr
    shutil.rmtree(built)
    assert check().returncode == 1


def test_index_builds_and_reports_its_counts(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr("survqa.collection.collection.make_embedder", lambda m: FakeEmbedder())
    folders = ["--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"),
               "--library", str(tmp_path / "library")]  # fmt: skip
    code, out, _ = run_cli(capsys, "index", *folders)
    assert code == 0
    counts = "5 passages, 9 sentences, fake:hashed-stems, faiss backend"
    assert out == f"index ready: {tmp_path / 'index'} ({counts})\n"
    code, out, _ = run_cli(capsys, "index", "--check", *folders)
    assert (code, out) == (0, f"ok: {tmp_path / 'index'}\n")


# ---------------------------------------------------------------- list, add, remove


def table(out: str) -> tuple[list[int], list[list[str]]]:
    """The column offsets of ``survqa list``'s header and the cells of each row."""
    header, *lines = out.splitlines()
    starts = [header.index(name) for name in COLUMNS]
    assert header.split() == COLUMNS and starts[0] == 0
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    return starts, [[line[a:b].strip() for a, b in bounds] for line in lines]


def expected_cell(row: dict[str, object], name: str) -> str:
    """What `survqa list` shows of a `survqa list --json` row."""
    value = row[name]
    if name == "added":
        return str(value or "")[:10] or "seed"
    text = "" if value is None else str(value)
    width = {"title": 60, "publisher": 30}.get(name, 0)
    return text[: width - 1] + "…" if width and len(text) > width else text


def assert_aligned(out: str, rows: list[dict[str, object]]) -> None:
    """Every column starts at the header's offset, after two spaces, on every line."""
    starts, cells = table(out)
    lines = out.splitlines()
    assert len(cells) == len(rows)
    for line, row in zip(lines[1:], rows, strict=True):
        assert line.startswith(expected_cell(row, "title"))
        for name, start in zip(COLUMNS[1:], starts[1:], strict=True):
            shown = expected_cell(row, name)
            if not shown:  # an empty last cell: the line is cut before it
                assert len(line) <= start or line[start - 2 : start + 1].isspace()
                continue
            assert line[start - 2 : start] == "  ", (line, name)
            assert line[start:].startswith(shown), (line, name)
    assert all(line == line.rstrip() for line in lines)  # no trailing spaces


def test_list_is_an_aligned_table_and_json_parses(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    long_title = "Un titre très long " * 6
    catalog = json.loads((tiny_corpus / "catalog.json").read_text(encoding="utf-8"))
    catalog["documents"][1].update(title=long_title, publisher=None)
    (tiny_corpus / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    folders = ["--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"),
               "--library", str(tmp_path / "library")]  # fmt: skip
    monkeypatch.setattr("survqa.collection.collection.make_embedder", lambda m: FakeEmbedder())
    assert run_cli(capsys, "add", str(write(tmp_path / "in", "lyon.html", HTML)), *folders)[0] == 0
    code, out, err = run_cli(capsys, "list", "--json", *folders)
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [r["source"] for r in rows][:2] == ["a.txt", "b.txt"] and len(rows) == 3
    assert [r["passages"] for r in rows][:2] == [3, 2] and rows[2]["passages"] > 0
    code, out, _ = run_cli(capsys, "list", *folders)
    assert code == 0
    assert_aligned(out, rows)
    _, cells = table(out)
    assert cells[1][0] == long_title[:59] + "…"  # titles cut at 60 characters
    assert [c[3] for c in cells] == ["seed", "seed", rows[2]["added"][:10]]
    assert cells[1][4] == "" and cells[2][4] == "Le Quotidien"


def test_list_needs_no_model_and_no_index(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    def no_model(model: str) -> FakeEmbedder:
        raise AssertionError("survqa list loaded a model")

    monkeypatch.setattr("survqa.collection.collection.make_embedder", no_model)
    code, out, _ = run_cli(capsys, "list", "--corpus", str(tiny_corpus), "--index",
                           str(tmp_path / "none"), "--library", str(tmp_path / "lib"))  # fmt: skip
    assert code == 0 and not (tmp_path / "none").exists()
    _, cells = table(out)
    assert [(c[1], c[2]) for c in cells] == [("a.txt", ""), ("b.txt", "")]  # not indexed


def test_cli_add_list_remove(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr("survqa.collection.collection.make_embedder", lambda model: FakeEmbedder())
    folders = ["--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"),
               "--library", str(tmp_path / "library")]  # fmt: skip
    files = inbox(tmp_path / "in")
    code, out, _ = run_cli(capsys, "add", str(files), *folders)
    assert code == 0 and "3 document(s) added" in out
    code, out, _ = run_cli(capsys, "list", *folders)
    assert code == 0
    _, rows = table(out)
    assert [r[3] for r in rows][:2] == ["seed", "seed"] and len(rows) == 5
    assert "Rapport Vigie 2024" in [r[0] for r in rows] and all(int(r[2]) > 0 for r in rows)
    code, _, err = run_cli(capsys, "add", str(files / "lyon.html"), *folders)
    assert code == 1 and "same text as the existing document" in err
    assert "removed:" in main_ok(capsys, "remove", "vigie.pdf", *folders)
    code, _, err = run_cli(capsys, "remove", "a.txt", *folders)
    assert code == 2 and "read-only" in err
    write(tmp_path, "empty.md", b"")
    assert run_cli(capsys, "add", str(tmp_path / "empty.md"), "--max-size", "1", *folders)[0] == 1
    code, _, err = run_cli(capsys, "add", str(files / "lyon.html"), "--max-size", "0", *folders)
    assert code == 2 and "--max-size must be a positive number" in err


def main_ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    return out


def test_add_skip_bad_reports_and_exits_1(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr("survqa.collection.collection.make_embedder", lambda model: FakeEmbedder())
    good = write(tmp_path / "in", "lyon.html", HTML)
    bad = write(tmp_path / "in", "enc.pdf", encrypted_pdf(["Secret."]))
    code, out, err = run_cli(capsys, "add", str(good), str(bad), "--skip-bad", "--corpus",
                             str(tiny_corpus), "--index", str(tmp_path / "index"), "--library",
                             str(tmp_path / "library"))  # fmt: skip
    assert code == 1 and "1 document(s) added" in out and "Lyon et ses caméras" in out
    assert err.startswith("skipped: ") and "encrypted" in err


# ---------------------------------------------------------------- eval


def test_eval_prints_the_report_and_writes_json(
    cli_fast: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = tmp_path / "gold.jsonl"
    items = [
        {"id": "fr-001", "question": PARIS, "lang": "fr", "split": "test", "in_corpus": True,
         "answers": ["56 000 caméras"], "sources": ["a.txt"], "kind": "number"},
        {"id": "out-001", "question": "Recette de la tarte Tatin ?", "lang": "fr",
         "split": "test", "in_corpus": False, "answers": [], "sources": [], "kind": "out"},
    ]  # fmt: skip
    gold.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    report = tmp_path / "report.json"
    code, out, _ = run_cli(capsys, "eval", "--gold", str(gold), "--json", str(report))
    assert code == 0 and out.startswith("split test: 1 answerable, 1 out of corpus")
    data = json.loads(report.read_text(encoding="utf-8"))
    # what the assistant answers, scored by hand: the figure is the second excerpt (the
    # fake embedder puts the heading "Les caméras de Paris" first)
    rank = answer_rank(cli_fast.ask(PARIS, DEPTH), items[0])
    assert rank == 2
    assert data["questions"] == 2 and data["answerable"] == 1 and data["out_of_corpus"] == 1
    assert (data["hit@1"], data["hit@3"], data["mrr@10"]) == (0.0, 1.0, 0.5)
    assert data["misses"] == ["fr-001"] and data["split"] == "test"
    out_answer = cli_fast.ask(items[1]["question"], DEPTH)
    assert data["abstention_recall"] == float(out_answer.no_answer)


# ---------------------------------------------------------------- rendering


def _excerpt(**changes: object) -> Excerpt:
    text = "Avant. Paris compte 56 000 caméras. Après."
    fields: dict[str, object] = {
        "text": text, "source": "a.txt", "title": "Titre", "start": 10, "end": 10 + len(text),
        "answer_start": 17, "answer_end": 45, "publisher": "AFP", "score": 1.5,
        "confidence": "high",
    }  # fmt: skip
    fields.update(changes)
    return Excerpt(**fields)  # type: ignore[arg-type]


def test_render_answer_marks_the_sentence_and_cites_the_span() -> None:
    also = Citation(text="x", source="b.txt", title="Autre\x1b[31m", start=3, end=4,
                    answer_start=3, answer_end=4)  # fmt: skip
    answer = Answer(question="q", excerpts=[_excerpt(also_in=(also,))], no_answer=False)
    assert cli.render_answer(answer).splitlines() == [
        "1. [high] Titre — AFP",
        "   a.txt [10:52]  score 1.500",
        "   Avant. [[Paris compte 56 000 caméras.]] Après.",
        "   also in: Autre[31m — b.txt [3:4]",
    ]
    coloured = cli.render_answer(answer, colour=True)
    assert "\033[1;33mParis compte 56 000 caméras.\033[0m" in coloured


def test_render_answer_says_when_the_corpus_does_not_answer() -> None:
    closest = cli.render_answer(Answer(question="q", excerpts=[_excerpt()], no_answer=True))
    assert closest.startswith(cli.NO_ANSWER_FR + " Passages les plus proches :\n\n1. [high]")
    nothing = cli.render_answer(Answer(question="q", excerpts=[], no_answer=True))
    assert nothing.count(cli.NO_ANSWER_FR) == 2


def test_render_answer_says_when_the_chosen_documents_do_not_say() -> None:
    declined = Answer(question="q", excerpts=[_excerpt()], no_answer=True,
                      abstention="documents", elsewhere="002_x.txt")  # fmt: skip
    text = cli.render_answer(declined)
    assert text.startswith(
        "Les documents choisis ne le disent pas ; le corpus répond dans 002_x.txt."
        " Passages les plus proches :\n\n1. [high]"
    )
    assert cli.NO_ANSWER_FR not in text
    corpus = Answer(question="q", excerpts=[_excerpt()], no_answer=True, abstention="corpus")
    assert cli.render_answer(corpus).startswith(cli.NO_ANSWER_FR)


def test_document_text_cannot_drive_the_terminal() -> None:
    hostile = _excerpt(title="T\x1b]0;pwned\x07itre", text="Avant.\x1b[2J Paris compte 56 000 "
                       "caméras. Après.", end=10 + 47)  # fmt: skip
    rendered = cli.render_excerpt(1, hostile, colour=False)
    assert "\x1b" not in rendered and "\x07" not in rendered
    assert cli._printable("a\u202eb\nc\x00") == "ab\nc"
