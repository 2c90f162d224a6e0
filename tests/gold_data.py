"""Loader for the gold evaluation set, importable by other tests.

The files ship with survqa, in ``src/survqa/gold/`` (``survqa.evaluation.GOLD_DIR``):

* ``questions.jsonl`` -- one question per line: ``id``, ``question``, ``lang``, ``split``
  (``dev``/``test``), ``in_corpus``, ``answers`` (verbatim strings from the raw seed files,
  any one counts), ``sources`` (seed file names, any one counts) and ``kind``.
* ``followups.jsonl`` -- elliptical follow-up cases: ``id``, ``history`` (earlier user turns),
  ``question``, ``lang``, ``answers``, ``sources``.
"""

from __future__ import annotations

import json
from pathlib import Path

from survqa.evaluation import GOLD_DIR

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
QUESTIONS_PATH = GOLD_DIR / "questions.jsonl"
FOLLOWUPS_PATH = GOLD_DIR / "followups.jsonl"


def load_gold(path: str | Path) -> list[dict]:
    """Read a JSONL file (UTF-8), skipping blank lines."""
    rows: list[dict] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - message only
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc}") from exc
    return rows


def load_questions(split: str | None = None) -> list[dict]:
    """All gold questions, or only those of ``split`` ("dev" or "test")."""
    rows = load_gold(QUESTIONS_PATH)
    if split is not None:
        rows = [r for r in rows if r["split"] == split]
    return rows


def load_followups() -> list[dict]:
    """All follow-up conversation cases."""
    return load_gold(FOLLOWUPS_PATH)


def stratum(row: dict) -> str:
    """Language group used for stratified splitting: "fr", "other" or "out"."""
    if not row["in_corpus"]:
        return "out"
    return "fr" if row["lang"] == "fr" else "other"
