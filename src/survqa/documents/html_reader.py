"""Readable text of an HTML page: no scripts, styles or site furniture where detectable.

Dropped: ``script``, ``style``, ``nav``, ``aside``, forms, embedded objects, the page's
own ``header``/``footer`` (kept inside ``article``/``main``), elements hidden or marked
as navigation, banners, menus, cookie notices, share buttons, comments, ads. When an
``article`` (else ``main``) holds enough text, only its text is kept.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_SKIP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "nav",
        "aside",
        "form",
        "button",
        "select",
        "textarea",
        "iframe",
        "object",
        "embed",
        "canvas",
        "head",
        "dialog",
    }
)
_PAGE_FURNITURE = frozenset({"header", "footer"})
_BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "tr",
        "figcaption",
        "figure",
        "address",
        "header",
        "footer",
        "hr",
        "title",
    }
)
_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "dialog",
        "alert",
        "toolbar",
    }
)
_FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|cookies?|consent|share|sharing|"
    r"social|newsletter|subscribe|sidebar|footer|masthead|advert|ads?|promo|related|comments?|"
    r"skip-link|paywall|popup|modal)(?:$|[\s_-])",
    re.IGNORECASE,
)
_MIN_MAIN_CHARS = 200


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.skipping = 0
        self.blocks: list[tuple[str, bool, bool]] = []  # (text, in article, in main)
        self.current: list[str] = []
        self.title: list[str] = []
        self.in_title = False
        self.h1: str | None = None
        self.meta: dict[str, str] = {}

    # -- structure ---------------------------------------------------------------------------
    def _inside(self, *tags: str) -> bool:
        return any(tag in tags for tag, _ in self.stack)

    def _skips(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _SKIP or "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        if tag in _PAGE_FURNITURE and not self._inside("article", "main"):
            return True
        if (attrs.get("role") or "").lower() in _ROLES:
            return True
        if "display:none" in (attrs.get("style") or "").replace(" ", "").lower():
            return True
        marks = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        container = tag in ("html", "body", "article", "main")
        return not container and bool(_FURNITURE_CLASS.search(marks))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k.lower(): v for k, v in attrs}
        if tag == "meta":
            key = (found.get("name") or found.get("property") or "").lower()
            if key and found.get("content"):
                self.meta.setdefault(key, found["content"] or "")
            return
        if tag == "title":
            self.in_title = True
        if tag in _BLOCK:
            self._flush()
        if tag == "br":
            self.current.append("\n")
        if tag in _VOID:
            return
        skipped = self._skips(tag, found)
        self.stack.append((tag, skipped))
        self.skipping += skipped
        if tag == "li" and not self.skipping:
            self.current.append("• ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _BLOCK or tag in ("td", "th"):
            if tag in ("td", "th"):
                self.current.append(" ")
            else:
                self._flush()
        if not any(open_tag == tag for open_tag, _ in self.stack):
            return  # a stray end tag
        while self.stack:
            open_tag, skipped = self.stack.pop()
            self.skipping -= skipped
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:  # source line breaks are spaces, except in <pre>
            self.current.append(data if self._inside("pre") else re.sub(r"\s", " ", data))

    def _flush(self) -> None:
        lines = "".join(self.current).split("\n")
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        self.current = []
        if not text or text == "•":
            return
        if self.h1 is None and self._inside("h1"):
            self.h1 = text
        self.blocks.append((text, self._inside("article"), self._inside("main")))

    def close(self) -> None:
        super().close()
        self._flush()


def html_text(html: str) -> dict[str, str | None]:
    """``text`` (blocks separated by blank lines), ``title``, ``author``, ``publisher``."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    blocks = parser.blocks
    for flag in (1, 2):  # the article, else the main element, when it holds enough text
        chosen = [b for b in blocks if b[flag]]
        if sum(len(b[0]) for b in chosen) >= _MIN_MAIN_CHARS:
            blocks = chosen
            break
    meta = parser.meta
    publisher = meta.get("og:site_name") or meta.get("publisher") or meta.get("dc.publisher")
    title = " ".join("".join(parser.title).split()) or meta.get("og:title") or parser.h1
    if title and publisher:  # "Headline | Site" → "Headline"
        title = re.sub(rf"\s*[|–—-]\s*{re.escape(publisher)}\s*$", "", title) or title
    author = meta.get("author") or meta.get("article:author") or meta.get("dc.creator")
    if author and author.startswith(("http://", "https://")):
        author = None
    return {
        "text": "\n\n".join(b[0] for b in blocks),
        "title": title,
        "author": author,
        "publisher": publisher,
    }
