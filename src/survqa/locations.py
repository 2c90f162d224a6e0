"""Where survqa finds its folders when none is given.

Each folder comes from its environment variable when set (``SURVQA_CORPUS``,
``SURVQA_INDEX``, ``SURVQA_LIBRARY``); otherwise from the source checkout when survqa runs
from one (``seeds/``, ``index/``, ``library/`` beside ``pyproject.toml``); otherwise, for an
installed package, the seeds and the prebuilt index shipped inside it (``survqa/data/``),
the index and the library being written to the user's data folder
(``$SURVQA_HOME``, else ``$XDG_DATA_HOME/survqa``, else ``~/.local/share/survqa``) — the
packaged index is copied there on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGED_DATA = PACKAGE / "data"


def checkout_root() -> Path | None:
    """The source checkout survqa runs from, or None for an installed package."""
    root = PACKAGE.parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "seeds").is_dir() else None


def user_data_dir() -> Path:
    home = os.environ.get("SURVQA_HOME")
    if home:
        return Path(home)
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) / "survqa" if xdg else Path.home() / ".local" / "share" / "survqa"


def _default(variable: str, name: str, installed: Path) -> Path:
    if os.environ.get(variable):
        return Path(os.environ[variable])
    root = checkout_root()
    return root / name if root is not None else installed


def default_corpus_dir() -> Path:
    return _default("SURVQA_CORPUS", "seeds", PACKAGED_DATA / "seeds")


def default_index_dir() -> Path:
    return _default("SURVQA_INDEX", "index", user_data_dir() / "index")


def default_library_dir() -> Path:
    return _default("SURVQA_LIBRARY", "library", user_data_dir() / "library")


def prebuilt_index() -> Path | None:
    """The index shipped in an installed package (None in a checkout)."""
    folder = PACKAGED_DATA / "index"
    return folder if (folder / "manifest.json").is_file() else None
