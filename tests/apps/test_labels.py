"""The five interface languages: same keys everywhere, the browser's language, percentages."""

from __future__ import annotations

import json

import pytest

from survqa.apps.labels import (
    ASSETS,
    LANGUAGES,
    browser_language,
    i18n,
    percent,
    reply_language,
    request_language,
)


def test_every_table_has_the_same_keys_in_every_language() -> None:
    data = json.loads((ASSETS / "labels.json").read_text(encoding="utf-8"))
    for table in ("reply", "page", "static"):
        keys = {lang: set(data[table][lang]) for lang in LANGUAGES}
        assert all(k == keys["fr"] for k in keys.values()), table
    assert set(i18n().translations_dict) == set(LANGUAGES)


@pytest.mark.parametrize(("header", "expected"), [
    (None, "fr"), ("", "fr"), ("de-DE,de;q=0.9,en;q=0.8", "de"), ("en-US", "en"),
    ("ja,es;q=0.5", "es"), ("ja", "en"), ("pt-BR;q=0.9, it;q=0.95", "it"),
    ("*;q=0.1, fr;q=x", "en"), ("x" * 10_000, "en"),
])  # fmt: skip
def test_browser_language(header: str | None, expected: str) -> None:
    assert browser_language(header) == expected


def test_reply_language_is_the_question_s_when_supported() -> None:
    assert reply_language("es", "fr") == "es"
    assert reply_language("pt", "de") == "de"


def test_request_language_reads_the_header() -> None:
    class Request:
        def __init__(self) -> None:
            self.headers = {"accept-language": "it-IT"}

    assert request_language(Request()) == "it" and request_language(None) == "fr"


def test_percent() -> None:
    assert percent(0.956, "fr") == "96\u00a0%" and percent(0.956, "en") == "96%"
    assert percent(2.0, "it") == "100%" and percent(-1, "de") == "0\u00a0%"
