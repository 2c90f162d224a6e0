"""Index build for the seeds: time, passages/s, and the size of index/ on disk.

    python -m benchmarks.build

Builds a fresh index of seeds/ into a temporary folder (the real index/ is
never touched) with the default settings and model, timing the model load
separately from the build (chunking, embedding every passage and sentence,
FAISS, BM25, writing and checksumming the files).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import DEFAULT_INDEX, Section, folder_bytes, load_average, timed

COMMAND = "python -m benchmarks.build"


def run() -> Section:
    from survqa import Settings
    from survqa.documents.loading import load_seeds
    from survqa.indexing import index as index_module
    from survqa.indexing.embedding import make_embedder
    from survqa.indexing.storage import read_manifest
    from survqa.locations import default_corpus_dir

    started, load = time.perf_counter(), load_average()
    settings = Settings()
    t_model, embedder = timed(lambda: make_embedder(settings.model))
    t_warm, _ = timed(lambda: embedder.embed_queries(["mise en route"]))
    t_docs, documents = timed(lambda: load_seeds(default_corpus_dir()))
    workdir = Path(tempfile.mkdtemp(prefix="survqa-build-"))
    target = workdir / "index"
    try:
        t_build, _ = timed(lambda: index_module.build(documents, embedder, settings, target))
        manifest = read_manifest(target)
        size = folder_bytes(target)
        counts = {"passages": int(manifest["dense"]["count"])}
        for array in sorted(target.glob("*.npy")):  # sentence, window… vectors
            counts[array.stem] = int(np.load(array, mmap_mode="r").shape[0])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    passages = counts["passages"]
    embedded = sum(int(v) for v in counts.values())
    chars = sum(len(d.text) for d in documents)
    real = folder_bytes(DEFAULT_INDEX) if DEFAULT_INDEX.exists() else 0
    rows = [
        ["load model (+ 1st encode)", f"{t_model / 1000:.2f} s (+{t_warm / 1000:.2f} s)", "—"],
        ["read + clean the 5 seeds", f"{t_docs / 1000:.2f} s", f"{chars:,} characters"],
        [
            "build the index",
            f"{t_build / 1000:.1f} s",
            f"{passages} passages: {passages / (t_build / 1000):.1f} passages/s; "
            f"{embedded} vectors embedded ({', '.join(f'{k} {v}' for k, v in counts.items())}): "
            f"{embedded / (t_build / 1000):.1f} texts/s",
        ],
        [
            "index/ on disk",
            f"{size / 1024:.0f} KiB",
            f"dense kind {manifest['dense']['kind']}; the committed index/: {real / 1024:.0f} KiB",
        ],
    ]
    notes = [
        "Embedding dominates the build: survqa embeds every passage, every sentence and "
        "every sentence window (for the second-stage scores), so it embeds "
        f"{embedded / max(passages, 1):.1f} texts per passage; "
        "an unchanged document's vectors are reused on rebuild (incremental build).",
    ]
    return Section(
        title="3. Index build for the seeds",
        command=COMMAND,
        header=["step", "time / size", "detail"],
        rows=rows,
        load=load,
        notes=notes,
        data={
            "model_s": t_model / 1000,
            "build_s": t_build / 1000,
            "passages": passages,
            "embedded": embedded,
            "bytes": size,
            "passages_per_s": passages / (t_build / 1000),
        },
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    print(run().text())


if __name__ == "__main__":
    main()
