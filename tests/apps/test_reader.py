"""The reader panel: requests checked against the documents, the text escaped with the
excerpt, the sentence and the key figure highlighted in context, long documents cut."""

from __future__ import annotations

import html
import json
import re

import pytest
from webui_helpers import HOSTILE, inert

from survqa.apps import reader
from survqa.apps.reader import ReaderRequest, parse_request, render_reader
from survqa.records import Document

TEXT = "Titre\n\nAvant. Paris compte 56 000 caméras. Après.\n\nFin.\n"
DOC = Document("a.txt", "Titre", TEXT, publisher="AFP", origin="added",
               added="2024-03-05T10:00:00Z")  # fmt: skip
DOCS = {"a.txt": DOC}


def request(**kw: object) -> str:
    s = TEXT.index("Paris")
    ref = {"source": "a.txt", "start": TEXT.index("Avant"), "end": TEXT.index("\n\nFin"),
           "answer_start": s, "answer_end": s + len("Paris compte 56 000 caméras."),
           "key_start": s + 13, "key_end": s + 19}  # fmt: skip
    ref.update(kw)
    return "3\n" + json.dumps(ref)


def test_a_request_is_parsed_against_the_documents() -> None:
    r = parse_request(request(), DOCS)
    assert r.source == "a.txt" and r.serial == 3 and TEXT[r.key_start : r.key_end] == "56 000"


@pytest.mark.parametrize("raw", [
    None, 3, "", "x", "3\nnot json", "3\n[]", request(source="../../etc/passwd"),
    request(source="b.txt"), request(end=10**6), request(start=-1), request(answer_start=0),
    request(start="1"), request(end=True), "1\n" + "x" * 5000,
])  # fmt: skip
def test_bad_requests_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_request(raw, DOCS)


def test_a_key_outside_the_sentence_is_dropped() -> None:
    r = parse_request(request(key_start=0, key_end=3), DOCS)
    assert (r.key_start, r.key_end) == (0, 0)


def test_the_reader_shows_the_whole_text_with_the_passage_highlighted_in_context() -> None:
    out = render_reader(DOC, parse_request(request(), DOCS), "fr")
    assert 'class="sq-reader-doc sq-reader-3"' in out
    text = html.unescape(re.sub(r"<[^>]+>", "", out[out.index('<div class="sq-reader-text">') :]))
    assert text == TEXT  # the file's text, every character, line breaks kept
    assert '<span class="sq-excerpt">Avant. <mark class="sq-hit">Paris compte <strong ' in out
    head = html.unescape(re.sub(r"<[^>]+>", " ", out[: out.index("sq-reader-text")]))
    assert "Titre" in head and "AFP" in head and "ajouté le 2024-03-05" in head and "a.txt" in head


def test_opening_a_whole_document_highlights_nothing() -> None:
    out = render_reader(DOC, ReaderRequest("a.txt"), "en")
    assert "sq-hit" not in out and "added on 2024-03-05" in html.unescape(out)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_document_text_and_title_are_inert(hostile: str) -> None:
    text = f"{hostile}\n\nAvant {hostile}. Phrase {hostile} ici.\n"
    doc = Document("h.txt", hostile, text, publisher=hostile, author=hostile)
    s = text.index("Phrase")
    r = ReaderRequest("h.txt", 0, len(text), s, s + 6)
    out = render_reader(doc, r)
    assert inert(out) and "<script" not in out and "<img" not in out
    assert html.unescape(re.sub(r"<[^>]+>", "", out)).count(hostile.replace("&amp;", "&amp;")) >= 3


def test_a_long_document_is_shown_around_the_excerpt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_CHARS", 100)
    text = "".join(f"ligne {i:04d}\n" for i in range(200))
    doc = Document("long.txt", "Long", text)
    s = text.index("ligne 0150")
    out = render_reader(doc, ReaderRequest("long.txt", s, s + 10, s, s + 10))
    assert "ligne 0150" in out and "ligne 0000" not in out and f"/ {len(text)}" in out
