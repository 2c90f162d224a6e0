"""``catalog.json``: the titles, publishers and authors of a folder's documents.

One format for the seeds and the library of added documents::

    {"format": 1, "documents": [{"source": "000_….txt", "title": …, "publisher": …,
                                  "author": …, "origin": …, "added": …}, …]}

Library entries carry more keys (``original_name``, ``format``, ``content_sha256``…).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from survqa.errors import CorpusError

CATALOG_NAME = "catalog.json"
FORMAT = 1
_TEXT_KEYS = ("title", "publisher", "author", "origin", "added", "original_name")


def read_catalog(folder: Path) -> list[dict[str, Any]] | None:
    """The entries of ``folder``'s catalog in file order; None when there is no catalog."""
    path = Path(folder) / CATALOG_NAME
    if not path.exists():
        return None
    fix = f"fix or delete {path} (format: {{'format': 1, 'documents': [{{'source': ...}}]}})"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"cannot read the catalog {path}: {exc}; {fix}") from exc
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(_valid(e) for e in entries):
        raise CorpusError(f"malformed catalog {path}: each document needs a 'source'; {fix}")
    if data.get("format", FORMAT) != FORMAT:
        raise CorpusError(f"catalog {path} has an unknown format {data['format']!r}: {fix}")
    return list(entries)


def catalog_json(entries: list[dict[str, Any]]) -> str:
    """The text of a catalog file listing ``entries``."""
    return json.dumps({"format": FORMAT, "documents": entries}, ensure_ascii=False, indent=2) + "\n"


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("source"), str):
        return False
    return all(isinstance(entry.get(k), (str, type(None))) for k in _TEXT_KEYS)
