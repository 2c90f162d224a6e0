"""Checks on the hand-written gold set (fast, no model): ``questions.jsonl`` (233 questions
plus 94 blind "pool" questions, the set every fitting choice is made on), ``fresh.jsonl``
(94 held-out questions, split "fresh") and ``followups.jsonl``; and that the held-out
questions are never read when the calibration is fitted (benchmarks/crossval.py)."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gold_data import SEEDS_DIR, load_followups, load_gold, load_questions, stratum

from survqa.evaluation import DEFAULT_GOLD, FRESH_GOLD, GOLD_DIR, contains_answer
from survqa.search.calibrate import FEATURES, Calibration

ROOT = Path(__file__).resolve().parents[1]
LANGS = {"fr", "en", "es", "de", "it"}
KINDS = {"number", "name", "list", "fact", "paraphrase", "reason", "date", "out"}
QUESTION_KEYS = {"id", "question", "lang", "split", "in_corpus", "answers", "sources", "kind"}
BLIND_KEYS = QUESTION_KEYS | {"paraphrase", "near_domain", "origin"}
FOLLOWUP_KEYS = {"id", "history", "question", "lang", "answers", "sources"}

QUESTIONS = load_questions()
ORIGINAL = [r for r in QUESTIONS if "origin" not in r]
POOL = [r for r in QUESTIONS if "origin" in r]
FRESH = load_gold(FRESH_GOLD)
FOLLOWUPS = load_followups()

SEEDS = {p.name: p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("*.txt")}


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _text(row: dict[str, Any]) -> str:
    return row["question"].strip().lower()


def _check_row(row: dict[str, Any], keys: set[str], splits: set[str]) -> None:
    assert set(row) == keys, row.get("id")
    assert isinstance(row["question"], str) and row["question"].strip(), row["id"]
    assert row["lang"] in LANGS, row["id"]
    assert row["split"] in splits, row["id"]
    assert isinstance(row["in_corpus"], bool), row["id"]
    assert isinstance(row["answers"], list) and isinstance(row["sources"], list), row["id"]
    assert all(isinstance(a, str) and a for a in row["answers"]), row["id"]
    assert row["kind"] in KINDS, row["id"]
    assert len(set(row["answers"])) == len(row["answers"]), row["id"]
    assert len(set(row["sources"])) == len(row["sources"]), row["id"]


def test_question_schema() -> None:
    for row in ORIGINAL:
        _check_row(row, QUESTION_KEYS, {"dev", "test"})
        assert re.fullmatch(r"(fr|en|es|de|it|out)-\d{3}", row["id"]), row["id"]
    for row in POOL:  # written blind; split dev/test like the others
        _check_row(row, BLIND_KEYS, {"dev", "test"})
        assert re.fullmatch(r"pool-(out-\d{2}|\d{3})", row["id"]), row["id"]
        assert row["origin"].startswith("pool: written blind"), row["id"]
        assert isinstance(row["paraphrase"], bool) and isinstance(row["near_domain"], bool)
        assert row["id"].startswith("pool-out-") == (not row["in_corpus"]), row["id"]
    for row in FRESH:  # held out: its own split
        _check_row(row, BLIND_KEYS, {"fresh"})
        assert re.fullmatch(r"fresh-(out-\d{2}|\d{3})", row["id"]), row["id"]
        assert row["origin"].startswith("fresh: written blind") and "held out" in row["origin"]
        assert isinstance(row["paraphrase"], bool) and isinstance(row["near_domain"], bool)
        assert row["id"].startswith("fresh-out-") == (not row["in_corpus"]), row["id"]


def test_followup_schema() -> None:
    assert FOLLOWUPS, "no follow-up cases"
    for row in FOLLOWUPS:
        assert set(row) == FOLLOWUP_KEYS, row.get("id")
        assert re.fullmatch(r"fu-\d{2}", row["id"]), row
        assert _is_str_list(row["history"]) and row["history"], row["id"]
        assert isinstance(row["question"], str) and row["question"].strip(), row["id"]
        assert row["lang"] in LANGS, row["id"]
        assert _is_str_list(row["answers"]) and row["answers"], row["id"]
        assert _is_str_list(row["sources"]) and row["sources"], row["id"]


def test_the_files_and_their_sizes() -> None:
    assert GOLD_DIR / "questions.jsonl" == DEFAULT_GOLD and GOLD_DIR / "fresh.jsonl" == FRESH_GOLD
    assert (len(QUESTIONS), len(ORIGINAL), len(POOL), len(FRESH)) == (327, 233, 94, 94)
    assert QUESTIONS[:233] == ORIGINAL  # the pool is appended, the original set unchanged
    assert Counter(r["in_corpus"] for r in POOL) == {True: 77, False: 17}
    assert Counter(r["in_corpus"] for r in FRESH) == {True: 77, False: 17}
    assert not any(r["split"] == "fresh" for r in QUESTIONS)


def test_unique_ids() -> None:
    ids = [r["id"] for r in QUESTIONS + FRESH + FOLLOWUPS]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes
    assert len({_text(r) for r in FRESH}) == len(FRESH)
    assert len({_text(r) for r in ORIGINAL}) == len(ORIGINAL)
    assert len({_text(r) for r in POOL}) == len(POOL)


def test_no_question_is_asked_twice() -> None:
    texts = [_text(r) for r in QUESTIONS]
    assert len(set(texts)) == len(texts), "duplicate question text in questions.jsonl"


def test_no_held_out_question_is_in_the_fitting_set() -> None:
    assert not {_text(r) for r in FRESH} & {_text(r) for r in QUESTIONS}


def test_counts() -> None:
    by_group = Counter(stratum(r) for r in QUESTIONS)
    assert by_group == {"fr": 182, "other": 90, "out": 55}, by_group
    other_langs = Counter(r["lang"] for r in QUESTIONS if stratum(r) == "other")
    assert other_langs["en"] > other_langs["es"] + other_langs["de"] + other_langs["it"]
    assert min(other_langs["es"], other_langs["de"], other_langs["it"]) >= 10, other_langs
    out_langs = Counter(r["lang"] for r in QUESTIONS if stratum(r) == "out")
    assert out_langs["fr"] >= 5 and out_langs["en"] >= 5, out_langs
    fresh_langs = Counter(r["lang"] for r in FRESH if r["in_corpus"])
    assert fresh_langs == {"fr": 47, "en": 10, "es": 7, "de": 7, "it": 6}
    assert sum(r["paraphrase"] for r in FRESH) == 58 and sum(r["near_domain"] for r in FRESH) == 10
    assert len(FOLLOWUPS) >= 8
    assert {r["lang"] for r in FOLLOWUPS} >= {"fr", "en"}


def test_every_document_is_covered() -> None:
    for rows in (QUESTIONS, FRESH):
        per_doc = Counter(r["sources"][0] for r in rows if r["in_corpus"])
        for name in SEEDS:
            assert per_doc[name] >= 5, (name, per_doc)


def test_kind_matches_in_corpus() -> None:
    for row in QUESTIONS + FRESH:
        assert (row["kind"] == "out") == (not row["in_corpus"]), row["id"]


def test_out_of_corpus_items_are_empty() -> None:
    for row in QUESTIONS + FRESH:
        if not row["in_corpus"]:
            assert row["answers"] == [] and row["sources"] == [], row["id"]
        else:
            assert row["answers"] and row["sources"], row["id"]


def _answers_in_sources(rows: list[dict[str, Any]], raw: bool) -> None:
    """Every answer in one of its sources and every source holding one answer: in the raw
    file (``raw``), or after the evaluation's joining of line breaks and hyphenation."""
    for row in rows:
        for src in row["sources"]:
            assert src in SEEDS, f"{row['id']}: unknown source {src}"
        texts = [SEEDS[s] for s in row["sources"]]
        for answer in row["answers"]:
            assert "\n" not in answer, f"{row['id']}: answer spans lines: {answer!r}"
            assert answer == answer.strip(), f"{row['id']}: padded answer {answer!r}"
            found = any(answer in t if raw else contains_answer(t, [answer]) for t in texts)
            assert found, f"{row['id']}: {answer!r} not in sources"
        for src in row["sources"]:
            holds = (any(a in SEEDS[src] for a in row["answers"]) if raw
                     else contains_answer(SEEDS[src], row["answers"]))  # fmt: skip
            assert holds, f"{row['id']}: {src} contains none of the answers"


@pytest.mark.parametrize("rows", [ORIGINAL, FOLLOWUPS], ids=["questions", "followups"])
def test_answers_are_verbatim_in_sources(rows: list[dict[str, Any]]) -> None:
    _answers_in_sources(rows, raw=True)


@pytest.mark.parametrize(("rows", "joined"), [(POOL, 25), (FRESH, 21)], ids=["pool", "fresh"])
def test_blind_answers_are_in_their_sources_as_the_evaluation_reads_them(
    rows: list[dict[str, Any]], joined: int
) -> None:
    # written from the reading form: 25 pool and 21 fresh answers cross a line break or an
    # end-of-line hyphen of the raw text (mostly the PDF text of 002), or a run of spaces;
    # the evaluation joins and collapses them before comparing
    _answers_in_sources(rows, raw=False)
    raw = sum(any(a in SEEDS[s] for s in r["sources"]) for r in rows for a in r["answers"])
    assert sum(len(r["answers"]) for r in rows) - raw == joined


def test_first_followup_is_the_paris_berlin_example() -> None:
    first = FOLLOWUPS[0]
    assert first["id"] == "fu-01"
    assert first["history"] == ["Combien de caméras compte Paris ?"]
    assert first["question"] == "Et à Berlin ?"
    assert first["answers"] == ["Berlin moins de 9 000"]


def test_splits_are_stratified() -> None:
    for rows in (ORIGINAL, QUESTIONS):
        groups = Counter(stratum(r) for r in rows)
        for group, total in groups.items():
            for split in ("dev", "test"):
                n = sum(1 for r in rows if stratum(r) == group and r["split"] == split)
                assert n >= 0.45 * total, (group, split, n, total)
    # within each (group, document) cell of the original set the two splits differ by at
    # most one item (the pool's were drawn at random: 16 / 14 foreign questions)
    cells: dict[tuple[str, str], Counter[str]] = {}
    for r in ORIGINAL:
        key = (stratum(r), r["sources"][0] if r["sources"] else "")
        cells.setdefault(key, Counter())[r["split"]] += 1
    for key, c in cells.items():
        assert abs(c["dev"] - c["test"]) <= 1, (key, c)
    pool = Counter((stratum(r), r["split"]) for r in POOL)
    assert pool == {("fr", "dev"): 24, ("fr", "test"): 23, ("other", "dev"): 16,
                    ("other", "test"): 14, ("out", "dev"): 10, ("out", "test"): 7}  # fmt: skip


def test_files_are_plain_utf8_jsonl() -> None:
    from gold_data import FOLLOWUPS_PATH, QUESTIONS_PATH

    for path in (QUESTIONS_PATH, FOLLOWUPS_PATH, FRESH_GOLD):
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        assert not text.startswith("\ufeff")
        assert "\\u00" not in text, f"{path.name}: use ensure_ascii=False"
        assert text.endswith("\n")


# ---------------------------------------------------------------- the fresh split is never fitted


@pytest.fixture
def crossval(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """benchmarks.crossval with the per-question measurement replaced by made-up rows (no
    model): what it reads, measures and fits on is recorded; --fit writes to tmp_path."""
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import crossval as module
    from benchmarks import quality

    log: dict[str, list[Any]] = {"read": [], "measured": [], "fitted": []}
    real_load, real_fit = module.load_gold, module.fit

    def load(path: Path | None = None) -> list[dict[str, Any]]:
        log["read"].append(path)
        return real_load(path)

    def measure(assistant: Any, items: list[dict[str, Any]]) -> list[Any]:
        log["measured"].append([item["id"] for item in items])
        return [_row(quality, k, item) for k, item in enumerate(items)]

    def fit(rows: list[Any]) -> Any:
        log["fitted"].append([row.id for row in rows])
        return real_fit(rows)

    monkeypatch.setattr(module, "load_gold", load)
    monkeypatch.setattr(module, "fit", fit)
    monkeypatch.setattr(module, "Assistant", lambda: None)
    monkeypatch.setattr(quality, "measure", measure)
    target = tmp_path / "calibration.json"  # the shipped file, never overwritten here
    target.write_bytes(module.calibration.SHIPPED.read_bytes())
    monkeypatch.setattr(module.calibration, "SHIPPED", target)
    module.log = log
    return module


def _row(quality: Any, k: int, item: dict[str, Any]) -> Any:
    rng = np.random.default_rng(k)
    inside = item["in_corpus"]
    return quality.Row(
        id=item["id"], lang=item["lang"], in_corpus=inside, rank=1 if inside and k % 3 else None,
        sentence_ok=False, words=50, silent_first=False,
        features=rng.normal(size=len(FEATURES)) + (1.0 if inside else -1.0),
        baseline_rank=None, baseline_sentence_ok=False, baseline_words=50,
        baseline_silent_first=False, baseline_cosine=0.8 + 0.01 * inside, ms=1.0,
        extra={"gaps": {s: float(rng.uniform(0, 3)) for s in SEEDS}, "sources": item["sources"]},
    )  # fmt: skip


def _run(module: Any, monkeypatch: pytest.MonkeyPatch, *argv: str) -> None:
    monkeypatch.setattr(sys, "argv", ["crossval", *argv])
    assert module.main() == 0


GOLD_IDS = [r["id"] for r in QUESTIONS]
FRESH_IDS = [r["id"] for r in FRESH]


def test_crossval_fit_reads_and_fits_on_questions_jsonl_only(
    crossval: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "calibration.json").unlink()
    _run(crossval, monkeypatch, "--fit")
    log = crossval.log
    assert log["read"] == [None]  # load_gold(): DEFAULT_GOLD, questions.jsonl
    assert log["measured"] == [GOLD_IDS] and log["fitted"] == [GOLD_IDS]
    written = json.loads((tmp_path / "calibration.json").read_text(encoding="utf-8"))
    assert Calibration.from_json(written).abstain_below > 0
    assert written["fitted_on"] == "the gold set, 327 questions (survqa/gold/questions.jsonl)"


def test_crossval_never_fits_on_the_fresh_split(
    crossval: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(crossval, monkeypatch, "--fresh")
    log = crossval.log
    assert log["read"] == [None, FRESH_GOLD]
    assert log["measured"] == [GOLD_IDS, FRESH_IDS]
    assert log["fitted"] == [GOLD_IDS]  # then replaced by the shipped calibration
    assert "fresh split (94 questions, shipped calibration)" in capsys.readouterr().out
    log["read"].clear(), log["measured"].clear(), log["fitted"].clear()
    _run(crossval, monkeypatch)  # grouped cross-validation over the gold set
    assert log["read"] == [None] and log["measured"] == [GOLD_IDS]
    assert len(log["fitted"]) == 5
    for trained in log["fitted"]:
        assert set(trained) < set(GOLD_IDS) and not set(trained) & set(FRESH_IDS)
    held = [set(GOLD_IDS) - set(trained) for trained in log["fitted"]]
    assert set().union(*held) == set(GOLD_IDS) and sum(map(len, held)) == 327  # each once
