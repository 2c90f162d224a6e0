"""Scale: synthetic corpora of 10k, 100k and 1M passages, dense and BM25.

    python -m benchmarks.scale [--sizes 10000,100000,1000000] [--hnsw-1m] [--backends faiss,milvus]

Each (size, index) is built in its own child process, so its peak memory
(VmHWM, not inherited from the parent) is its own. Dense: clustered 384-d vectors (benchmarks/
synthetic.py), streamed into survqa's ``DenseIndex`` 50k at a time; recall@10
against exact search over the same vectors for 200 queries; search p50/p95 of
single queries (k=10). BM25: French-like generated passages tokenised with
survqa's own analyser and indexed as ``LexicalIndex`` (bm25s); search p50/p95
of ``LexicalIndex.search(q, 30)``. Milvus (``--backends``): see benchmarks/scale_milvus.py.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import scale_milvus
from benchmarks.common import PYTHON, ROOT, Section, load_average, percentile, verdict

COMMAND = "python -m benchmarks.scale"
SIZES = (10_000, 100_000, 1_000_000)
QUERIES = 200
HEADER = ["backend", "passages", "index", "type", "build", "peak RSS", "index size", "p50 ms"]
HEADER += ["p95 ms", "recall@10", "note"]


def _peak_mb() -> float:
    """This process's peak resident memory. Linux keeps ru_maxrss across fork+exec, so a
    child of a big parent would report the parent's size; VmHWM belongs to this image."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _latencies(search: Any, queries: Any) -> list[float]:
    for q in queries[:10]:
        search(q)
    out = []
    for q in queries:
        started = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def dense_child(count: int, kind: str) -> dict[str, Any]:
    import faiss

    from benchmarks.synthetic import VectorSource, exact_top
    from survqa.indexing.dense import IVF_TRAIN_PER_LIST, DenseIndex, ivf_lists

    source = VectorSource(count)
    queries = source.queries(QUERIES)
    truth = exact_top(queries, source.chunks(), 10)
    started = time.perf_counter()
    training = None
    if kind == "ivfsq":
        training = source.sample(min(count, IVF_TRAIN_PER_LIST * ivf_lists(count)), source.seed - 7)
    index = DenseIndex.create(source.dim, kind, training, count)
    del training
    for chunk in source.chunks():
        index.add(chunk)
    build_s = time.perf_counter() - started
    peak = _peak_mb()
    found = index.search_many(queries, 10)[1]
    recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)]))
    times = _latencies(lambda q: index.search(q, 10), queries)
    faiss.omp_set_num_threads(1)
    single = _latencies(lambda q: index.search(q, 10), queries)
    size = len(index.to_bytes())
    return {
        "build_s": build_s,
        "peak_mb": peak,
        "recall": recall,
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "p50_1t": percentile(single, 0.5),
        "p95_1t": percentile(single, 0.95),
        "bytes": size,
    }


def build_lexical(count: int) -> tuple[Any, Any, float, float]:
    """(LexicalIndex, TextSource, build seconds, tokenize() passages/s) of ``count`` passages."""
    import bm25s

    from benchmarks.synthetic import CHUNK, TextSource
    from survqa.analysis import tokenize
    from survqa.indexing.lexical import LexicalIndex

    source = TextSource(count)
    sample = source.passages(min(CHUNK, count), source.seed + 1)[:5_000]
    started = time.perf_counter()
    sample_tokens = [tokenize(text) for text in sample]
    per_second = len(sample) / (time.perf_counter() - started)
    # generated text is lower-case words separated by spaces, so tokenize() is a per-word
    # map: apply it once per vocabulary word (checked equal on the sample), then look up
    started = time.perf_counter()
    stems: dict[str, int] = {}
    word_stem = np.array(
        [stems.setdefault(t[0], len(stems)) if (t := tokenize(w)) else -1 for w in source.words],
        dtype=np.int64,
    )
    shared = np.array(list(range(len(stems))), dtype=object)  # one int object per stem id
    ids: list[list[int]] = []
    for i, start in enumerate(range(0, count, CHUNK)):
        chosen, lengths = source.word_ids(min(CHUNK, count - start), source.seed + 1 + i)
        mapped = word_stem[chosen]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        ids += [shared[row[row >= 0]].tolist() for row in np.split(mapped, bounds[1:-1])]
    inverse = {v: k for k, v in stems.items()}
    if [[inverse[t] for t in doc] for doc in ids[: len(sample)]] != sample_tokens:
        raise AssertionError("per-word tokenisation differs from tokenize()")
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=stems), show_progress=False)
    del ids
    return LexicalIndex(model, count), source, time.perf_counter() - started, per_second


def lexical_child(count: int) -> dict[str, Any]:
    import tempfile

    from benchmarks.common import folder_bytes
    from survqa.analysis import tokenize

    index, source, build_s, per_second = build_lexical(count)
    peak = _peak_mb()
    times = _latencies(lambda q: index.search(tokenize(q), 30), source.queries(QUERIES))
    with tempfile.TemporaryDirectory() as tmp:
        index.save(Path(tmp))
        size = folder_bytes(Path(tmp))
    return {
        "build_s": build_s,
        "tokenize_per_s": per_second,
        "peak_mb": peak,
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "bytes": size,
    }


def child(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its own peak RSS comes back in the JSON."""
    deadline = time.time() + max(timeout - 60, timeout / 2)  # a child may stop itself first
    argv = [PYTHON, "-m", "benchmarks.scale", "--child", json.dumps({**spec, "deadline": deadline})]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def plan(sizes: list[int], hnsw_1m: bool, backends: tuple[str, ...] = ("faiss",)) -> list[dict]:
    specs: list[dict[str, Any]] = []
    for n in sizes:
        kinds = ["flat", "ivfsq"] + (["hnsw"] if n < 1_000_000 or hnsw_1m else [])
        if "faiss" in backends:
            specs += [{"what": "dense", "n": n, "kind": k} for k in kinds]
            specs.append({"what": "bm25", "n": n})
        if "milvus" in backends:
            specs += scale_milvus.plan(n)
    return specs


def run(sizes: list[int] | None = None, hnsw_1m: bool = False, budget: float = 840,
        backends: tuple[str, ...] = ("faiss",)) -> Section:  # fmt: skip
    from survqa.indexing.dense import QUANTISE_THRESHOLD, choose_kind
    from survqa.settings import Settings

    started, load = time.perf_counter(), load_average()
    sizes = sizes or list(SIZES)
    results = []
    for spec in plan(sizes, hnsw_1m, backends):
        left = budget - (time.perf_counter() - started)
        left = min(left, spec.get("budget", left))  # a Milvus child has a budget of its own
        out = child(spec, max(left, 1)) if left > 5 else {"error": "skipped: time budget"}
        results.append((spec, out))
        print(f"  {spec} -> {out}", file=sys.stderr)
    threshold = Settings().exact_threshold
    rows = []
    for spec, out in results:
        n, kind = spec["n"], spec.get("kind", "bm25s")
        auto = "bm25" if spec["what"] == "bm25" else choose_kind(n, "auto", threshold)
        label = f"{kind}{' (auto)' if kind == auto else ''}"
        if spec["what"].startswith("milvus") or "error" in out:
            rows.append(scale_milvus.row(spec, out, label))
            continue
        recall = f"{out['recall']:.3f}" if "recall" in out else "exact"
        single = f" (1 thread {out['p50_1t']:.2f})" if "p50_1t" in out else ""
        rate = out.get("tokenize_per_s")
        note = f"tokenize() {rate:.0f} passages/s" if rate else ""
        rows.append(["faiss", f"{n:,}", spec["what"], label, f"{out['build_s']:.1f} s",
                     f"{out['peak_mb']:.0f} MB", f"{out['bytes'] / 2**20:.0f} MB",
                     f"{out['p50']:.2f}{single}", f"{out['p95']:.2f}", recall, note])  # fmt: skip
    notes = [
        f"auto choice (Settings.exact_threshold={threshold:,}, "
        f"QUANTISE_THRESHOLD={QUANTISE_THRESHOLD:,}): "
        + ", ".join(f"{n:,} → {choose_kind(n, 'auto', threshold)}" for n in sizes),
        "peak = VmHWM (peak RSS) of the child process that generated, built and searched (it "
        "includes the Python interpreter, numpy, faiss, the queries and the exact ground "
        "truth, ~100–200 MB); index = serialised size.",
        "BM25 build: survqa's tokenize() is applied once per vocabulary word of the "
        "generated text (checked equal to tokenising whole passages on 5,000 of them), so "
        "the build time is bm25s indexing; real text costs 1 / (tokenize() rate) more per "
        "passage, e.g. ~2.5 min per million passages at the rate in the note column.",
        "dense p50 with faiss's default OpenMP threads, and with 1 thread in brackets "
        "(single queries on a busy 2-CPU machine are faster without OpenMP).",
    ]
    notes += verdicts(results) + (scale_milvus.notes(results) if "milvus" in backends else [])
    flags = "" if backends == ("faiss",) else f" --backends {','.join(backends)}"
    return Section(
        title="5. Scale: synthetic corpora (dense 384-d and BM25)",
        command=COMMAND + (" --hnsw-1m" if hnsw_1m else "") + flags,
        header=HEADER,
        rows=rows,
        load=load,
        notes=notes,
        data={"results": [[s, o] for s, o in results]},
        seconds=time.perf_counter() - started,
    )


def verdicts(results: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str]:
    got = {(s["what"], s["n"], s.get("kind")): o for s, o in results if "error" not in o}
    lines = []
    flat = sorted((n, o["p50_1t"]) for (w, n, k), o in got.items() if w == "dense" and k == "flat")
    if len(flat) >= 2:
        (n1, t1), (n2, t2) = flat[-2], flat[-1]
        slope = (t2 - t1) / (n2 - n1)
        cross = int(n1 + (5.0 - t1) / slope) if slope > 0 else None
        lines.append(
            "exact search cost grows linearly: "
            + ", ".join(f"{n:,} → {t:.2f} ms" for n, t in flat)
            + (f"; it passes 5 ms at ≈ {cross:,} vectors (1 thread)" if cross else "")
        )
    ivf, bm25 = got.get(("dense", 1_000_000, "ivfsq")), got.get(("bm25", 1_000_000, None))
    if ivf:
        lines.append(
            f"1M dense (ivfsq): p50 {ivf['p50_1t']:.2f} ms ≤ 5 ms {verdict(ivf['p50_1t'] <= 5)}; "
            f"recall@10 {ivf['recall']:.3f} ≥ 0.95 {verdict(ivf['recall'] >= 0.95)}; "
            f"peak {ivf['peak_mb']:.0f} MB ≤ 2 GB {verdict(ivf['peak_mb'] <= 2048)}"
        )
    if bm25:
        lines.append(
            f"1M BM25: p50 {bm25['p50']:.1f} ms ≤ 50 ms {verdict(bm25['p50'] <= 50)}; "
            f"peak {bm25['peak_mb']:.0f} MB during the build ≤ 2 GB "
            f"{verdict(bm25['peak_mb'] <= 2048)}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--hnsw-1m", action="store_true", help="also build HNSW at 1M (slow)")
    parser.add_argument("--budget", type=float, default=840, help="seconds for all children")
    parser.add_argument("--backends", default="faiss", help="faiss, milvus or faiss,milvus")
    parser.add_argument("--json", help="also write the section (rows, notes, data) there")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        if spec["what"] == "dense":
            out = dense_child(spec["n"], spec["kind"])
        elif spec["what"] == "bm25":
            out = lexical_child(spec["n"])
        else:
            out = scale_milvus.child(spec)
        print(json.dumps(out))
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    section = run(sizes, args.hnsw_1m, args.budget, tuple(args.backends.split(",")))
    print(section.text())
    if args.json:
        Path(args.json).write_text(json.dumps(vars(section), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
