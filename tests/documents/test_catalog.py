"""catalog.json: one reader for the seeds and the library, and its writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survqa.documents.catalog import CATALOG_NAME, catalog_json, read_catalog
from survqa.errors import CorpusError


def test_no_catalog_is_none(tmp_path: Path) -> None:
    assert read_catalog(tmp_path) is None
    assert read_catalog(tmp_path / "missing-folder") is None


def test_entries_in_file_order_with_extra_keys(tmp_path: Path) -> None:
    entries = [
        {"source": "b.txt", "title": "Bé", "publisher": None, "author": "X"},
        {"source": "a.txt", "title": "A", "origin": "added", "bytes": 12, "format": "pdf"},
    ]
    (tmp_path / CATALOG_NAME).write_text(
        json.dumps({"format": 1, "documents": entries}), encoding="utf-8"
    )
    assert read_catalog(tmp_path) == entries


def test_catalog_json_round_trips_and_keeps_accents(tmp_path: Path) -> None:
    entries = [{"source": "été.txt", "title": "Été à Nîmes", "publisher": None}]
    text = catalog_json(entries)
    assert text.endswith("\n") and "Été à Nîmes" in text  # not \u-escaped
    assert json.loads(text) == {"format": 1, "documents": entries}
    (tmp_path / CATALOG_NAME).write_text(text, encoding="utf-8")
    assert read_catalog(tmp_path) == entries
    assert json.loads(catalog_json([])) == {"format": 1, "documents": []}


@pytest.mark.parametrize(
    "catalog",
    [
        "{not json",
        "[]",
        json.dumps({"format": 1}),
        json.dumps({"format": 1, "documents": [{"title": "no source"}]}),
        json.dumps({"format": 1, "documents": [{"source": "a.txt", "title": 3}]}),
        json.dumps({"format": 1, "documents": [{"source": "a.txt", "original_name": 3}]}),
        json.dumps({"format": 1, "documents": ["a.txt"]}),
        json.dumps({"format": 2, "documents": []}),
    ],
)
def test_malformed_catalog(tmp_path: Path, catalog: str) -> None:
    (tmp_path / CATALOG_NAME).write_text(catalog, encoding="utf-8")
    with pytest.raises(CorpusError, match="catalog") as caught:
        read_catalog(tmp_path)
    assert str(tmp_path / CATALOG_NAME) in str(caught.value)
    assert "fix or delete" in str(caught.value)  # the message says what to do


def test_undecodable_catalog(tmp_path: Path) -> None:
    (tmp_path / CATALOG_NAME).write_bytes(b'{"format": 1, "documents": [\xff]}')
    with pytest.raises(CorpusError, match="cannot read the catalog"):
        read_catalog(tmp_path)
