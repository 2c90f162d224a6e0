"""Scale, Milvus backend: the children and rows of ``benchmarks/scale.py --backends milvus``.

The FAISS children's data (same vectors, queries, exact truth; bm25s's weights as sparse
vectors) written as ``milvus_build.create`` writes and searched as ``MilvusBackend`` searches,
in milvus-lite: in-process (survqa's default ``.db`` URI) or its own process (``engine``)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import PYTHON, folder_bytes, percentile

RSS_CAP_MB = 14_000  # the machine is shared: stop a child before it crowds the others out
COLLECTION = "bench"
BUDGET_PER_100K, MAX_BUDGET = 600, 1_500  # seconds per child
CELLS = (("build_s", " s"), ("mib", " MB"), ("p50", ""), ("p95", ""), ("recall", ""))
NOTE = [("p50_wide", "k=pool p50", " ms"), ("p95_wide", "p95", " ms"), ("insert_s", "insert", " s"),
        ("inserted", "rows", ""), ("rows_per_s", "rows/s", ""),
        ("client_mb", "app before engine", " MB")]  # fmt: skip


def plan(n: int) -> list[dict[str, Any]]:
    """survqa's dense kind (below 1M also FLAT and an engine in its own process), BM25."""
    from survqa.indexing.dense import choose_kind
    from survqa.settings import Settings

    auto, budget = choose_kind(n, "auto", Settings().exact_threshold), BUDGET_PER_100K * n / 1e5
    dense = {"what": "milvus dense", "n": n, "kind": auto, "budget": min(budget, MAX_BUDGET)}
    extra = [{"kind": "flat"}] * (auto != "flat") + [{"engine": "server"}]
    specs = [dense] + [{**dense, **e} for e in extra] * (n < 1_000_000)
    return [*specs, {**dense, "what": "milvus bm25", "kind": "sparse"}]


def status_mb(field: str, pid: int | str = "self") -> float:
    """VmRSS / VmHWM of a process, in MB (nan once it is gone)."""
    path = Path(f"/proc/{pid}/status")
    lines = path.read_text().splitlines() if path.exists() else []
    return next((int(x.split()[1]) / 1024 for x in lines if x.startswith(field)), float("nan"))


class Watchdog:
    """At the deadline or RSS cap: ``cleanup``, print ``progress`` + error, end the process."""

    def __init__(self, deadline: float, cap_mb: float = RSS_CAP_MB) -> None:
        self.progress: dict[str, Any] = {"phase": "data (exact truth / bm25s build)"}
        self.cleanup: list[Callable[[], None]] = []
        self.done, self._deadline, self._cap = threading.Event(), deadline, cap_mb
        threading.Thread(target=self._watch, daemon=True).start()

    def phase(self, name: str, **facts: Any) -> None:
        self.progress.update(facts, phase=name)

    def _watch(self) -> None:
        while not self.done.wait(0.5):
            rss = status_mb("VmRSS")
            if time.time() > self._deadline or rss > self._cap:
                why = "timed out" if rss <= self._cap else f"stopped at {rss:.0f} MB RSS"
                out = {**self.progress, "error": f"{why} during {self.progress['phase']}"}
                out["peak_mb"] = status_mb("VmHWM")
                for step in reversed(self.cleanup):
                    step()
                print(json.dumps(out), flush=True)
                os._exit(0)


class Engine:
    """milvus-lite in this process (a ``.db`` URI) or in a server process of its own."""

    def __init__(self, folder: Path, mode: str, watchdog: Watchdog) -> None:
        from pymilvus import MilvusClient

        self.folder, self.server = folder / "bench.db", None
        if mode == "embedded":
            self.client = MilvusClient(uri=str(self.folder))
            return
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = str(probe.getsockname()[1])
        argv = [PYTHON, "-m", "milvus_lite", "server", "--data-dir", str(self.folder)]
        argv += ["--host", "127.0.0.1", "--port", port]
        self.server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        watchdog.cleanup.append(self.server.kill)
        while self.server.poll() is None and socket.socket().connect_ex(("127.0.0.1", int(port))):
            time.sleep(0.5)  # until the server listens (its socket objects are left to the GC)
        self.client = MilvusClient(uri=f"http://127.0.0.1:{port}", timeout=10)

    def settle(self) -> None:
        """Wait for milvus-lite's background compaction and index builds to finish."""
        if self.server is None:
            from milvus_lite.server_manager import server_manager_instance as manager

            db = manager._servers[os.path.abspath(self.folder)][1]
            db.get_collection(COLLECTION)._wait_for_bg()
            return
        used = -1.0  # a server process: until it used < 5 % of a CPU for 2 s
        while True:
            stat = Path(f"/proc/{self.server.pid}/stat").read_text().rsplit(")", 1)[1].split()
            now = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
            if 0 <= now - used < 0.1:
                return
            used = now
            time.sleep(2)

    def create(self, field: str, dtype: str, params: Any, dim: int | None = None) -> None:
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", DataType.INT64, is_primary=True)
        schema.add_field("source", DataType.VARCHAR, max_length=1024)
        schema.add_field("paragraph", DataType.INT64)
        schema.add_field(field, getattr(DataType, dtype), **({"dim": dim} if dim else {}))
        self.client.create_collection(COLLECTION, schema=schema, index_params=params)

    def fill(self, batches: Any, watchdog: Watchdog, out: dict[str, Any]) -> None:
        """Insert the batches then index and load, as survqa would, until nothing is left
        to do in the background (the memtable's tail flushed and indexed too)."""
        started, done = time.perf_counter(), 0
        for batch in batches:
            self.client.insert(COLLECTION, batch)
            done += len(batch)
            rate = done / (time.perf_counter() - started)
            watchdog.phase("insert", inserted=done, rows_per_s=rate)
        out["insert_s"] = time.perf_counter() - started
        watchdog.phase("index + load", insert_s=out["insert_s"])
        self.client.load_collection(COLLECTION)  # what milvus_build.create does
        self.client.flush(COLLECTION)
        self.settle()
        self.client.release_collection(COLLECTION)
        self.client.load_collection(COLLECTION)
        self.settle()
        out["build_s"] = time.perf_counter() - started

    def finish(self, out: dict[str, Any]) -> dict[str, Any]:
        out["peak_mb"] = status_mb("VmHWM")
        out["engine_peak_mb"] = status_mb("VmHWM", self.server.pid) if self.server else None
        out["bytes"] = folder_bytes(self.folder)
        return out


def _searches(engine: Engine, field: str, params: dict, queries: list, truth: list,
              k: int, watchdog: Watchdog, out: dict[str, Any]) -> None:  # fmt: skip
    """Overlap of the top ``k`` with ``truth``; p50/p95 at ``k`` and at survqa's pool."""
    from benchmarks.scale import _latencies as _timed
    from survqa.settings import Settings

    def query(q: Any, limit: int) -> list[int]:
        found = engine.client.search(COLLECTION, data=[q], anns_field=field, limit=limit,
                                     search_params=params, output_fields=["row"])  # fmt: skip
        return [h["row"] for h in found[0]]

    found = [query(q, k) for q in queries]
    out["recall"] = float(np.mean([len(set(a) & set(b)) / max(1, len(b))
                                   for a, b in zip(found, truth, strict=True)]))  # fmt: skip
    times = _timed(lambda q: query(q, k), queries)
    out.update(k=k, p50=percentile(times, 0.5), p95=percentile(times, 0.95))
    watchdog.phase("search at the candidate pool", **out)
    wide = Settings().candidates
    times = _timed(lambda q: query(q, wide), queries)
    out.update(k_wide=wide, p50_wide=percentile(times, 0.5), p95_wide=percentile(times, 0.95))


def dense_child(spec: dict[str, Any], folder: Path, watchdog: Watchdog) -> dict[str, Any]:
    from benchmarks.scale import QUERIES
    from benchmarks.synthetic import VectorSource, exact_top
    from survqa.indexing.milvus_build import INSERT_BATCH, _dense_index

    n, kind, out = spec["n"], spec["kind"], {}
    source = VectorSource(n)
    queries = source.queries(QUERIES)
    truth = exact_top(queries, source.chunks(), 10)
    out["client_mb"] = status_mb("VmHWM")  # interpreter, numpy, pymilvus, queries, truth
    engine = Engine(folder, spec.get("engine", "embedded"), watchdog)
    params, search = _dense_index(engine.client, kind, n)
    engine.create("dense", "FLOAT_VECTOR", params, source.dim)

    def batches() -> Any:
        row = 0
        for chunk in source.chunks():
            for part in np.array_split(chunk, -(-len(chunk) // INSERT_BATCH)):
                yield [{"row": row + i, "source": f"doc{(row + i) // 50}.pdf",
                        "paragraph": (row + i) % 50, "dense": v}
                       for i, v in enumerate(part.tolist())]  # fmt: skip
                row += len(part)

    engine.fill(batches(), watchdog, out)
    out["engine_params"] = engine.client.describe_index(COLLECTION, "dense").get("params")
    vectors = [q.tolist() for q in queries]
    params = {"metric_type": "IP", "params": search}
    _searches(engine, "dense", params, vectors, truth.tolist(), 10, watchdog, out)
    return engine.finish(out)


def sparse_child(spec: dict[str, Any], folder: Path, watchdog: Watchdog) -> dict[str, Any]:
    """BM25: bm25s's weights streamed per passage (``sparse_rows`` holds all as dicts)."""
    from benchmarks.scale import QUERIES, build_lexical
    from survqa.analysis import tokenize
    from survqa.indexing.milvus_build import INSERT_BATCH

    n, out = spec["n"], {}
    lexical, source, out["bm25s_build_s"], _ = build_lexical(n)
    term_ids = {t: i for i, t in enumerate(lexical.vocabulary())}
    tokens = [tokenize(q) for q in source.queries(QUERIES)]
    queries = [{term_ids[t]: float(c) for t, c in Counter(q).items() if t in term_ids}
               for q in tokens]  # fmt: skip
    truth = [lexical.search(q, 30).ids.tolist() for q in tokens]
    data, indices, indptr = lexical.weight_matrix()
    order = np.argsort(indices, kind="stable")  # term-major → document-major
    terms = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))[order]
    weights, starts = data[order], np.searchsorted(indices[order], np.arange(n + 1))
    del lexical, data, indices, indptr, order
    out["client_mb"] = status_mb("VmHWM")  # the bm25s build, before any engine
    engine = Engine(folder, spec.get("engine", "embedded"), watchdog)
    params = engine.client.prepare_index_params()
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    engine.create("sparse", "SPARSE_FLOAT_VECTOR", params)

    def batches() -> Any:
        for first in range(0, n, INSERT_BATCH):
            rows = range(first, min(n, first + INSERT_BATCH))
            yield [{"row": r, "source": f"doc{r // 50}.pdf", "paragraph": r % 50,
                    "sparse": dict(zip(terms[starts[r]:starts[r + 1]].tolist(),
                                       weights[starts[r]:starts[r + 1]].tolist(), strict=True))}
                   for r in rows]  # fmt: skip

    engine.fill(batches(), watchdog, out)
    _searches(engine, "sparse", {"metric_type": "IP"}, queries, truth, 30, watchdog, out)
    return engine.finish(out)


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One Milvus measurement in a fresh temporary folder (removed even on a timeout)."""
    folder = Path(tempfile.mkdtemp(prefix="survqa-scale-milvus-"))
    watchdog = Watchdog(spec.get("deadline", time.time() + 3600))
    watchdog.cleanup.append(lambda: shutil.rmtree(folder, ignore_errors=True))
    try:
        return (dense_child if "dense" in spec["what"] else sparse_child)(spec, folder, watchdog)
    finally:
        watchdog.done.set()
        for step in reversed(watchdog.cleanup):  # the server process, then the folder
            step()


def row(spec: dict[str, Any], out: dict[str, Any], label: str) -> list[str]:
    """A Milvus measurement's table row, or any that failed (with what it measured)."""
    milvus, index = spec["what"].startswith("milvus"), spec["what"].split()[-1]
    server, n = spec.get("engine") == "server", f"{spec['n']:,}"
    backend = "milvus-lite (own process)" if server else "milvus-lite" if milvus else "faiss"
    label = "SPARSE_INVERTED_INDEX" if milvus and index == "bm25" else label
    label += ", build params nested" if spec.get("nested") else ""  # runs before 0908310
    out = {**out, "mib": out["bytes"] / 2**20} if "bytes" in out else out
    got = {k: f"{v:.{3 if k == 'recall' else 0 if v >= 100 else 1 if v >= 10 else 2}f}"
           for k, v in out.items() if isinstance(v, (int, float)) and v == v}  # fmt: skip
    peak = f"{got['peak_mb']} MB" if "peak_mb" in got else "—"
    peak = f"app {peak} + engine {got['engine_peak_mb']} MB" if "engine_peak_mb" in got else peak
    facts = [f"{name} {got[k]}{unit}" for k, name, unit in NOTE if k in got]
    if index == "dense" and "engine_params" in out:
        facts.append(f"engine build params {out['engine_params'] or 'its defaults'}")
    note = "; ".join([out["error"], *facts] if "error" in out else facts)
    cells = [f"{got[k]}{unit}" if k in got else "—" for k, unit in CELLS]
    return [backend, n, index, label, cells[0], peak, *cells[1:], note]


def notes(results: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str]:
    dropped = any(s["what"] == "milvus dense" and not s.get("nested") and "recall" in o
                  and not o["engine_params"] for s, o in results)  # fmt: skip
    return [
        f"Milvus: pymilvus {version('pymilvus')}, milvus-lite {version('milvus-lite')} in the "
        "app process (peak RSS = app + engine) or its own (measured apart); build = insert + "
        "load + flush + background compaction and indexing; single queries through the client "
        "at k=10 / 30 and at k=pool (Settings.candidates); BM25 recall = overlap with bm25s's "
        "top 30; index size = the engine's folder.",
    ] + [
        "milvus-lite ignored survqa's build parameters (it reads them only nested under "
        "`params`; pymilvus 3 sends `add_index(params=...)` as flat keys), so M / "
        "efConstruction / nlist were its defaults (16 / 200 / 128); ef, nprobe arrived."
    ] * dropped
