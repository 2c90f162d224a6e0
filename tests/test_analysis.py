"""French analysis shared by BM25, the sentence table and the question."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from survqa.analysis import (
    ANALYSIS_VERSION,
    STOPWORDS,
    number_key,
    numbers,
    strip_accents,
    tokenize,
)


def test_tokenize_handles_elisions_accents_stopwords_and_numbers() -> None:
    assert tokenize("L’agglomération d'Paris qu’il") == ["agglomer", "paris"]
    assert tokenize("sécurité") == tokenize("securite")
    assert tokenize("56 000 caméras") == tokenize("56000 caméra")
    assert "3,3" in tokenize("3,3 millions") and "1100" in tokenize("les 1.100 exposants")
    assert tokenize("le la les de des") == []


def test_tokenize_keeps_order_and_repeats_and_folds_case() -> None:
    assert tokenize("Caméras CAMÉRAS caméra") == ["cam"] * 3
    assert tokenize("Huawei à Belgrade") == ["huawei", "belgrad"]
    assert tokenize("56\u202f000 et 56\u00a0000") == ["56000", "56000"]
    assert tokenize("is the and combien quel quelle") == []  # English and question words too
    assert tokenize("") == [] and tokenize("?! …") == []


def test_tokenize_reads_decomposed_text_as_composed() -> None:
    assert tokenize("came\u0301ras") == tokenize("caméras")


def test_strip_accents() -> None:
    assert strip_accents("Œil céleste ÉTÉ") == "Œil celeste ETE"


def test_stopwords_cover_french_and_english() -> None:
    assert {"le", "des", "the", "and", "combien"} <= STOPWORDS
    assert "caméras" not in STOPWORDS


def test_tokenize_is_thread_safe() -> None:
    texts = [f"Paris compte {n} caméras de vidéosurveillance" for n in range(200)]
    expected = [tokenize(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(tokenize, texts)) == expected


def test_analysis_version_is_recorded_as_an_int() -> None:
    assert isinstance(ANALYSIS_VERSION, int) and ANALYSIS_VERSION >= 1


def test_one_key_per_number_however_it_is_typed() -> None:
    for written in ("56 000", "56.000", "56\u00a0000", "56\u202f000", "56000", "56,000"):
        assert number_key(written) == "56000", written
    assert number_key("3,3") == "3,3" and number_key("1.100") == "1100"
    assert numbers("Paris compte 56 000 caméras, Madrid 25.000 et Lyon 3,3 millions en 2016.") == [
        "56000", "25000", "3,3", "2016",
    ]  # fmt: skip
    assert numbers("Aucun chiffre ici.") == []
