"""The README's module table lists every module of ``src/survqa/`` (and nothing else), and
the screenshots it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "src" / "survqa"


def test_the_module_table_is_the_tree() -> None:
    table = README[README.index("<!-- modules -->") : README.index("<!-- /modules -->")]
    listed = set(re.findall(r"^\| [a-z]+ \| `([a-z_/]+\.py)` \|", table, re.MULTILINE))
    modules = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    }
    assert listed == modules, (sorted(modules - listed), sorted(listed - modules))


def test_the_screenshots_exist() -> None:
    for image in re.findall(r"\]\((docs/[\w-]+\.png)\)", README):
        assert (ROOT / image).is_file(), image
