"""The wheel carries every data file the package reads (pyproject's package-data)."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "survqa"


def test_every_data_file_of_the_package_is_declared() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r"\[tool\.setuptools\.package-data\]\s*survqa = (\[.*?\])", text, re.DOTALL)
    assert found, "pyproject.toml declares no package-data for survqa"
    patterns = json.loads(found.group(1))
    data = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert data, "no data file found: is the package folder right?"
    missing = [name for name in data if not any(fnmatch.fnmatch(name, g) for g in patterns)]
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
