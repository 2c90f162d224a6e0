"""Corpus loading, cleaning and paragraph detection (no model, fast)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from boilerplate import BOILERPLATE
from hypothesis import given
from hypothesis import strategies as st

from survqa.corpus import (
    CATALOG_NAME,
    clean,
    clean_span,
    corpus_hash,
    load_documents,
    paragraphs,
)
from survqa.errors import CorpusError
from survqa.records import Document

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

SEED_SHA256 = {
    "000_4dc79184bdaaea80.txt": "813d4a03e145a39a853c78501d89273326f003e0ce0074b62fdfb64fbb0d9912",
    "001_c2f8cadc7eb2a992.txt": "4c3913a80a2426ab4c13d86e429cd77b5417b29c0747391c04f2a6b0523ba663",
    "002_57e457aff61ca5f8.txt": "77d7393f3a5081a90c61a0f8ad6791652270493bb9bc1f9a6ab1f88382ded1bc",
    "003_dd7034ebacab1c8c.txt": "5c03de421aee1c6fd2a196064ee730c64e3d711d6d765dd19b701576b321a21b",
    "004_fb54ba13254649be.txt": "594bc53dd36509aa54e1e583a6556c7c2e5245244922c9c76abdfd61b9f7285f",
}



def _paragraph_texts(doc: Document) -> list[str]:
    return [clean_span(doc.text[start:end]) for start, end in paragraphs(doc.text)]


# ---------------------------------------------------------------- seeds


def test_seed_files_are_byte_exact() -> None:
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
    assert found == SEED_SHA256


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="no ../shared/seeds here")
def test_seeds_equal_shared_seeds() -> None:
    for name in SEED_SHA256:
        assert (SEEDS / name).read_bytes() == (SHARED_SEEDS / name).read_bytes()


def test_load_seeds_keeps_text_and_catalog(seeds: list[Document]) -> None:
    assert [d.source for d in seeds] == sorted(SEED_SHA256)
    catalog = json.loads((SEEDS / CATALOG_NAME).read_text(encoding="utf-8"))
    by_source = {entry["source"]: entry for entry in catalog["documents"]}
    for doc in seeds:
        assert doc.text == (SEEDS / doc.source).read_text(encoding="utf-8")
        assert doc.title == by_source[doc.source]["title"]
        assert doc.publisher == by_source[doc.source]["publisher"]
        assert doc.author == by_source[doc.source]["author"]
        assert doc.origin == "seed"
    assert seeds[1].publisher == "AFP"
    assert seeds[2].author == "Patrice Lefort-Lavauzelle"


def test_corpus_hash_is_stable_and_sensitive(seeds: list[Document]) -> None:
    digest = corpus_hash(seeds)
    assert len(digest) == 64 and digest == corpus_hash(load_documents(SEEDS))
    changed = [*seeds[:-1], Document(seeds[-1].source, "t", seeds[-1].text + " ")]
    assert corpus_hash(changed) != digest
    assert corpus_hash(seeds[::-1]) != digest


@pytest.mark.parametrize("boiler", BOILERPLATE)
def test_no_boilerplate_in_seed_paragraphs(seeds: list[Document], boiler: str) -> None:
    for doc in seeds:
        for text in _paragraph_texts(doc):
            assert boiler not in text, (doc.source, text)


def test_seed_paragraphs_keep_content(seeds: list[Document]) -> None:
    texts = {doc.source[:3]: _paragraph_texts(doc) for doc in seeds}
    assert "Sources" in texts["000"]
    numbered = [t for t in texts["000"] if t[:2] in {"1.", "2.", "3.", "4.", "5.", "6."}]
    assert len(numbered) == 6
    bullets = [t for t in texts["000"] if t.startswith("•")]
    assert len(bullets) == 10 and any("56 000 caméras" in t for t in bullets)
    assert "Inquiétude des ONG de défense des droits numériques" in texts["004"]
    assert "Patrice Lefort-Lavauzelle" in texts["002"]
    assert "Stéphane Aymard, Ingénieur de Recherche, La Rochelle Université" in texts["003"]
    assert "– « Compliqué en France » –" in texts["001"]
    assert texts["004"][0].startswith("Dans les rues de Belgrade")


def test_pdf_paragraphs_join_broken_sentences(seeds: list[Document]) -> None:
    texts = _paragraph_texts(seeds[2])
    joined = " ".join(texts)
    for piece in (
        "rembourser ses crédits font gagner des points",
        "un immense pare-feu national qui a réussi à sanctuariser",
        "Ant Financial Services Group",
        "un dispositif de surveillance et des incitations",
        "De rares critiques publiques d’une surveillance massive",
    ):
        assert piece in joined
    assert "« L’Œil céleste » vous regarde" in texts  # a heading is its own paragraph
    assert "Le contrôle social en Chine : 1,42 milliard de suspects sous surveillance" in texts


def test_paragraph_spans_are_trimmed_and_ordered(seeds: list[Document]) -> None:
    for doc in seeds:
        spans = paragraphs(doc.text)
        assert spans
        previous_end = 0
        for start, end in spans:
            assert previous_end <= start < end <= len(doc.text)
            assert not doc.text[start].isspace() and not doc.text[end - 1].isspace()
            previous_end = end


# ---------------------------------------------------------------- small texts


def test_paragraphs_blank_lines_and_boilerplate() -> None:
    text = "Titre court\n\nPremier paragraphe.\n\n- Publicité -\n\nSecond. Fin.\n\nmra/liu\n"
    assert [text[a:b] for a, b in paragraphs(text)] == [
        "Titre court",
        "Premier paragraphe.",
        "Second. Fin.",
    ]


def test_paragraphs_one_per_line_and_bullets() -> None:
    text = "Une phrase.\nUn titre\nAutre phrase.\n  • point un\n  • point deux\n"
    assert [text[a:b] for a, b in paragraphs(text)] == [
        "Une phrase.",
        "Un titre",
        "Autre phrase.",
        "• point un",
        "• point deux",
    ]


def test_paragraphs_drop_caption_shown_twice() -> None:
    text = "Titre\n\nUne photo de la ville la nuit.\nUne photo de la ville la nuit. AFP\n\nTexte.\n"
    assert [text[a:b] for a, b in paragraphs(text)] == ["Titre", "Texte."]


def test_paragraphs_markup_caption_lines() -> None:
    text = "![]() |\nLa ville en 2021. Wikimedia |\nLe vrai texte commence ici.\n"
    assert [text[a:b] for a, b in paragraphs(text)] == ["Le vrai texte commence ici."]


WRAPPED = (
    "Le grand titre\n"
    "Une longue phrase qui continue sur la ligne\n"
    "suivante puis encore sur une autre ligne et\n"
    "\n"
    "même après une ligne vide, avant de finir.\n"
    "Une autre phrase commence ici sur la ligne\n"
    "pleine puis se termine ici par un point.\n"
    "\n"
    "Nouveau paragraphe qui commence et se termine.\n"
)


def test_paragraphs_hard_wrapped_text() -> None:
    texts = [clean_span(WRAPPED[a:b]) for a, b in paragraphs(WRAPPED)]
    assert texts[0] == "Le grand titre"
    assert texts[1].startswith("Une longue phrase") and texts[1].endswith("par un point.")
    assert "et même après une ligne vide" in texts[1]
    assert texts[2] == "Nouveau paragraphe qui commence et se termine."


def test_paragraphs_of_empty_text() -> None:
    assert paragraphs("") == []
    assert paragraphs("\n\n  \n- Publicité -\n") == []


# ---------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Finan-\ncial", "Financial"),
        ("surveil-\nlance", "surveillance"),
        ("sur-\nveillance", "surveillance"),
        ("sur- \n\n veillance", "surveillance"),
        ("U.S.-China", "U.S.-China"),
        ("État-providence", "État-providence"),
        ("Delbos-Corfield", "Delbos-Corfield"),
        ("Lefort-\nLavauzelle", "Lefort-Lavauzelle"),
        ("1 000 -\n2 000", "1 000 - 2 000"),
        ("  un\n\ndeux \t trois\u00a0quatre  ", "un deux trois quatre"),
        ("", ""),
    ],
)
def test_clean_span(raw: str, expected: str) -> None:
    assert clean_span(raw) == expected


def test_clean_offsets_round_trip() -> None:
    text = " Une notifi-\ncation  arrive,\n\nd’État-providence. Finan-\ncial\n"
    cleaned = clean(text)
    assert cleaned.text == "Une notification arrive, d’État-providence. Financial"
    assert len(cleaned.offsets) == len(cleaned.text)
    assert list(cleaned.offsets) == sorted(set(cleaned.offsets))
    for i, char in enumerate(cleaned.text):
        original = text[cleaned.offsets[i]]
        assert original == char or (char == " " and original.isspace())
    start = cleaned.text.index("notification")
    a, b = cleaned.to_original(start, start + len("notification"))
    assert text[a:b] == "notifi-\ncation"
    assert cleaned.to_original(0, 0) == (1, 1)
    assert cleaned.to_original(len(cleaned.text), len(cleaned.text)) == (len(text) - 1,) * 2


@given(st.text(alphabet="ab -\n\t\u00a0éÉ.", max_size=60))
def test_clean_offsets_property(text: str) -> None:
    cleaned = clean(text)
    assert len(cleaned.offsets) == len(cleaned.text)
    assert all(a < b for a, b in zip(cleaned.offsets, cleaned.offsets[1:], strict=False))
    for char, offset in zip(cleaned.text, cleaned.offsets, strict=True):
        assert text[offset] == char or (char == " " and text[offset].isspace())
    assert cleaned.text == cleaned.text.strip() and "  " not in cleaned.text
    assert clean_span(text) == cleaned.text
    if cleaned.text:
        a, b = cleaned.to_original(0, len(cleaned.text))
        assert clean_span(text[a:b]) == cleaned.text


def test_clean_on_seeds_maps_back(seeds: list[Document]) -> None:
    for doc in seeds:
        cleaned = clean(doc.text)
        assert len(cleaned.offsets) == len(cleaned.text)
        for i in range(0, len(cleaned.text), 7):
            original = doc.text[cleaned.offsets[i]]
            assert original == cleaned.text[i] or original.isspace() or original == "-"
        word = "surveillance"
        start = cleaned.text.find(word)
        if start >= 0:
            a, b = cleaned.to_original(start, start + len(word))
            assert clean_span(doc.text[a:b]) == word


# ---------------------------------------------------------------- loading


def _write(folder: Path, files: dict[str, bytes | str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return folder


def test_file_absent_from_catalog_gets_a_title(tmp_path: Path) -> None:
    long_line = "Un titre " + "très " * 60
    folder = _write(
        tmp_path / "c",
        {
            "b.txt": "\n\n- Publicité -\nLe vrai titre\n\nTexte.\n",
            "a.txt": "Texte du catalogue.\n",
            "c.txt": "\n  \n",
            "d.txt": long_line + "\n",
            CATALOG_NAME: json.dumps(
                {
                    "format": 1,
                    "documents": [
                        {"source": "a.txt", "title": "A", "publisher": "P", "author": None},
                        {"source": "gone.txt", "title": "G"},
                    ],
                }
            ),
        },
    )
    docs = load_documents(folder)
    assert [d.source for d in docs] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert (docs[0].title, docs[0].publisher, docs[0].author) == ("A", "P", None)
    assert docs[1].title == "Le vrai titre" and docs[1].publisher is None
    assert docs[2].title == "c.txt"
    assert docs[3].title.startswith("Un titre très") and len(docs[3].title) <= 121


def test_catalog_origin_and_added(tmp_path: Path) -> None:
    entry = {"source": "a.txt", "title": "A", "origin": "upload", "added": "2025-01-01"}
    folder = _write(
        tmp_path / "c",
        {"a.txt": "x\r\ny\n", CATALOG_NAME: json.dumps({"format": 1, "documents": [entry]})},
    )
    (doc,) = load_documents(folder)
    assert (doc.origin, doc.added) == ("upload", "2025-01-01")
    assert doc.text == (folder / "a.txt").read_text(encoding="utf-8")  # offsets index this


def test_missing_catalog_is_allowed(tmp_path: Path) -> None:
    folder = _write(tmp_path / "c", {"a.txt": "Titre\n\nTexte."})
    assert load_documents(folder)[0].title == "Titre"


@pytest.mark.parametrize(
    "catalog",
    [
        "{not json",
        "[]",
        json.dumps({"format": 1}),
        json.dumps({"format": 1, "documents": [{"title": "no source"}]}),
        json.dumps({"format": 1, "documents": [{"source": "a.txt", "title": 3}]}),
        json.dumps({"format": 2, "documents": []}),
    ],
)
def test_malformed_catalog(tmp_path: Path, catalog: str) -> None:
    folder = _write(tmp_path / "c", {"a.txt": "Texte.", CATALOG_NAME: catalog})
    with pytest.raises(CorpusError, match="catalog"):
        load_documents(folder)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_documents(tmp_path / "nope")


def test_folder_without_txt(tmp_path: Path) -> None:
    folder = _write(tmp_path / "c", {"notes.md": "x"})
    with pytest.raises(CorpusError, match=r"no \.txt"):
        load_documents(folder)


def test_non_utf8_file(tmp_path: Path) -> None:
    folder = _write(tmp_path / "c", {"a.txt": "Texte.", "b.txt": "caf\xe9".encode("latin-1")})
    with pytest.raises(CorpusError, match="UTF-8"):
        load_documents(folder)
