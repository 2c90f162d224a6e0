"""Ablation on the gold questions, beside the plain baseline, in one run.

    python -m benchmarks.ablation [--split test|dev|all] [--gold FILE]

Rows: BM25 only, dense only and fused (whole passages, the first stage's order); the
**plain baseline** — e5 over each sentence joined with its neighbours (the window
vectors), nothing else, the window as the excerpt; and survqa's excerpts. A hit is the
evaluation rule: a gold source and a gold answer string inside the returned text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchmarks import quality
from survqa import Assistant
from survqa.collection.collection import Corpus
from survqa.evaluation import contains_answer, load_gold, run, summarise
from survqa.search.query import Query, prepare
from survqa.search.retrieve import retrieve

DEPTH = 10
Hits = list[tuple[str, str]]  # (source, text) best first


def passages(corpus: Corpus, query: Query, mode: str, assistant: Assistant) -> Hits:
    """The first stage alone: BM25, dense or fused passage rows."""
    index = corpus.index
    if mode == "bm25":
        rows = index.backend.lexical_search(query.terms, DEPTH).ids.tolist()
    elif mode == "dense":
        rows = index.backend.dense_search(query.vector, DEPTH).ids.tolist()
    else:
        rows = retrieve(index, query, None, assistant.settings).rows[:DEPTH]
    return [(index.passages[r].source, index.passages[r].text) for r in rows]


def plain_baseline(corpus: Corpus, query: Query) -> Hits:
    """e5 over every sentence with its neighbours; the excerpt is that window."""
    index, table = corpus.index, corpus.index.sentences
    out = []
    for w in quality.plain_windows(corpus, query):
        source = index.passages[int(table.owners[w.first])].source
        start, end = table.spans[w.first][0], table.spans[w.last][1]
        out.append((source, corpus.documents[source].text[start:end]))
    return out


def first_rank(hits: Hits, item: dict[str, Any]) -> int | None:
    for rank, (source, text) in enumerate(hits, start=1):
        if source in item["sources"] and contains_answer(text, item["answers"]):
            return rank
    return None


def row(name: str, ranks: list[int | None]) -> str:
    n = max(len(ranks), 1)
    hit1 = sum(r == 1 for r in ranks) / n
    hit3 = sum(r is not None and r <= 3 for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r) / n
    return f"| {name} | {hit1:.3f} | {hit3:.3f} | {mrr:.3f} |"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="all")
    parser.add_argument("--gold", type=Path, default=None)
    args = parser.parse_args()
    items = [
        g
        for g in load_gold(args.gold)
        if g["in_corpus"] and (args.split == "all" or g.get("split", "all") == args.split)
    ]
    assistant = Assistant()
    corpus = assistant.corpus()
    lexicon, settings = corpus.index.lexicon, assistant.settings
    queries = [prepare(i["question"], None, assistant.embedder, settings, lexicon) for i in items]
    print(f"| system ({args.split}, {len(items)} answerable) | hit@1 | hit@3 | MRR@10 |")
    print("|---|---|---|---|")
    for mode in ("bm25", "dense", "fused"):
        hits = [passages(corpus, q, mode, assistant) for q in queries]
        print(row(f"{mode} passages", [first_rank(h, i) for h, i in zip(hits, items, strict=True)]))
    base = [plain_baseline(corpus, q) for q in queries]
    print(
        row(
            "plain baseline: e5 windows",
            [first_rank(h, i) for h, i in zip(base, items, strict=True)],
        )
    )
    report = summarise(run(assistant, items))
    numbers = " | ".join(f"{report[key]:.3f}" for key in ("hit@1", "hit@3", "mrr@10"))
    print(f"| survqa excerpts | {numbers} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
