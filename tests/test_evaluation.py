"""The evaluation harness: metrics by hand on made-up rows, which questions each split
runs, then the quality gates with the real model (slow) on the whole gold set (327
questions) and on the held-out fresh split (94).

The gates guard against regressions at the level measured when they were set (2026-12-02,
`survqa eval --split all` / `--split fresh`, docs/evaluation.md), a few questions below
it; they are far below the targets of the quality issue on the fresh split.
"""

from typing import Any

import pytest
from gold_data import QUESTIONS_PATH

from survqa.evaluation import (
    DEFAULT_GOLD,
    FRESH_GOLD,
    GOLD_DIR,
    answer_rank,
    contains_answer,
    evaluate,
    format_report,
    load_gold,
    sentence_correct,
    summarise,
)
from survqa.records import Answer, Excerpt


def _row(
    qid: str, lang: str, rank: int | None, in_corpus: bool = True, no_answer: bool = False
) -> dict:
    return {
        "id": qid,
        "lang": lang,
        "in_corpus": in_corpus,
        "no_answer": no_answer,
        "rank": rank,
        "sentence_ok": rank == 1,
        "words": 50,
        "score": 1.0,
        "ms": 10.0,
    }


def test_summary_metrics_by_hand() -> None:
    rows = [
        _row("a", "fr", 1),
        _row("b", "fr", 3),
        _row("c", "en", None),
        _row("d", "en", 1, no_answer=True),
        _row("o1", "fr", None, in_corpus=False, no_answer=True),
        _row("o2", "en", None, in_corpus=False, no_answer=False),
    ]
    report = summarise(rows)
    assert report["hit@1"] == pytest.approx(2 / 4)
    assert report["hit@3"] == pytest.approx(3 / 4)
    assert report["mrr@10"] == pytest.approx((1 + 1 / 3 + 0 + 1) / 4)
    assert report["answered@1"] == pytest.approx(1 / 4)
    assert report["abstention_recall"] == pytest.approx(1 / 2)
    assert report["abstention_precision"] == pytest.approx(1 / 2)
    assert report["false_abstention"] == pytest.approx(1 / 4)
    assert report["by_language"]["en"] == {"n": 2, "hit@1": 0.5}
    assert report["misses"] == ["b", "c"]


def _excerpt(source: str, text: str, answer: str) -> Excerpt:
    a = text.index(answer)
    return Excerpt(text=text, source=source, title="t", start=0, end=len(text), answer_start=a,
                   answer_end=a + len(answer))  # fmt: skip


def test_an_answer_counts_in_its_sources_whatever_the_line_breaks() -> None:
    item = {"sources": ["a.txt"], "answers": ["56 000 caméras", "vidéosurveillance"]}
    assert contains_answer("Paris compte 56 000\ncaméras.", item["answers"])
    assert contains_answer("la vidéo-\nsurveillance", item["answers"])
    assert not contains_answer("56 000 drones", item["answers"])
    wrong_source = _excerpt("b.txt", "Paris compte 56 000 caméras.", "Paris")
    right = _excerpt("a.txt", "Avant. Paris compte 56 000 caméras.", "Avant.")
    answer = Answer(question="q", excerpts=[wrong_source, right], no_answer=False)
    assert answer_rank(answer, item) == 2
    assert answer_rank(Answer(question="q", excerpts=[], no_answer=True), item) is None
    assert not sentence_correct(right, item)  # the excerpt holds it, its sentence does not
    sentence = "Paris compte 56 000 caméras."
    assert sentence_correct(_excerpt("a.txt", f"X. {sentence}", sentence), item)


def test_report_text() -> None:
    rows = [_row("a", "fr", 1), _row("b", "en", None), _row("o", "fr", None, False, True)]
    report = {**summarise(rows), "split": "dev"}
    text = format_report(report)
    assert text.splitlines()[0] == "split dev: 2 answerable, 1 out of corpus"
    assert "  hit@1                 0.500" in text and "hit@1 [en] 0.000 (n=1)" in text
    assert "misses at rank 1: b" in text and "wrong abstentions" not in text


def test_the_gold_set_ships_with_the_package() -> None:
    assert GOLD_DIR.parent.name == "survqa" and DEFAULT_GOLD == GOLD_DIR / "questions.jsonl"
    assert DEFAULT_GOLD == QUESTIONS_PATH and FRESH_GOLD == GOLD_DIR / "fresh.jsonl"
    gold = load_gold()
    assert len(gold) == 327 and {"dev", "test"} == {g["split"] for g in gold}
    fresh = load_gold(FRESH_GOLD)
    assert len(fresh) == 94 and {g["split"] for g in fresh} == {"fresh"}


class Recorder:
    """A stand-in assistant: records the questions asked, never answers."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def load(self) -> None:
        pass

    def ask(self, question: str, k: int = 5) -> Answer:
        self.asked.append(question)
        return Answer(question=question, excerpts=[], no_answer=True)


@pytest.mark.parametrize(
    ("split", "count"), [("all", 327), ("dev", 167), ("test", 160), ("fresh", 94)]
)
def test_each_split_runs_its_questions_only(split: str, count: int) -> None:
    recorder = Recorder()
    report = evaluate(recorder, load_gold(), split=split)  # type: ignore[arg-type]
    items = load_gold(FRESH_GOLD) if split == "fresh" else load_gold()
    expected = [g["question"] for g in items if split in ("all", "fresh") or g["split"] == split]
    assert recorder.asked == ["warm-up", *expected] and len(expected) == count
    assert report["questions"] == count and report["split"] == split
    # never the fresh questions outside the fresh split, never the gold ones in it
    fresh_ids = {g["id"] for g in load_gold(FRESH_GOLD)}
    ids = set(report["misses"]) | set(report["wrong_abstentions"])
    assert (ids <= fresh_ids) if split == "fresh" else not ids & fresh_ids


def _gates(report: dict[str, Any], gates: dict[str, tuple[str, float]]) -> list[str]:
    failed = []
    for key, (op, bound) in gates.items():
        value = report[key]
        if not (value >= bound if op == ">=" else value <= bound):
            failed.append(f"{key} {value:.3f} (gate {op} {bound})")
    return failed


@pytest.mark.slow
def test_quality_gates_on_the_gold_set() -> None:
    from survqa.assistant import default_assistant

    report = evaluate(default_assistant(), load_gold(), split="all")
    # measured: 272 answerable, 55 out of corpus; hit@1 0.710, hit@3 0.846, MRR 0.785,
    # answered@1 0.702, sentence 0.625, abstention recall 0.564 (31/55; the shipped
    # calibration is fitted on these questions), precision 0.861, false abstention 0.018,
    # foreign hit@1 0.722 (65/90), 71.2 words
    assert (report["answerable"], report["out_of_corpus"]) == (272, 55)
    foreign = [row for lang, row in report["by_language"].items() if lang != "fr"]
    report["foreign_hit@1"] = sum(r["hit@1"] * r["n"] for r in foreign) / sum(
        r["n"] for r in foreign
    )
    failed = _gates(report, {
        "hit@1": (">=", 0.69), "hit@3": (">=", 0.83), "mrr@10": (">=", 0.77),
        "answered@1": (">=", 0.685), "sentence_accuracy": (">=", 0.60),
        "abstention_recall": (">=", 0.53), "abstention_precision": (">=", 0.83),
        "false_abstention": ("<=", 0.03), "foreign_hit@1": (">=", 0.70),
        "mean_excerpt_words": ("<=", 75),
    })  # fmt: skip
    assert not failed, failed


@pytest.mark.slow
def test_quality_gates_on_the_fresh_split() -> None:
    from survqa.assistant import default_assistant

    report = evaluate(default_assistant(), load_gold(), split="fresh")
    # measured on the 94 held-out questions (77 answerable): hit@1 0.325 (25), hit@3 0.571
    # (44), MRR 0.469, sentence 0.221 (17), abstention recall 0.529 (9/17), precision
    # 0.900, false abstention 0.013 (1)
    assert (report["answerable"], report["out_of_corpus"]) == (77, 17)
    failed = _gates(report, {
        "hit@1": (">=", 0.30), "hit@3": (">=", 0.54), "mrr@10": (">=", 0.45),
        "sentence_accuracy": (">=", 0.20), "abstention_recall": (">=", 0.47),
        "abstention_precision": (">=", 0.85), "false_abstention": ("<=", 0.03),
        "mean_excerpt_words": ("<=", 75),
    })  # fmt: skip
    assert not failed, failed


@pytest.mark.slow
def test_follow_up_conversations() -> None:
    from gold_data import load_followups

    from survqa.assistant import default_assistant
    from survqa.evaluation import answer_rank

    cases = load_followups()
    assistant = default_assistant()
    hits = sum(
        answer_rank(assistant.ask(c["question"], 5, history=c["history"]), c) == 1 for c in cases
    )
    assert hits >= 7, f"{hits}/{len(cases)} follow-ups answered at rank 1"  # measured 8/10
