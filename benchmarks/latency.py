"""Warm ask() latency over the gold questions next to the query-encoding floor.

    python -m benchmarks.latency [--repeat N]

For every gold question, in the same process and the same loop: the time to
encode the question alone (``embed_queries``, the floor no pipeline using this
model can beat) and the time of a full ``Assistant.ask(question, k=5)``.
Targets: ask p50 ≤ 1.3 × encode p50, ask p95 ≤ 2 × encode p50.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.common import (
    Section,
    fresh_assistant,
    gold_questions,
    index_copy,
    load_average,
    ms,
    p50,
    percentile,
    ratio,
    timed,
    verdict,
)

COMMAND = "python -m benchmarks.latency"


def run(index_dir: Path | None = None, repeat: int = 2) -> Section:
    started, load = time.perf_counter(), load_average()
    assistant = fresh_assistant(index_dir or index_copy())
    embedder = assistant.embedder
    questions = [g["question"] for g in gold_questions()]
    encode: list[list[float]] = [[] for _ in questions]
    ask: list[list[float]] = [[] for _ in questions]
    for _ in range(repeat):
        for i, question in enumerate(questions):
            encode[i].append(timed(lambda q=question: embedder.embed_queries([q]))[0])
            ask[i].append(timed(lambda q=question: assistant.ask(q, 5))[0])
    rows, data = [], {}
    for label, pick in (("all samples", None), (f"best of {repeat} per question", min)):
        enc = [pick(v) for v in encode] if pick else [x for v in encode for x in v]
        tot = [pick(v) for v in ask] if pick else [x for v in ask for x in v]
        gap = (
            [pick(a) - pick(e) for a, e in zip(ask, encode, strict=True)]
            if pick
            else [
                a - e
                for va, ve in zip(ask, encode, strict=True)
                for a, e in zip(va, ve, strict=True)
            ]
        )
        floor, ask50, ask95 = p50(enc), p50(tot), percentile(tot, 0.95)
        rows += [
            [label, "query encoding (floor)", ms(floor), ms(percentile(enc, 0.95)), "1.00×", "—"],
            [
                label,
                "ask(k=5)",
                ms(ask50),
                ms(ask95),
                ratio(ask50 / floor),
                f"p50 ≤ 1.3×: {verdict(ask50 <= 1.3 * floor)}; p95 ≤ 2× floor: "
                f"{verdict(ask95 <= 2 * floor)} ({ratio(ask95 / floor)})",
            ],
            [
                label,
                "ask − encode",
                ms(p50(gap)),
                ms(percentile(gap, 0.95)),
                ratio(p50(gap) / floor),
                "retrieval + excerpts",
            ],
        ]
        key = "best" if pick else "all"
        data[key] = {
            "encode_p50": floor,
            "encode_p95": percentile(enc, 0.95),
            "ask_p50": ask50,
            "ask_p95": ask95,
            "overhead_p50": p50(gap),
            "overhead_p95": percentile(gap, 0.95),
        }
    best = data["best"]
    notes = [
        f"{len(questions)} questions (all of tests/gold/questions.jsonl) × {repeat} rounds, "
        "after 3 warm-up asks; encode and ask timed back to back for each question. "
        "'best of N' takes each question's fastest round, which filters out the moments "
        "another process held the CPU.",
        f"encode p95 is {ratio(best['encode_p95'] / best['encode_p50'])} encode p50 (best "
        "rounds): long questions cost more to encode, and every ask() includes its own "
        "encoding, so ask p95 against encode p50 measures question length as much as "
        "survqa's overhead; ask − encode is that overhead alone.",
    ]
    return Section(
        title="1. Warm latency: ask() vs the query-encoding floor",
        command=COMMAND,
        header=["samples", "what", "p50", "p95", "p50 / encode p50", "target"],
        rows=rows,
        load=load,
        notes=notes,
        data=data,
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: a copy)")
    args = parser.parse_args()
    print(run(args.index, args.repeat).text())


if __name__ == "__main__":
    main()
