"""Readable text of a Markdown file: headings, emphasis, links and images unmarked; title,
author and publisher from the front matter or the first heading."""

from __future__ import annotations

import re
from pathlib import Path

from survqa.documents.decoding import decode

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def markdown_text(data: bytes, path: Path) -> dict[str, str | None]:
    """Markdown as readable text: headings, emphasis, links and images unmarked."""
    text, encoding = decode(data, path)
    text = text.replace("\r\n", "\n")
    meta: dict[str, str] = {}
    front = _FRONT.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end() :]
    heading = _HEADING.search(text) or re.search(r"^(\S.*)\n=+[ \t]*$", text, re.MULTILINE)
    rules: list[tuple[str, str]] = [
        (r"<!--.*?-->", ""),
        (r"^[ \t]*```.*$", ""),
        (r"^[ \t]*(?:[-*_][ \t]*){3,}$", ""),
        (r"^[=-]{3,}[ \t]*$", ""),
        (r"!\[[^\]]*\]\([^)]*\)", ""),
        (r"\[([^\]]+)\]\([^)]*\)", r"\1"),
        (r"^#{1,6}[ \t]+(.+?)[ \t#]*$", r"\1"),
        (r"^[ \t]*>[ \t]?", ""),
        (r"^([ \t]*)[-*+][ \t]+", r"\1• "),
        (r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2"),
        (r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\w)", r"\1"),
        (r"`([^`\n]+)`", r"\1"),
    ]
    for pattern, repl in rules:
        text = re.sub(pattern, repl, text, flags=re.MULTILINE | re.DOTALL)
    title = meta.get("title") or (_strip_marks(heading.group(1)) if heading else None)
    return {
        "text": text,
        "encoding": encoding,
        "title": title,
        "author": meta.get("author"),
        "publisher": meta.get("publisher"),
    }


def _strip_marks(text: str) -> str:
    return re.sub(r"[*_`]+", "", re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)).strip()
