import gzip
from pathlib import Path

import pytest

from survqa.translation import build_lexicon, fold, read_dictd, translations

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
