"""Packaging hook: the wheel carries the seed corpus and its prebuilt index.

``seeds/`` and ``index/`` live at the top of the checkout (where the app and the tests
use them); ``build_py`` copies them into the built package as ``survqa/data/seeds`` and
``survqa/data/index``, so that an installed survqa answers from any directory without
building anything (see ``survqa.locations``). Everything else is in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("seeds", "index")


class BuildWithCorpus(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders directly
        data = Path(self.build_lib) / "survqa" / "data"
        for name in SHIPPED:
            target = data / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns(".*"))


setup(cmdclass={"build_py": BuildWithCorpus})
