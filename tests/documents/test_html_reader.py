"""Readable text of an HTML page: the article, without scripts or site furniture."""

from __future__ import annotations

from pathlib import Path

from sample_files import HTML, write

from survqa.documents.html_reader import html_text
from survqa.documents.ingest import extract


def test_html_keeps_the_article_and_drops_furniture(tmp_path: Path) -> None:
    found = extract(write(tmp_path, "lyon.html", HTML))
    assert found.title == "Lyon et ses caméras"
    assert (found.author, found.publisher) == ("Jeanne Martin", "Le Quotidien")
    assert found.format == "html"
    assert "612 caméras de vidéoprotection en 2023" in found.text  # source line break joined
    assert "4 millions" in found.text and "• Point un" in found.text
    dropped = ("Accueil", "cookies", "Partager", "À lire aussi", "©", "pas du texte", "color")
    for furniture in dropped:
        assert furniture not in found.text


def test_hidden_and_marked_furniture_is_dropped() -> None:
    page = (
        "<body><p>Texte visible.</p><p hidden>caché 1</p><p aria-hidden='true'>caché 2</p>"
        "<div style='display: none'>caché 3</div><div role='navigation'>caché 4</div>"
        "<div id='sidebar'>caché 5</div><div class='ad-slot promo'>caché 6</div>"
        "<form><p>caché 7</p></form><iframe>caché 8</iframe></body>"
    )
    found = html_text(page)
    assert found["text"] == "Texte visible."


def test_pre_keeps_line_breaks_and_other_blocks_join_them() -> None:
    found = html_text("<p>une\nphrase</p><pre>ligne 1\nligne 2</pre>")
    assert found["text"] == "une phrase\n\nligne 1\nligne 2"


def test_article_is_kept_alone_only_when_it_holds_enough_text() -> None:
    outside = "<p>Un paragraphe hors de l'article.</p>"
    short = html_text(f"<body>{outside}<article><p>Court.</p></article></body>")
    assert "hors de l'article" in short["text"] and "Court." in short["text"]
    body = "Une phrase de l'article assez longue pour compter. " * 5
    long = html_text(f"<body>{outside}<article><p>{body}</p></article></body>")
    assert "hors de l'article" not in long["text"] and long["text"] == body.strip()


def test_metadata_title_publisher_and_author() -> None:
    page = (
        '<html><head><title>Titre — Le Site</title><meta property="og:site_name" '
        'content="Le Site"><meta name="author" content="https://example.org/moi">'
        "</head><body><h1>Le grand titre</h1><p>Texte.</p></body></html>"
    )
    found = html_text(page)
    assert (found["title"], found["publisher"]) == ("Titre", "Le Site")
    assert found["author"] is None  # a URL is no author
    untitled = html_text("<body><h1>Le grand titre</h1><p>Texte.</p></body>")
    assert untitled["title"] == "Le grand titre" and untitled["publisher"] is None


def test_header_and_footer_inside_the_article_are_content() -> None:
    page = (
        "<body><header>Menu du site</header><article><header>Chapô de l'article</header>"
        "<p>Corps.</p><footer>Note de fin</footer></article><footer>© site</footer></body>"
    )
    text = html_text(page)["text"]
    assert text == "Chapô de l'article\n\nCorps.\n\nNote de fin"


def test_stray_end_tags_do_not_break_parsing() -> None:
    assert html_text("<p>Un</span> deux</div></p><p>Trois</p>")["text"] == "Un deux\n\nTrois"
