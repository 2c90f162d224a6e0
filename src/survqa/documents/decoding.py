"""Bytes of a text file → str, refusing what is not text rather than garbling it."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

from survqa.errors import IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# punctuation that cp1252 text legitimately contains above ASCII
_COMMON_HIGH = set("«»‘’“”–—…°€£§·•\u00a0×¿¡ºª")


def decode(data: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): a BOM, else the declared charset, else UTF-8, else cp1252 when
    the result reads as real text; anything else is refused rather than garbled."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(name), path), name
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{path}: starts with a {name} mark but is not {name} ({exc})"
                ) from exc
    if b"\x00" in data:
        raise IngestError(f"{path}: binary data, not text (NUL bytes); is the extension right?")
    candidates = [declared] if declared else []
    for name in ["utf-8", *candidates, "cp1252"]:  # valid UTF-8 is UTF-8, whatever it declares
        try:
            text = data.decode(browser_codec(name))
        except (UnicodeDecodeError, LookupError):
            continue
        if name == "cp1252" and not declared and not _plausible_latin(text):
            break
        return _checked(text, path), codecs.lookup(browser_codec(name)).name
    raise IngestError(
        f"{path}: unknown text encoding (not UTF-8, nor plausible Windows-1252); "
        "re-save the file as UTF-8 and add it again"
    )


def browser_codec(name: str) -> str:
    """Browsers read latin-1 as cp1252 (its superset)."""
    latin = name.lower().replace("_", "-") in ("iso-8859-1", "latin-1", "latin1")
    return "cp1252" if latin else name


def _plausible_latin(text: str) -> bool:
    """cp1252 text of a Western language: few accented letters, few odd symbols."""
    letters = [ch for ch in text if ch.isalpha()]
    high = [ch for ch in letters if ord(ch) > 127]
    odd = [ch for ch in text if ord(ch) > 127 and not ch.isalpha() and ch not in _COMMON_HIGH]
    return bool(letters) and len(high) <= 0.3 * len(letters) and len(odd) <= 0.01 * len(text)


def _checked(text: str, path: Path) -> str:
    """Refuse text with many control / unassigned / private-use characters (binary junk)."""
    bad = sum(
        1
        for ch in text
        if ch not in "\n\r\t\f" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
    )
    if bad > max(2, 0.01 * len(text)) or "\ufffd" * 3 in text:
        raise IngestError(
            f"{path}: binary data, not text ({bad} control characters); is the extension right?"
        )
    return text
