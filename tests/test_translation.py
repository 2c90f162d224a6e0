"""FreeDict translation of foreign questions into the corpus's French terms: the dictd
reader, the lexicon restricted to a vocabulary, groups, compounds, its JSON form."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import cached_lexicon

from survqa.analysis import tokenize
from survqa.translation import Lexicon, build_lexicon, fold, read_dictd, translations

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(n: int) -> str:
    out = ""
    while True:
        out = _B64[n % 64] + out
        n //= 64
        if n == 0:
            return out


def _write(folder: Path, name: str, entries: list[str]) -> None:
    body, index = b"", []
    for entry in entries:
        data = entry.encode()
        index.append(
            f"{entry.splitlines()[0].split(' /')[0]}\t{_b64(len(body))}\t{_b64(len(data))}"
        )
        body += data
    (folder / f"{name}.dict.dz").write_bytes(gzip.compress(body))
    (folder / f"{name}.index").write_text("\n".join(index) + "\n", encoding="utf-8")


def _french(text: str) -> list[str]:
    return [fold(w) for w in text.split()]


def test_translations_drop_glosses() -> None:
    assert translations(
        ["1. appareil photo", "Gerät zum Erstellen von schönen Fotos", "2. caméra"]
    ) == ["appareil photo", "caméra"]


def test_lexicon_from_dictd(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "freedict-eng-fra",
        ["camera /kæmərə/\ncaméra\n", "London /lʌndən/ <pn>\nLondres\n"],
    )
    _write(tmp_path, "freedict-fra-spa", ["caméra /ka.me.ʁa/ <n, fem>\ncámara\n"])
    heads = dict(read_dictd("freedict-eng-fra", tmp_path))
    assert "London\t<pn>" in heads
    lex = build_lexicon(_french, {"camera"}, ("en", "es"), tmp_path)
    assert "camera" in lex.group("cameras", "en")
    assert "camera" in lex.group("cámaras", "es")
    assert lex.is_common("camera", "en") and not lex.is_common("London", "en")
    assert lex.groups("How many cameras?", "en") == [frozenset({"cameras", "camera"})]


@pytest.mark.skipif(
    not Path("/usr/share/dictd/freedict-deu-fra.index").exists(),
    reason="Debian's dict-freedict-deu-fra is not installed",
)
def test_real_german_dictionary_compounds() -> None:
    lex = build_lexicon(_french, {"camera", "surveillance"}, ("de",))
    assert "camera" in lex.group("Kameras", "de")


def _small_dictionaries(folder: Path) -> None:
    _write(
        folder,
        "freedict-eng-fra",
        ["camera /kæmərə/\ncaméra, appareil photo\n", "London /lʌndən/ <pn>\nLondres\n",
         "watch /wɒtʃ/\nsurveiller, montre\n", "ship /ʃɪp/\nnavire\n"],
    )  # fmt: skip
    _write(folder, "freedict-deu-fra", ["Kredit /kre/\ncrédit\n", "System /sys/\nsystème\n"])


def test_a_vocabulary_keeps_only_the_corpus_terms(tmp_path: Path) -> None:
    _small_dictionaries(tmp_path)
    everything = build_lexicon(_french, None, ("en",), tmp_path)
    assert everything.table["en"]["camera"] == {"camera", "appareil", "photo"}
    assert everything.table["en"]["ship"] == {"navire"}
    kept = build_lexicon(_french, {"camera", "surveiller"}, ("en",), tmp_path)
    assert kept.table["en"] == {"camera": {"camera"}, "watch": {"surveiller"}}  # ship: none
    assert kept.common == everything.common and kept.sources == ("freedict-eng-fra",)
    assert build_lexicon(_french, None, ("en", "es"), tmp_path).sources == ("freedict-eng-fra",)


def test_the_session_cache_of_the_tests_gives_what_build_lexicon_gives(tmp_path: Path) -> None:
    _small_dictionaries(tmp_path)
    for vocabulary in ({"camera", "surveiller"}, {"credit"}, set(), None):
        want = build_lexicon(_french, vocabulary, ("en", "de"), tmp_path)
        got = cached_lexicon(_french, vocabulary, ("en", "de"), tmp_path)
        assert got.to_json() == want.to_json(), vocabulary


def test_german_compounds_take_both_halves(tmp_path: Path) -> None:
    _small_dictionaries(tmp_path)
    lex = build_lexicon(_french, None, ("de",), tmp_path)
    assert lex.group("Kreditsystem", "de") == {"kreditsystem", "credit", "systeme"}
    assert lex.group("Kreditkarte", "de") == {"kreditkarte"}  # one half only: its own term


def test_json_round_trip_is_sorted_and_lossless(tmp_path: Path) -> None:
    _small_dictionaries(tmp_path)
    lex = build_lexicon(tokenize, None, ("en", "de"), tmp_path)
    data = lex.to_json()
    assert list(data["table"]) == ["de", "en"] and data["table"]["en"]["camera"] == sorted(
        data["table"]["en"]["camera"]
    )
    again = Lexicon.from_json(json.loads(json.dumps(data)), tokenize)
    assert again.to_json() == data and again.table == lex.table and again.sources == lex.sources
    assert again.groups("Which ships watch London?", "en") == lex.groups(
        "Which ships watch London?", "en"
    )


def test_without_a_dictionary_a_word_is_its_own_french_term(tmp_path: Path) -> None:
    lex = build_lexicon(tokenize, None, ("en",), tmp_path)  # nothing in the folder
    assert lex.table == {} and lex.sources == ()
    assert lex.group("Huawei", "en") == frozenset(tokenize("Huawei"))
    assert lex.groups("Who supplies Huawei cameras?", "en") == [
        frozenset(tokenize("supplies")), frozenset(tokenize("Huawei")),
        frozenset(tokenize("cameras")),
    ]  # fmt: skip
