"""Cold start: a new process to the first printed answer, next to a bare numpy import.

    python -m benchmarks.coldstart [--runs N]

Runs ``survqa ask "…" -k 1`` (index present, a private copy) and
``python -c "import numpy"`` alternately, N times each, timing each process
from spawn to its first line on stdout (for the bare start: to exit). Also
checks with ``python -X importtime`` that the default path imports neither
torch nor sentence-transformers. Target: ≤ 1.5 s above the bare start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

from benchmarks.common import (
    PYTHON,
    SURVQA_BIN,
    Section,
    index_copy,
    load_average,
    ms,
    p50,
    verdict,
)

COMMAND = "python -m benchmarks.coldstart"
QUESTION = "Combien de caméras compte Paris ?"
HEAVY = ("torch", "sentence_transformers", "transformers", "gradio")


def first_line_ms(argv: list[str], env: dict[str, str]) -> float:
    """Milliseconds from spawn to the first stdout line (or to exit when there is none)."""
    started = time.perf_counter()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = (time.perf_counter() - started) * 1000
        proc.stdout.read()
        code = proc.wait()
    if code != 0:
        raise RuntimeError(f"{argv} exited with {code}")
    return elapsed if line else (time.perf_counter() - started) * 1000


def import_profile(env: dict[str, str]) -> tuple[list[tuple[int, str]], set[str]]:
    """(the slowest top-level imports in ms, heavy packages imported) of one `survqa ask`."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "survqa", "ask", QUESTION, "-k", "1"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    cumulative: dict[str, int] = {}
    heavy: set[str] = set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cum, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        if not cum.isdigit():
            continue
        root = name.strip().split(".")[0]
        if root in HEAVY:
            heavy.add(root)
        if not name.startswith(" "):  # a top-level import (not nested)
            cumulative[name.strip()] = max(cumulative.get(name.strip(), 0), int(cum))
    slowest = sorted(((us // 1000, n) for n, us in cumulative.items()), reverse=True)[:6]
    return slowest, heavy


PHASES = f"""
import json, time
t0 = time.perf_counter()
from survqa import Assistant
t1 = time.perf_counter()
a = Assistant()
a.embedder
t2 = time.perf_counter()
a.load()
t3 = time.perf_counter()
a.embedder.embed_queries(["premier encodage"])
t4 = time.perf_counter()
a.ask({QUESTION!r}, 1)
t5 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4]))
"""


def phases(env: dict[str, str]) -> list[float]:
    """Seconds: import survqa, load the model, load the index, first encode, first ask."""
    done = subprocess.run(
        [PYTHON, "-c", PHASES], capture_output=True, text=True, env=env, check=True
    )
    return [float(x) for x in json.loads(done.stdout.strip().splitlines()[-1])]


def run(index_dir: Path | None = None, runs: int = 5) -> Section:
    started, load = time.perf_counter(), load_average()
    env = dict(os.environ, SURVQA_INDEX=str(index_dir or index_copy()), NO_COLOR="1")
    ask_argv = [SURVQA_BIN, "ask", QUESTION, "-k", "1"]
    subprocess.run(ask_argv, env=env, check=True, capture_output=True)  # builds a stale copy
    bare, cold = [], []
    for _ in range(runs):
        bare.append(first_line_ms([PYTHON, "-c", "import numpy"], env))
        cold.append(first_line_ms(ask_argv, env))
    slowest, heavy = import_profile(env)
    split = phases(env)
    above = p50(cold) - p50(bare)
    rows = [
        ['python -c "import numpy"', ms(p50(bare)), ms(min(bare)), "—", "—"],
        [
            f'survqa ask "{QUESTION}" -k 1',
            ms(p50(cold)),
            ms(min(cold)),
            ms(above),
            f"≤ 1500 ms above bare: {verdict(above <= 1500)}",
        ],
    ]
    notes = [
        f"{runs} runs each, alternating; time from spawn to the first printed line.",
        "heavy packages imported on the default path: "
        + (
            ", ".join(sorted(heavy))
            if heavy
            else "none (no torch, sentence-transformers, transformers or gradio)"
        ),
        "where the time goes (one in-process run): import survqa {:.0f} ms, load the "
        "model {:.0f} ms, load the index + build the retriever {:.0f} ms, first query "
        "encoding {:.0f} ms, then the first ask {:.0f} ms".format(*(1000 * x for x in split)),
        "slowest top-level imports (-X importtime, cumulative): "
        + ", ".join(f"{name} {t} ms" for t, name in slowest),
    ]
    return Section(
        title="2. Cold start: new process to the first printed answer",
        command=COMMAND,
        header=["process", "p50", "best", "above bare p50", "target"],
        rows=rows,
        load=load,
        notes=notes,
        data={
            "bare_p50": p50(bare),
            "cold_p50": p50(cold),
            "above": above,
            "heavy": sorted(heavy),
            "slowest": slowest,
            "phases_s": split,
        },
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: a copy)")
    args = parser.parse_args()
    print(run(args.index, args.runs).text())


if __name__ == "__main__":
    main()
