"""Can the Milvus engine in use do survqa's French BM25 itself? (issue 14, point 1)

    python -m benchmarks.milvus_analyzer [--uri URI]

Creates a collection with Milvus's own BM25 function over a text field analysed with the
French stemmer and the ``_french_`` stop list (and, separately, the built-in analyzer
``{"type": "french"}``), then asks queries that need each part of the French analysis:
a singular matching a plural (stemming), a stop word matching nothing (stop list), a word
after an elided article (elision). survqa's own analysis passes all three
(tests/test_analysis.py); the engine's answer decides whether the BM25 side could move into
Milvus. The verdict is printed per check.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

DOCUMENTS = ["L'agglomération compte 56 000 caméras.", "Les villes chinoises surveillent.",
             "Un texte sans rapport."]  # fmt: skip
CHECKS = [
    ("stemming: 'caméra' finds 'caméras'", "caméra", lambda ids: ids[:1] == [0]),
    ("stemming: 'ville chinoise' finds 'villes chinoises'", "ville chinoise",
     lambda ids: ids[:1] == [1]),
    ("stop words: 'les' finds nothing", "les", lambda ids: ids == []),
    ("elision: 'agglomération' finds \"L'agglomération\"", "agglomération",
     lambda ids: ids[:1] == [0]),
]  # fmt: skip
ANALYZERS = {
    "standard + lowercase + stemmer(french) + stop(_french_)": {
        "tokenizer": "standard",
        "filter": ["lowercase", {"type": "stemmer", "language": "french"},
                   {"type": "stop", "stop_words": ["_french_"]}],
    },
    'built-in {"type": "french"}': {"type": "french"},
}  # fmt: skip


def probe(client: Any, name: str, params: dict[str, Any]) -> list[str]:
    from pymilvus import DataType, Function, FunctionType

    if client.has_collection(name):
        client.drop_collection(name)
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=1000, enable_analyzer=True,
                     analyzer_params=params)  # fmt: skip
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    bm25 = Function(name="bm25", function_type=FunctionType.BM25,
                    input_field_names=["text"], output_field_names=["sparse"])  # fmt: skip
    schema.add_function(bm25)
    index = client.prepare_index_params()
    index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    try:
        client.create_collection(name, schema=schema, index_params=index, timeout=30)
        rows = [{"id": i, "text": t} for i, t in enumerate(DOCUMENTS)]
        client.insert(name, rows, timeout=30)
        client.load_collection(name, timeout=30)
    except Exception as exc:
        return [f"refused: {' '.join(str(exc).split())[:160]}"]
    lines = []
    for label, query, passes in CHECKS:
        hits = client.search(name, data=[query], anns_field="sparse", limit=3,
                             search_params={"metric_type": "BM25"})[0]  # fmt: skip
        ids = [int(h["id"]) for h in hits]  # every hit shares a term (milvus-lite 3 scores < 0)
        lines.append(f"{'yes' if passes(ids) else 'NO '}  {label} (found {ids})")
    client.drop_collection(name)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uri", help="a Milvus server (default: a milvus-lite file)")
    args = parser.parse_args()
    from importlib.metadata import version

    from pymilvus import MilvusClient

    with tempfile.TemporaryDirectory() as tmp:
        uri = args.uri or str(Path(tmp) / "analyzer.db")
        client = MilvusClient(uri=uri)
        engine = "server" if args.uri else f"milvus-lite {version('milvus-lite')}"
        print(f"engine: {engine}, pymilvus {version('pymilvus')}")
        for n, (label, params) in enumerate(ANALYZERS.items()):
            print(f"- {label}")
            for line in probe(client, f"survqa_analyzer_probe_{n}", params):
                print(f"    {line}")


if __name__ == "__main__":
    main()
