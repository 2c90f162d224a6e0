"""Ablation on the gold questions: BM25 only, dense only, fused, fused + second stage.

    python benchmarks/ablation.py [--split test|dev|all]

The first three return whole passages (the fused candidates' order); the last
returns survqa's excerpts. A hit is the evaluation rule: a gold source and a
gold answer string inside the returned text.
"""

from __future__ import annotations

import argparse
import sys

from survqa import Assistant
from survqa.evaluation import contains_answer, load_gold, run, summarise
from survqa.language import detect_language
from survqa.retrieval import Query


def passage_rank(assistant: Assistant, item: dict, mode: str) -> int | None:
    retriever, _, documents = assistant._ready()
    vector = assistant.embedder.embed_queries([item["question"]])[0]
    query = Query(item["question"], item["question"], detect_language(item["question"]), vector)
    index = retriever.index
    if mode == "bm25":
        rows = index.lexical.search(query.text, 10).ids.tolist()
    elif mode == "dense":
        rows = index.dense.search(query.vector, 10).ids.tolist()
    else:
        rows = retriever.candidates(query, None).rows[:10]
    for rank, row in enumerate(rows, start=1):
        p = index.passages[row]
        if p.source in item["sources"] and contains_answer(
            documents[p.source].text[p.start : p.end], item["answers"]
        ):
            return rank
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    items = [
        g
        for g in load_gold()
        if g["in_corpus"] and (args.split == "all" or g["split"] == args.split)
    ]
    assistant = Assistant()
    print(f"| system ({args.split}, {len(items)} answerable) | hit@1 | hit@3 | MRR@10 |")
    print("|---|---|---|---|")
    for mode in ("bm25", "dense", "fused"):
        ranks = [passage_rank(assistant, item, mode) for item in items]
        hit1 = sum(r == 1 for r in ranks) / len(ranks)
        hit3 = sum(r is not None and r <= 3 for r in ranks) / len(ranks)
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        print(f"| {mode} passages | {hit1:.3f} | {hit3:.3f} | {mrr:.3f} |")
    report = summarise(run(assistant, items))
    print(
        f"| fused + second stage (excerpts) | {report['hit@1']:.3f} | "
        f"{report['hit@3']:.3f} | {report['mrr@10']:.3f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
