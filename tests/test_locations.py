"""Where survqa finds its folders: environment variables win; then the source checkout;
then, installed, the packaged data and the user's data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from survqa import Assistant, locations

VARIABLES = ("SURVQA_CORPUS", "SURVQA_INDEX", "SURVQA_LIBRARY", "SURVQA_HOME", "XDG_DATA_HOME")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """survqa as installed in site-packages: no pyproject.toml, no seeds/ above it."""
    package = tmp_path / "venv" / "lib" / "site-packages" / "survqa"
    package.mkdir(parents=True)
    monkeypatch.setattr(locations, "PACKAGE", package)
    monkeypatch.setattr(locations, "PACKAGED_DATA", package / "data")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return package


def test_checkout_detection() -> None:
    assert locations.checkout_root() == ROOT
    assert locations.default_corpus_dir() == ROOT / "seeds"
    assert locations.default_index_dir() == ROOT / "index"
    assert locations.default_library_dir() == ROOT / "library"
    assert locations.prebuilt_index() is None  # the checkout builds its own index


def test_environment_variables_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVQA_CORPUS", str(tmp_path / "c"))
    monkeypatch.setenv("SURVQA_INDEX", str(tmp_path / "i"))
    monkeypatch.setenv("SURVQA_LIBRARY", str(tmp_path / "l"))
    assert locations.default_corpus_dir() == tmp_path / "c"
    assert locations.default_index_dir() == tmp_path / "i"
    assert locations.default_library_dir() == tmp_path / "l"
    monkeypatch.setenv("SURVQA_INDEX", "")  # empty: as if unset
    assert locations.default_index_dir() == ROOT / "index"


def test_installed_package_uses_its_data_and_the_user_data_dir(installed: Path) -> None:
    assert locations.checkout_root() is None
    home = Path.home() / ".local" / "share" / "survqa"
    assert locations.user_data_dir() == home
    assert locations.default_corpus_dir() == installed / "data" / "seeds"
    assert locations.default_index_dir() == home / "index"
    assert locations.default_library_dir() == home / "library"
    assert locations.prebuilt_index() is None
    (installed / "data" / "index").mkdir(parents=True)
    (installed / "data" / "index" / "manifest.json").write_text("{}", encoding="utf-8")
    assert locations.prebuilt_index() == installed / "data" / "index"
    assistant = Assistant()
    assert assistant.collection.prebuilt_index == installed / "data" / "index"
    assert Assistant(index_dir=home / "mine").collection.prebuilt_index is None


def test_user_data_dir_order(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert locations.user_data_dir() == tmp_path / "xdg" / "survqa"
    monkeypatch.setenv("SURVQA_HOME", str(tmp_path / "sq"))
    assert locations.user_data_dir() == tmp_path / "sq"
    assert locations.default_index_dir() == tmp_path / "sq" / "index"
    monkeypatch.setenv("SURVQA_INDEX", str(tmp_path / "elsewhere"))
    assert locations.default_index_dir() == tmp_path / "elsewhere"


def test_a_checkout_needs_both_pyproject_and_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "survqa"
    package.mkdir(parents=True)
    monkeypatch.setattr(locations, "PACKAGE", package)
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    assert locations.checkout_root() is None
    (tmp_path / "seeds").mkdir()
    assert locations.checkout_root() == tmp_path
