"""End-to-end tests: ``python app.py`` in a subprocess, driven by headless Chromium.

Needs Debian's ``chromium`` on PATH (skipped without it, failed when CI is set) and the real
embedding model; the real index is copied to a temporary folder first.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from app_process import running_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](http://127.0.0.1:9/x.png)",
    "[lien](javascript:alert(1))",
]
XSS_TEXT = (
    "Le rapport sur les caméras de surveillance du quartier contient des pièges.\n\n"
    f"Le rapport sur les caméras cite la balise {HOSTILE[0]} dans son annexe. "
    f"Le rapport sur les caméras montre aussi l'image {HOSTILE[1]} en page deux. "
    f"Le rapport sur les caméras affiche la photo {HOSTILE[2]} du carrefour. "
    f"Le rapport sur les caméras renvoie vers le {HOSTILE[3]} du ministère.\n"
)
PARIS = "Combien de caméras compte Paris ?"
SCROLL_CHAT_TO_TOP = """() => document.querySelectorAll('#sq-chat *').forEach(e => {
  if (e.scrollHeight > e.clientHeight + 10 && /auto|scroll/.test(getComputedStyle(e).overflowY))
    e.scrollTop = 0; })"""
REPLY_MS = 120_000


def _start_app(tmp: Path, corpus: Path | None, index: Path) -> Iterator[str]:
    args = ["--index", str(index)] + (["--corpus", str(corpus)] if corpus is not None else [])
    with running_app(tmp / "app.log", *args, env={"SURVQA_INDEX": str(index)}) as (url, _):
        yield url + "/"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("app")
    index = tmp / "index"
    if (ROOT / "index" / "manifest.json").exists():
        shutil.copytree(ROOT / "index", index)
    yield from _start_app(tmp, None, index)


@pytest.fixture(scope="module")
def xss_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("xss")
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "000_piege.txt").write_text(XSS_TEXT, encoding="utf-8")
    entry = {"source": "000_piege.txt", "title": f"Rapport piégé {HOSTILE[0]}",
             "publisher": HOSTILE[3], "author": None}  # fmt: skip
    catalog = {"format": 1, "documents": [entry]}
    (corpus / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False), "utf-8")
    yield from _start_app(tmp, corpus, tmp / "index")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page that records dialogs and requests to any host but the app's."""

    def __init__(self, browser: object, url: str) -> None:
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
        netloc = urlsplit(url).netloc
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on(
            "request",
            lambda r: (
                None
                if urlsplit(r.url).scheme in ("data", "blob") or urlsplit(r.url).netloc == netloc
                else self.foreign.append(r.url)
            ),
        )
        self.page.goto(url)
        self.page.locator("#sq-question textarea").wait_for()

    def ask(self, question: str) -> None:
        replies = self.page.locator("#sq-chat .sq-reply")
        before = replies.count()
        box = self.page.locator("#sq-question textarea")
        box.fill(question)
        box.press("Enter")
        replies.nth(before).wait_for(timeout=REPLY_MS)
        self.page.wait_for_timeout(300)

    def last_reply(self) -> object:
        return self.page.locator("#sq-chat .sq-reply").last


def test_french_question_shows_title_and_highlight(browser: object, app_url: str) -> None:
    w = Watched(browser, app_url)
    w.ask(PARIS)
    reply = w.last_reply()
    card = reply.locator(".sq-card").first  # type: ignore[attr-defined]
    assert "La Chine, pays le plus surveillé au monde" in card.inner_text()
    assert "56 000 caméras" in card.locator("mark").inner_text()
    assert "000_4dc79184bdaaea80.txt" in card.inner_text()
    w.page.evaluate(SCROLL_CHAT_TO_TOP)
    w.page.wait_for_timeout(300)
    (ROOT / "docs").mkdir(exist_ok=True)
    w.page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)
    assert not w.dialogs and not w.foreign


def test_english_question_gets_a_french_excerpt(browser: object, app_url: str) -> None:
    w = Watched(browser, app_url)
    w.ask("How many cameras are there in Paris?")  # the English example of the UI
    marked = w.last_reply().locator(".sq-card mark").first.inner_text()  # type: ignore[attr-defined]
    assert "56 000 caméras" in marked


def test_out_of_corpus_question_says_no_answer(browser: object, app_url: str) -> None:
    w = Watched(browser, app_url)
    w.ask("Quelle est la recette de la tarte Tatin aux pommes ?")
    assert "Le corpus ne répond pas à cette question" in w.last_reply().inner_text()  # type: ignore[attr-defined]


def test_document_filter_restricts_the_sources(browser: object, app_url: str) -> None:
    w = Watched(browser, app_url)
    dropdown = w.page.locator("#sq-sources input")
    dropdown.click()
    dropdown.fill("Belgrade")
    w.page.get_by_role("option", name="Belgrade", exact=False).first.click()
    w.page.keyboard.press("Escape")
    w.ask(PARIS)
    sources = w.last_reply().locator(".sq-card > .sq-src").all_inner_texts()  # type: ignore[attr-defined]
    assert sources
    assert all(s.startswith("004_fb54ba13254649be.txt") for s in sources), sources


def test_hostile_corpus_renders_as_literal_text(browser: object, xss_url: str) -> None:
    w = Watched(browser, xss_url)
    w.ask("Que contient le rapport sur les caméras ?")
    w.page.wait_for_timeout(1500)
    shown = w.page.locator("#sq-chat").inner_text()
    for hostile in HOSTILE:
        assert hostile in shown
    panel = w.page.locator("body").inner_text()
    assert f"Rapport piégé {HOSTILE[0]}" in panel
    assert w.page.locator("#sq-chat img").count() == 0
    assert w.page.locator("#sq-chat script").count() == 0
    assert w.page.locator("#sq-chat a[href^='javascript']").count() == 0
    w.ask(f"Le rapport {HOSTILE[2]} montre-t-il {HOSTILE[1]} ?")
    assert f"Le rapport {HOSTILE[2]} montre-t-il {HOSTILE[1]} ?" in w.page.inner_text("#sq-chat")
    assert w.page.locator("#sq-chat img").count() == 0
    assert w.dialogs == [] and w.foreign == []


def test_huge_paste_is_cut_with_a_notice(browser: object, app_url: str) -> None:
    w = Watched(browser, app_url)
    w.ask("Combien de caméras à Paris ? " * 40_000)
    assert "seuls les 2000 premiers" in w.last_reply().inner_text()  # type: ignore[attr-defined]


def test_gradio_client_ask_returns_the_answer_dict(app_url: str) -> None:
    from gradio_client import Client

    data = Client(app_url, verbose=False).predict(PARIS, 3, [], [], api_name="/ask")
    assert isinstance(data, dict) and data["excerpts"]
    assert "56 000 caméras" in data["excerpts"][0]["answer"]
    assert len(data["excerpts"]) <= 3
