"""Evaluation on the gold questions shipped with survqa (``survqa/gold/questions.jsonl``).

A question is answered at rank r when the r-th excerpt comes from one of its
gold sources and contains one of its gold answer strings (compared after
whitespace/hyphenation joining). Out-of-corpus questions must be abstained on.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from survqa.assistant import Assistant
from survqa.records import Answer, Excerpt
from survqa.text import clean

GOLD_DIR = Path(__file__).resolve().parent / "gold"
DEFAULT_GOLD = GOLD_DIR / "questions.jsonl"  # the gold set: every tuning choice is made on it
FRESH_GOLD = GOLD_DIR / "fresh.jsonl"  # held out: written blind, nothing is tuned on it
DEPTH = 10


def load_gold(path: Path | None = None) -> list[dict[str, Any]]:
    lines = (path or DEFAULT_GOLD).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    flat = clean(text)
    return any(clean(a) in flat for a in answers)


def answer_rank(answer: Answer, item: dict[str, Any]) -> int | None:
    """1-based rank of the first correct excerpt, or None."""
    for rank, excerpt in enumerate(answer.excerpts, start=1):
        if excerpt.source in item["sources"] and contains_answer(excerpt.text, item["answers"]):
            return rank
    return None


def sentence_correct(excerpt: Excerpt, item: dict[str, Any]) -> bool:
    return excerpt.source in item["sources"] and contains_answer(excerpt.answer, item["answers"])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(assistant: Assistant, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result row per question."""
    rows = []
    for item in items:
        started = time.perf_counter()
        answer = assistant.ask(item["question"], DEPTH)
        elapsed = (time.perf_counter() - started) * 1000
        first = answer.excerpts[0] if answer.excerpts else None
        rows.append(
            {
                "id": item["id"],
                "lang": item["lang"],
                "in_corpus": item["in_corpus"],
                "no_answer": answer.no_answer,
                "rank": answer_rank(answer, item) if item["in_corpus"] else None,
                "sentence_ok": bool(first and item["in_corpus"] and sentence_correct(first, item)),
                "words": len(clean(first.text).split()) if first else 0,
                "score": first.score if first else None,
                "ms": elapsed,
            }
        )
    return rows


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["in_corpus"]]
    outside = [r for r in rows if not r["in_corpus"]]
    abstained = [r for r in rows if r["no_answer"]]
    n = max(len(answerable), 1)

    def hit(r: dict[str, Any], depth: int) -> bool:
        return r["rank"] is not None and r["rank"] <= depth

    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in answerable:
        by_lang[r["lang"]].append(r)
    latencies = [r["ms"] for r in rows]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "out_of_corpus": len(outside),
        "hit@1": sum(hit(r, 1) for r in answerable) / n,
        "hit@3": sum(hit(r, 3) for r in answerable) / n,
        "mrr@10": sum(1 / r["rank"] for r in answerable if hit(r, DEPTH)) / n,
        "answered@1": sum(hit(r, 1) and not r["no_answer"] for r in answerable) / n,
        "sentence_accuracy": sum(r["sentence_ok"] for r in answerable) / n,
        "abstention_recall": sum(r["no_answer"] for r in outside) / max(len(outside), 1),
        "abstention_precision": sum(not r["in_corpus"] for r in abstained) / max(len(abstained), 1),
        "false_abstention": sum(r["no_answer"] for r in answerable) / n,
        "mean_excerpt_words": statistics.fmean(r["words"] for r in answerable)
        if answerable
        else 0.0,
        "p50_ms": _percentile(latencies, 0.5),
        "p95_ms": _percentile(latencies, 0.95),
        "by_language": {
            lang: {"n": len(rs), "hit@1": sum(hit(r, 1) for r in rs) / len(rs)}
            for lang, rs in sorted(by_lang.items())
        },
        "misses": [r["id"] for r in answerable if not hit(r, 1)],
        "wrong_abstentions": [r["id"] for r in rows if r["no_answer"] != (not r["in_corpus"])],
    }


def evaluate(
    assistant: Assistant, gold: Sequence[dict[str, Any]], split: str = "test"
) -> dict[str, Any]:
    if split == "fresh" and all(g.get("split") != "fresh" for g in gold):
        gold = load_gold(FRESH_GOLD)
    items = [g for g in gold if split == "all" or g["split"] == split]
    assistant.load()
    assistant.ask("warm-up", 1)
    report = summarise(run(assistant, items))
    report["split"] = split
    return report


def format_report(report: dict[str, Any]) -> str:
    keys = [
        "hit@1",
        "hit@3",
        "mrr@10",
        "answered@1",
        "sentence_accuracy",
        "abstention_recall",
        "abstention_precision",
        "false_abstention",
    ]
    lines = [
        f"split {report['split']}: {report['answerable']} answerable, "
        f"{report['out_of_corpus']} out of corpus"
    ]
    lines += [f"  {key:<22}{report[key]:.3f}" for key in keys]
    lines.append(f"  {'mean_excerpt_words':<22}{report['mean_excerpt_words']:.1f}")
    lines.append(f"  {'latency p50 / p95':<22}{report['p50_ms']:.1f} / {report['p95_ms']:.1f} ms")
    for lang, row in report["by_language"].items():
        lines.append(f"  hit@1 [{lang}] {row['hit@1']:.3f} (n={row['n']})")
    if report["misses"]:
        lines.append("  misses at rank 1: " + ", ".join(report["misses"]))
    if report["wrong_abstentions"]:
        lines.append("  wrong abstentions: " + ", ".join(report["wrong_abstentions"]))
    return "\n".join(lines)
