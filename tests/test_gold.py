"""Checks on the hand-written gold set (fast, no model)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from gold_data import SEEDS_DIR, load_followups, load_questions, stratum

LANGS = {"fr", "en", "es", "de", "it"}
KINDS = {"number", "name", "list", "fact", "paraphrase", "out"}
QUESTION_KEYS = {"id", "question", "lang", "split", "in_corpus", "answers", "sources", "kind"}
FOLLOWUP_KEYS = {"id", "history", "question", "lang", "answers", "sources"}

QUESTIONS = load_questions()
FOLLOWUPS = load_followups()


SEEDS = {p.name: p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("*.txt")}


def _is_str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def test_question_schema():
    for row in QUESTIONS:
        assert set(row) == QUESTION_KEYS, row.get("id")
        assert isinstance(row["id"], str) and re.fullmatch(r"[a-z]+-\d{3}", row["id"]), row
        assert isinstance(row["question"], str) and row["question"].strip(), row["id"]
        assert row["lang"] in LANGS, row["id"]
        assert row["split"] in {"dev", "test"}, row["id"]
        assert isinstance(row["in_corpus"], bool), row["id"]
        assert _is_str_list(row["answers"]), row["id"]
        assert _is_str_list(row["sources"]), row["id"]
        assert row["kind"] in KINDS, row["id"]
        assert len(set(row["answers"])) == len(row["answers"]), row["id"]
        assert len(set(row["sources"])) == len(row["sources"]), row["id"]


def test_followup_schema():
    assert FOLLOWUPS, "no follow-up cases"
    for row in FOLLOWUPS:
        assert set(row) == FOLLOWUP_KEYS, row.get("id")
        assert re.fullmatch(r"fu-\d{2}", row["id"]), row
        assert _is_str_list(row["history"]) and row["history"], row["id"]
        assert isinstance(row["question"], str) and row["question"].strip(), row["id"]
        assert row["lang"] in LANGS, row["id"]
        assert _is_str_list(row["answers"]) and row["answers"], row["id"]
        assert _is_str_list(row["sources"]) and row["sources"], row["id"]


def test_unique_ids():
    ids = [r["id"] for r in QUESTIONS] + [r["id"] for r in FOLLOWUPS]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes
    questions = [r["question"].strip().lower() for r in QUESTIONS]
    assert len(set(questions)) == len(questions), "duplicate question text"


def test_counts():
    assert len(QUESTIONS) >= 150
    by_group = Counter(stratum(r) for r in QUESTIONS)
    assert by_group["fr"] >= 95, by_group
    assert by_group["other"] >= 35, by_group
    assert by_group["out"] >= 20, by_group
    other_langs = Counter(r["lang"] for r in QUESTIONS if stratum(r) == "other")
    assert other_langs["en"] > other_langs["es"] + other_langs["de"] + other_langs["it"]
    assert other_langs["es"] >= 4, other_langs
    assert other_langs["de"] >= 4, other_langs
    assert other_langs["it"] >= 2, other_langs
    out_langs = Counter(r["lang"] for r in QUESTIONS if stratum(r) == "out")
    assert out_langs["fr"] >= 5 and out_langs["en"] >= 5, out_langs
    assert len(FOLLOWUPS) >= 8
    assert {r["lang"] for r in FOLLOWUPS} >= {"fr", "en"}


def test_every_document_is_covered():
    per_doc = Counter(r["sources"][0] for r in QUESTIONS if r["in_corpus"])
    for name in SEEDS:
        assert per_doc[name] >= 5, (name, per_doc)


def test_kind_matches_in_corpus():
    for row in QUESTIONS:
        assert (row["kind"] == "out") == (not row["in_corpus"]), row["id"]


def test_out_of_corpus_items_are_empty():
    for row in QUESTIONS:
        if not row["in_corpus"]:
            assert row["answers"] == [] and row["sources"] == [], row["id"]
        else:
            assert row["answers"] and row["sources"], row["id"]


@pytest.mark.parametrize("rows", [QUESTIONS, FOLLOWUPS], ids=["questions", "followups"])
def test_answers_are_verbatim_in_sources(rows):
    for row in rows:
        for src in row["sources"]:
            assert src in SEEDS, f"{row['id']}: unknown source {src}"
        texts = [SEEDS[s] for s in row["sources"]]
        for answer in row["answers"]:
            assert "\n" not in answer, f"{row['id']}: answer spans lines: {answer!r}"
            assert answer == answer.strip(), f"{row['id']}: padded answer {answer!r}"
            assert any(answer in t for t in texts), f"{row['id']}: {answer!r} not in sources"
        for src in row["sources"]:
            assert any(a in SEEDS[src] for a in row["answers"]), (
                f"{row['id']}: {src} contains none of the answers"
            )


def test_first_followup_is_the_paris_berlin_example():
    first = FOLLOWUPS[0]
    assert first["id"] == "fu-01"
    assert first["history"] == ["Combien de caméras compte Paris ?"]
    assert first["question"] == "Et à Berlin ?"
    assert first["answers"] == ["Berlin moins de 9 000"]


def test_splits_are_stratified():
    groups = Counter(stratum(r) for r in QUESTIONS)
    for group, total in groups.items():
        for split in ("dev", "test"):
            n = sum(1 for r in QUESTIONS if stratum(r) == group and r["split"] == split)
            assert n >= 0.4 * total, (group, split, n, total)
    # Within each (group, document) cell the two splits differ by at most one item.
    cells: dict[tuple[str, str], Counter] = {}
    for r in QUESTIONS:
        key = (stratum(r), r["sources"][0] if r["sources"] else "")
        cells.setdefault(key, Counter())[r["split"]] += 1
    for key, c in cells.items():
        assert abs(c["dev"] - c["test"]) <= 1, (key, c)


def test_files_are_plain_utf8_jsonl():
    from gold_data import FOLLOWUPS_PATH, QUESTIONS_PATH

    for path in (QUESTIONS_PATH, FOLLOWUPS_PATH):
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        assert not text.startswith("\ufeff")
        assert "\\u00" not in text, f"{path.name}: use ensure_ascii=False"
        assert text.endswith("\n")
