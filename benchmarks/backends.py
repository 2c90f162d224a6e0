"""Backends side by side on the seeds: FAISS (exact) against Milvus (milvus-lite) with
exact search, HNSW and IVF-SQ8, over every gold and fresh question.

    python -m benchmarks.backends [--uri URI]

For each Milvus index type: how many questions get the same excerpts as FAISS exact
(source, span and answering sentence of all five), the same first excerpt, the same labels
and abstention; and ask() p50/p95 of both backends measured in the same run. ``--uri``
points at a Milvus server instead of a milvus-lite file. The committed index's vectors are
reused: nothing is re-embedded.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Section, load_average, percentile
from survqa import Assistant, Settings
from survqa.evaluation import FRESH_GOLD, load_gold
from survqa.records import Answer

COMMAND = "python -m benchmarks.backends"
HEADER = ["backend", "dense index", "same excerpts", "same first", "same labels", "ask() p50 / p95"]


def questions() -> list[str]:
    """Every gold question, then every fresh one."""
    return [g["question"] for g in load_gold() + load_gold(FRESH_GOLD)]


def cited(answer: Answer) -> list[tuple[Any, ...]]:
    """What an answer quotes: source, span and answering sentence of each excerpt."""
    return [(e.source, e.start, e.end, e.answer_start, e.answer_end) for e in answer.excerpts]


def decisions(answer: Answer) -> tuple[Any, ...]:
    """What an answer decides: abstention and every confidence label."""
    labels = tuple(e.confidence for e in answer.excerpts)
    return (answer.no_answer, answer.abstention, answer.confidence, *labels)


def _answers(assistant: Assistant, asked: list[str]) -> tuple[list[Answer], list[float]]:
    assistant.ask(asked[0], 5)  # warm
    answers, times = [], []
    for question in asked:
        started = time.perf_counter()
        answers.append(assistant.ask(question, 5))
        times.append((time.perf_counter() - started) * 1000)
    return answers, times


def _spread(times: list[float]) -> str:
    return f"{percentile(times, 0.5):.0f} / {percentile(times, 0.95):.0f} ms"


def run(uri: str | None = None) -> Section:
    started, load = time.perf_counter(), load_average()
    asked = questions()
    work = Path(tempfile.mkdtemp(prefix="survqa-backends-"))
    try:
        shutil.copytree(ROOT / "index", work / "faiss")
        reference = Assistant(index_dir=work / "faiss", library_dir=work / "library")
        truth, faiss_times = _answers(reference, asked)
        rows = [["faiss", "flat (exact)", "—", "—", "—", _spread(faiss_times)]]
        data: dict[str, Any] = {"questions": len(asked), "faiss_ms": faiss_times}
        for kind in ("flat", "hnsw", "ivfsq"):
            folder = work / f"milvus-{kind}"
            shutil.copytree(ROOT / "index", folder)
            settings = Settings(backend="milvus", dense_index=kind,
                                milvus_uri=uri or str(work / f"{kind}.db"))  # fmt: skip
            built = time.perf_counter()
            assistant = Assistant(index_dir=folder, library_dir=work / "library", settings=settings)
            assistant.load()
            build_s = time.perf_counter() - built
            got, times = _answers(assistant, asked)
            pairs = list(zip(truth, got, strict=True))
            same = sum(cited(a) == cited(b) for a, b in pairs)
            first = sum(cited(a)[:1] == cited(b)[:1] for a, b in pairs)
            decided = sum(decisions(a) == decisions(b) for a, b in pairs)
            label = "flat (exact)" if kind == "flat" else kind
            counts = [f"{n}/{len(asked)}" for n in (same, first, decided)]
            rows.append(["milvus", f"{label}, rebuilt in {build_s:.1f} s", *counts, _spread(times)])
            data[kind] = {"same": same, "first": first, "decisions": decided, "ms": times,
                          "build_s": build_s}  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    notes = [
        f"{len(asked)} questions (gold + fresh), k=5; 'same excerpts': source, span and "
        "answering sentence of every excerpt equal to FAISS exact search's.",
        "Labels and abstention can flip where a calibrated probability sits on its threshold: "
        "the two engines sum float32 products in another order (differences ≤ 1e-4).",
        f"wall time {time.perf_counter() - started:.0f} s; Milvus: {uri or 'milvus-lite files'}",
    ]
    return Section(
        title="Backends: FAISS vs Milvus on the seeds",
        command=COMMAND,
        header=HEADER,
        rows=rows,
        load=load,
        notes=notes,
        data=data,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uri", help="a Milvus server (default: milvus-lite files)")
    print(run(parser.parse_args().uri).text())


if __name__ == "__main__":
    main()
