"""Readable document names: a title fragment or a file name → the one document it designates.

Every app names documents the way people do — "Belgrade", "Milipol", "le contrôle social" —
or by their file name (``004_fb54ba13254649be.txt``, its stem). Matching ignores case,
accents, apostrophe styles and repeated spaces; an exact file name, stem or title wins over
a fragment. A name that designates no document, or several, raises ``ValueError`` with a
message that lists the candidates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from survqa.records import Document

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "\u00a0": " "})
SHOWN = 8  # candidates listed in an error message


def fold(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).split())


def describe(document: Document) -> str:
    """``'Title' (file name)``: how an error message names a document."""
    return f"{document.title!r} ({document.source})"


def resolve(name: str, documents: Sequence[Document]) -> Document:
    """The document that ``name`` designates: its file name or stem, its full title, or a
    fragment of its title found in no other title."""
    if not isinstance(name, str):
        raise TypeError(f"a document name must be a str, not {type(name).__name__}")
    for document in documents:
        if name in (document.source, document.doc_id):
            return document
    wanted = fold(name)
    if not wanted:
        raise ValueError("a document name is empty: give a title fragment or a file name")
    exact = [d for d in documents if wanted in (fold(d.title), fold(d.source), fold(d.doc_id))]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [d for d in documents if wanted in fold(d.title) or wanted in fold(d.source)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "; ".join(describe(d) for d in matches[:SHOWN])
        raise ValueError(
            f"{name!r} matches {len(matches)} documents: {listed}. "
            "Give more of the title, or the file name"
        )
    known = "; ".join(describe(d) for d in documents[:SHOWN])
    more = f" and {len(documents) - SHOWN} more" if len(documents) > SHOWN else ""
    raise ValueError(
        f"no document matches {name!r}: give a fragment of a title or a file name "
        f"(`survqa list` shows them): {known}{more}"
    )


def resolve_all(names: Sequence[str], documents: Sequence[Document]) -> list[str]:
    """The file names of the documents that ``names`` designate, in order, each once."""
    return list(dict.fromkeys(resolve(name, documents).source for name in names))
