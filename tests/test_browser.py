"""End-to-end tests: ``python app.py`` in a subprocess, driven by headless Chromium.

Needs Debian's ``chromium`` on PATH (skipped without it, failed when CI is set) and the real
embedding model; the real index is copied to a temporary folder first, and added documents
go to a temporary library. The tests also take the README's screenshots (``docs/``, with
``SURVQA_SCREENSHOTS=1``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from app_process import running_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
# the README's screenshots are rewritten only on demand (SURVQA_SCREENSHOTS=1), so that a
# test run leaves the checkout as it was; otherwise they go to a temporary folder
DOCS = ROOT / "docs" if os.environ.get("SURVQA_SCREENSHOTS") else Path(tempfile.mkdtemp())
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
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
PARIS_FILE = "000_4dc79184bdaaea80.txt"
# an HTML page to upload: a fact no seed states, a hostile title and hostile text
UPLOAD_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'>"
    "<title>Tbilissi sous surveillance &lt;img src=x onerror=alert(7)&gt;</title></head><body>"
    "<nav>Accueil | Monde</nav><article><h1>Tbilissi sous surveillance</h1>"
    "<p>La municipalité de Tbilissi a signé en 2023 un contrat avec le groupe Falcon Eye pour "
    "installer un réseau de vidéosurveillance dans toute la ville.</p>"
    "<p>Le projet Falcon Eye déploie 4 321 caméras à reconnaissance faciale dans les rues de "
    "Tbilissi, selon le rapport municipal publié au printemps.</p>"
    "<p>Les associations dénoncent un système opaque <script>alert(8)</script> dont les "
    "données sont conservées cinq ans.</p></article></body></html>"
)
FALCON = "Combien de caméras le projet Falcon Eye déploie-t-il à Tbilissi ?"
REPLY_MS = 120_000
UPLOAD_MS = 300_000
# where an element is, against the viewport and its nearest scrolling ancestor
WHERE = """(el) => {
  const r = el.getBoundingClientRect();
  let box = el.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight + 2
                  && /auto|scroll/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
  const b = box ? box.getBoundingClientRect() : {top: 0, bottom: innerHeight};
  return {top: r.top, bottom: r.bottom, height: r.height, viewport: innerHeight,
          boxTop: b.top, boxBottom: b.bottom};
}"""
PROGRESS_WATCH = """() => { window.__sqProgress = []; new MutationObserver(() => {
  const t = document.querySelector('#sq-upload-status [data-testid="status-tracker"]');
  if (t && !t.classList.contains('hide') && t.innerText.trim())
    window.__sqProgress.push(t.innerText);
}).observe(document.body,
           {subtree: true, childList: true, attributes: true, characterData: true}); }"""


def _start_app(tmp: Path, corpus: Path | None, index: Path) -> Iterator[str]:
    args = ["--index", str(index), "--library", str(tmp / "library")]
    args += ["--corpus", str(corpus)] if corpus is not None else []
    env = {"SURVQA_INDEX": str(index), "SURVQA_LIBRARY": str(tmp / "library")}
    with running_app(tmp / "app.log", *args, env=env) as (url, _):
        yield url + "/"


def _index_copy(tmp: Path) -> Path:
    index = tmp / "index"
    if (ROOT / "index" / "manifest.json").exists():
        shutil.copytree(ROOT / "index", index)
    return index


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("app")
    yield from _start_app(tmp, None, _index_copy(tmp))


@pytest.fixture(scope="module")
def upload_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app whose library the upload tests change (its own index and library copies)."""
    tmp = tmp_path_factory.mktemp("upload")
    yield from _start_app(tmp, None, _index_copy(tmp))


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
def browser() -> Iterator[Any]:
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

    def __init__(
        self, browser: Any, url: str, viewport: dict[str, int] = DESKTOP, locale: str = "fr-FR"
    ) -> None:
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.url = url
        self.context = browser.new_context(viewport=viewport, locale=locale)
        origin = url.rstrip("/")
        self.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        self.page = self.context.new_page()
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
        self.open()

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.locator("#sq-question textarea").wait_for()
        self.page.locator("#sq-docs .sq-doc").first.wait_for()

    def ask(self, question: str) -> Any:
        """Ask and wait for the reply (and the page's scroll); the reply's locator."""
        replies = self.page.locator("#sq-chat .sq-reply")
        before = replies.count()
        box = self.page.locator("#sq-question textarea")
        box.fill(question)
        box.press("Enter")
        replies.nth(before).wait_for(timeout=REPLY_MS)
        self.page.wait_for_timeout(400)
        return replies.nth(before)

    def last_reply(self) -> Any:
        return self.page.locator("#sq-chat .sq-reply").last

    def where(self, locator: Any) -> dict[str, float]:
        return dict(locator.evaluate(WHERE))

    def in_view(self, locator: Any) -> bool:
        """Entirely visible: inside the viewport and inside its scrolling container."""
        w = self.where(locator)
        top, bottom = max(0.0, w["boxTop"]), min(w["viewport"], w["boxBottom"])
        return bool(w["height"] > 0 and w["top"] >= top - 1 and w["bottom"] <= bottom + 1)

    def upload(self, *files: Path) -> Any:
        self.page.evaluate(PROGRESS_WATCH)
        with self.page.expect_file_chooser() as chooser:
            self.page.locator("#sq-upload").click()
        chooser.value.set_files([str(f) for f in files])
        status = self.page.locator("#sq-upload-status .sq-status")
        status.wait_for(timeout=UPLOAD_MS)
        return status

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_question_and_its_best_excerpt_are_in_view_after_answering(
    browser: Any, app_url: str, size: str
) -> None:
    w = Watched(browser, app_url, DESKTOP if size == "desktop" else PHONE)
    w.ask("Quelle entreprise fournit les caméras de Belgrade ?")  # a first reply above
    reply = w.ask(PARIS)
    question = w.page.locator("#sq-chat .sq-qtext").last
    best = reply.locator(".sq-card").first
    mark = best.locator("mark")
    assert "56 000" in mark.inner_text()
    assert w.in_view(question), w.where(question)
    assert w.in_view(mark), w.where(mark)
    assert w.in_view(best.locator(".sq-head")), w.where(best.locator(".sq-head"))
    assert w.where(question)["top"] <= w.where(best)["top"]  # the question first
    assert best.locator(".sq-key").inner_text() == "56 000"  # the figure asked for
    name = "screenshot.png" if size == "desktop" else "screenshot-phone.png"
    DOCS.mkdir(exist_ok=True)
    w.page.screenshot(path=str(DOCS / name))
    assert not w.dialogs and not w.foreign
    w.close()


def test_a_card_shows_title_file_span_and_the_highlight(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url)
    card = w.ask(PARIS).locator(".sq-card").first
    assert "La Chine, pays le plus surveillé au monde" in card.inner_text()
    assert PARIS_FILE in card.inner_text() and "Meilleur extrait" in card.inner_text()
    assert re.search(r"confiance élevée · \d+\s%", card.locator(".sq-conf").inner_text())
    assert "Probabilité calibrée" in (card.locator(".sq-conf").get_attribute("title") or "")
    w.close()


def test_opening_a_source_shows_the_highlighted_passage_in_its_document(
    browser: Any, app_url: str
) -> None:
    w = Watched(browser, app_url)
    card = w.ask(PARIS).locator(".sq-card").first
    sentence = card.locator("mark").inner_text()
    card.locator("button.sq-open").click()
    hit = w.page.locator("#sq-reader mark.sq-hit")
    hit.wait_for(timeout=20_000)
    w.page.wait_for_timeout(300)
    assert " ".join(hit.inner_text().split()) == " ".join(sentence.split())
    assert w.in_view(hit), w.where(hit)
    reader = w.page.locator("#sq-reader")
    assert "La Chine, pays le plus surveillé au monde" in reader.locator("h3").inner_text()
    assert "corpus d'origine" in reader.inner_text() and PARIS_FILE in reader.inner_text()
    text = reader.locator(".sq-reader-text").inner_text()
    seed = (ROOT / "seeds" / PARIS_FILE).read_text(encoding="utf-8")
    assert seed.splitlines()[0].strip() in text and seed.rstrip().splitlines()[-1].strip() in text
    assert reader.locator(".sq-reader-text .sq-key").inner_text() == "56 000"
    w.page.screenshot(path=str(DOCS / "screenshot-reader.png"))
    w.page.keyboard.press("Escape")
    reader.locator(".sq-reader-doc").wait_for(state="detached", timeout=10_000)
    w.close()


def test_copy_gives_the_plain_text_citable_quote(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url)
    reply = w.ask(PARIS)
    reply.locator(".sq-card").first.locator("button.sq-copy").click()
    w.page.wait_for_timeout(300)
    copied = w.page.evaluate("navigator.clipboard.readText()")
    assert copied == w.page.evaluate("window.sqLastCopied")
    found = re.fullmatch(
        r"« (.+) » — La Chine, pays le plus surveillé au monde, exporte sa surveillance de masse "
        rf"\({PARIS_FILE}, caractères (\d+)–(\d+)\)",
        copied,
    )
    assert found, copied
    seed = (ROOT / "seeds" / PARIS_FILE).read_text(encoding="utf-8")
    a, b = int(found.group(2)), int(found.group(3))
    assert " ".join(seed[a:b].split()) == found.group(1) and "56 000 caméras" in found.group(1)
    reply.locator("button.sq-copy-reply").click()
    w.page.wait_for_timeout(300)
    whole = w.page.evaluate("navigator.clipboard.readText()")
    assert whole.startswith(f"Question : {PARIS}".replace(" :", "\u00a0:"))
    assert copied in whole and "<" not in whole and "&#" not in whole
    with w.page.expect_download() as download:
        reply.locator("button.sq-export-json").click()
    assert download.value.suggested_filename == "survqa-combien-de-cameras-compte-paris.json"
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["question"] == PARIS and data["excerpts"][0]["source"] == PARIS_FILE
    w.close()


def test_reload_keeps_the_conversation_and_follow_ups_still_work(
    browser: Any, app_url: str
) -> None:
    w = Watched(browser, app_url)
    w.ask(PARIS)
    w.open()  # reload
    w.page.locator("#sq-chat .sq-reply").first.wait_for(timeout=20_000)
    assert PARIS in w.page.locator("#sq-chat .sq-qtext").first.inner_text()
    assert "56 000" in w.page.locator("#sq-chat .sq-card mark").first.inner_text()
    follow = w.ask("Et à Berlin ?")
    assert "9 000" in follow.locator(".sq-card").first.inner_text()
    w.page.locator("#sq-new").click()
    w.page.locator("#sq-chat .sq-reply").first.wait_for(state="detached", timeout=20_000)
    w.open()
    w.page.wait_for_timeout(1500)
    assert w.page.locator("#sq-chat .sq-reply").count() == 0
    assert "extraits copiés mot pour mot" in w.page.locator("#sq-chat").inner_text()
    w.close()


def test_labels_follow_the_question_s_language(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url)
    reply = w.ask("¿Cuántas cámaras hay en París?")
    assert "Abrir la fuente" in reply.inner_text() and "caracteres" in reply.inner_text()
    assert "56 000 caméras" in reply.locator(".sq-card mark").first.inner_text()
    reply = w.ask("Wie viele Kameras gibt es in Paris?")
    assert "Quelle öffnen" in reply.inner_text()
    w.close()


def test_interface_follows_the_browser_language(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url, locale="de-DE")
    assert "Neues Gespräch" in w.page.locator("#sq-new").inner_text()
    intro = w.page.locator('#sq-chat .sq-intro[lang="de"]')  # rendered on load, in German
    intro.wait_for(timeout=20_000)
    assert "Korpus" in intro.inner_text() and "Zuverlässigkeit" in intro.inner_text()
    reply = w.ask("???")
    assert "enthält kein Wort" in reply.inner_text()
    w.close()


def test_out_of_corpus_question_says_no_answer(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url)
    reply = w.ask("Quelle est la recette de la tarte Tatin aux pommes ?")
    assert "Le corpus ne répond pas à cette question" in reply.inner_text()
    w.close()


def _choose(w: Watched, fragment: str) -> None:
    dropdown = w.page.locator("#sq-sources input")
    dropdown.click()
    dropdown.fill(fragment)
    w.page.get_by_role("option", name=fragment, exact=False).first.click()
    w.page.keyboard.press("Escape")


def test_document_filter_uses_titles_and_restricts_the_sources(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url)
    _choose(w, "Belgrade")
    reply = w.ask("Quelle entreprise fournit les caméras ?")
    sources = reply.locator(".sq-card > .sq-foot .sq-src").all_inner_texts()
    assert sources and all(s.startswith("004_fb54ba13254649be.txt") for s in sources), sources
    w.close()


def test_these_documents_do_not_say_and_search_everywhere(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url)
    _choose(w, "Belgrade")
    reply = w.ask(PARIS)
    assert "Les documents choisis ne le disent pas" in reply.inner_text()
    assert "La Chine, pays le plus surveillé au monde" in reply.inner_text()  # where it answers
    replies = w.page.locator("#sq-chat .sq-reply")
    before = replies.count()
    reply.locator("button.sq-everywhere").click()
    replies.nth(before).wait_for(timeout=REPLY_MS)
    card = replies.nth(before).locator(".sq-card").first
    assert PARIS_FILE in card.inner_text() and "56 000" in card.locator("mark").inner_text()
    w.close()


def test_a_bad_upload_is_refused_with_the_reason_and_nothing_changes(
    browser: Any, upload_url: str, tmp_path: Path
) -> None:
    w = Watched(browser, upload_url)
    documents = w.page.locator("#sq-docs .sq-doc").count()
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"\x00\x01\x02\xff\xfe binaire")
    good = tmp_path / "tbilissi.html"
    good.write_text(UPLOAD_HTML, encoding="utf-8")
    status = w.upload(bad, good)
    assert "Rien n'a été ajouté" in status.inner_text()
    assert "scan.txt: binary data" in status.inner_text()
    assert str(tmp_path) not in status.inner_text() and "/tmp" not in status.inner_text()
    w.open()
    assert w.page.locator("#sq-docs .sq-doc").count() == documents
    reply = w.ask(FALCON)
    assert "tbilissi" not in reply.inner_text().lower().replace("tbilissi ?", "")
    assert not w.dialogs
    w.close()


def test_an_uploaded_page_answers_without_a_restart(
    browser: Any, upload_url: str, tmp_path: Path
) -> None:
    w = Watched(browser, upload_url)
    page = tmp_path / "tbilissi.html"
    page.write_text(UPLOAD_HTML, encoding="utf-8")
    status = w.upload(page)
    assert "Ajouté" in status.inner_text(), status.inner_text()
    progress = w.page.evaluate("window.__sqProgress")
    assert any("Lecture et indexation de 1 fichier" in p for p in progress), progress[:5]
    title = "Tbilissi sous surveillance <img src=x onerror=alert(7)>"
    assert title in w.page.locator("#sq-docs").inner_text()  # escaped: shown as text
    card = w.ask(FALCON).locator(".sq-card").first
    assert "4 321 caméras" in card.inner_text() and re.search(
        r"tbilissi_\w+\.txt", card.inner_text()
    )
    card.locator("button.sq-open").click()
    w.page.locator("#sq-reader mark.sq-hit").wait_for(timeout=20_000)
    reader = w.page.locator("#sq-reader").inner_text()
    assert "<script>alert(8)</script>" in reader or "alert(8)" not in reader
    assert (
        w.page.locator("img[src='x']").count() == 0
        and w.page.locator("#sq-reader script").count() == 0
    )
    w.page.locator("#sq-reader-close").click()
    w.page.locator("#sq-remove-pick input").click()
    w.page.get_by_role("option", name="Tbilissi", exact=False).first.click()
    w.page.locator("#sq-remove").click()
    w.page.locator("#sq-upload-status .sq-removed").wait_for(timeout=UPLOAD_MS)
    assert title not in w.page.locator("#sq-docs").inner_text()
    assert not w.dialogs and not w.foreign
    w.close()


def test_hostile_corpus_renders_as_literal_text(browser: Any, xss_url: str) -> None:
    w = Watched(browser, xss_url)
    reply = w.ask("Que contient le rapport sur les caméras ?")
    w.page.wait_for_timeout(1000)
    shown = w.page.locator("#sq-chat").inner_text()
    for hostile in HOSTILE:
        assert hostile in shown
    assert f"Rapport piégé {HOSTILE[0]}" in w.page.locator("body").inner_text()
    reply.locator(".sq-card").first.locator("button.sq-copy").click()
    w.page.wait_for_timeout(300)
    assert "Rapport piégé <script>alert(1)</script>" in w.page.evaluate("window.sqLastCopied")
    reply.locator(".sq-card").first.locator("button.sq-open").click()
    w.page.locator("#sq-reader mark.sq-hit").wait_for(timeout=20_000)
    reader = w.page.locator("#sq-reader").inner_text()
    assert all(hostile in reader for hostile in HOSTILE)
    for where in ("#sq-chat", "#sq-reader", "#sq-docs"):
        assert w.page.locator(f"{where} img").count() == 0
        assert w.page.locator(f"{where} script").count() == 0
        assert w.page.locator(f"{where} a[href^='javascript']").count() == 0
    w.page.keyboard.press("Escape")
    w.ask(f"Le rapport {HOSTILE[2]} montre-t-il {HOSTILE[1]} ?")
    assert f"Le rapport {HOSTILE[2]} montre-t-il {HOSTILE[1]} ?" in w.page.inner_text("#sq-chat")
    assert w.page.locator("#sq-chat img").count() == 0
    assert w.dialogs == [] and w.foreign == []
    w.close()


def test_huge_paste_is_cut_with_a_notice(browser: Any, app_url: str) -> None:
    w = Watched(browser, app_url)
    reply = w.ask("Combien de caméras à Paris ? " * 40_000)
    assert "seuls les 2000 premiers" in reply.inner_text()
    w.close()


def test_gradio_client_ask_returns_the_answer_dict(app_url: str) -> None:
    from gradio_client import Client

    data = Client(app_url, verbose=False).predict(PARIS, 3, [], [], api_name="/ask")
    assert isinstance(data, dict) and data["excerpts"]
    assert "56 000 caméras" in data["excerpts"][0]["answer"]
    assert len(data["excerpts"]) <= 3
    data = Client(app_url, verbose=False).predict(PARIS, 3, ["Belgrade"], [], api_name="/ask")
    assert data["no_answer"] is True and data["abstention"] == "documents"


def test_the_questions_of_issue_11_in_the_chat(browser: Any, app_url: str) -> None:
    """The questions a new user asked (issue 11) that survqa now handles: refusals of
    out-of-corpus questions, the Milipol count first and labelled high, and no bibliography
    line first. (Not handled, see docs/evaluation.md: "Que subissent les Ouïghours…",
    "Quelle est la population du Canada ?" (answered, labelled low), "Hikvision à Milan ?",
    and the most surveilled *city*, whose answer sits in another paragraph.)"""
    w = Watched(browser, app_url)
    for question in ("Who won the 2018 football World Cup?", "What is the population of Canada?"):
        assert "The corpus does not answer this question" in w.ask(question).inner_text()
    best = w.ask("Combien d'exposants chinois au salon Milipol ?").locator(".sq-card").first
    assert "89 exposants" in best.locator("mark").inner_text()
    assert best.locator(".sq-conf.sq-high").count() == 1
    for question in ("Which city is the most surveilled in the world?", "surveillance en Europe ?"):
        first = w.ask(question).locator(".sq-card").first.locator("mark").inner_text()
        assert not any(ref in first for ref in ("Bischoff", "Comparitech", "Radio Free Europe"))
        assert "Chine" in first or "Europe" in first, first
    w.close()
