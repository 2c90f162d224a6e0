"""Readable document names: a title fragment or a file name → one document, or a clear error."""

from __future__ import annotations

import pytest

from survqa.documents.names import fold, resolve, resolve_all
from survqa.records import Document

DOCS = [
    Document("000_4dc7.txt", "La Chine, pays le plus surveillé au monde", "t"),
    Document("001_c2f8.txt", "Milipol Paris : les technologies chinoises", "t"),
    Document("002_57e4.txt", "Le contrôle social en Chine", "t"),
    Document("004_fb54.txt", "Dans les rues de Belgrade, des milliers de caméras", "t"),
    Document("rapport_abc.txt", "Rapport", "t", origin="added"),
    Document("rapport-annuel_def.txt", "Rapport annuel", "t", origin="added"),
]


@pytest.mark.parametrize(("name", "source"), [
    ("004_fb54.txt", "004_fb54.txt"), ("004_fb54", "004_fb54.txt"), ("belgrade", "004_fb54.txt"),
    ("BELGRADE", "004_fb54.txt"), ("le controle social", "002_57e4.txt"),
    ("Le  contrôle   social", "002_57e4.txt"), ("milipol", "001_c2f8.txt"),
    ("Rapport", "rapport_abc.txt"),  # an exact title wins over the fragment of another
    ("surveillé", "000_4dc7.txt"), ("fb54", "004_fb54.txt"),
])  # fmt: skip
def test_resolve(name: str, source: str) -> None:
    assert resolve(name, DOCS).source == source


def test_an_ambiguous_fragment_lists_the_candidates() -> None:
    with pytest.raises(ValueError, match="'chine' matches 2 documents") as info:
        resolve("chine", DOCS)
    assert "000_4dc7.txt" in str(info.value) and "002_57e4.txt" in str(info.value)
    assert "Give more of the title, or the file name" in str(info.value)


def test_an_unknown_name_says_what_to_give() -> None:
    with pytest.raises(ValueError, match="no document matches 'tarte'") as info:
        resolve("tarte", DOCS)
    assert "`survqa list`" in str(info.value) and "Belgrade" in str(info.value)
    with pytest.raises(ValueError, match="empty"):
        resolve("  ", DOCS)
    with pytest.raises(TypeError):
        resolve(3, DOCS)  # type: ignore[arg-type]


def test_resolve_all_keeps_order_and_drops_repeats() -> None:
    assert resolve_all(["belgrade", "004_fb54.txt", "milipol"], DOCS) == [
        "004_fb54.txt", "001_c2f8.txt"]  # fmt: skip


def test_fold() -> None:
    assert fold("  L’Élysée  À\u00a0Paris ") == "l'elysee a paris"
