"""Load test of the web app through its API (issue 6, part 4): not run by pytest.

    .venv/bin/python benchmarks/load.py [--clients 16] [--questions 800] [--timeout 900]

Starts ``python app.py --port P`` on 127.0.0.1 (a temporary copy of index/), then 16
gradio_client clients ask 800 questions in total (cycling tests/gold/questions.jsonl) through
``/ask``. Reports throughput, p50/p95/p99 latency, errors by type and the server's resident
memory (VmRSS) after the first and the second half; exits 1 unless there were 0 errors and
RSS grew < 20 %. It then floods the queue (max_size=32) to show the "queue full" answer.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from gradio_client import Client

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def start_app(tmp: Path, index: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    copy = tmp / "index"
    shutil.copytree(index, copy)
    env = {**os.environ, "SURVQA_INDEX": str(copy), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = (tmp / "app.log").open("w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"app exited: {(tmp / 'app.log').read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    sys.exit("app did not start")


def run_half(url: str, questions: list[str], clients: int, deadline: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    todo = iter(questions)

    def client_loop(_: int) -> None:
        client = Client(url, verbose=False)
        while time.monotonic() < deadline:
            with lock:
                question = next(todo, None)
            if question is None:
                return
            started = time.perf_counter()
            try:
                answer = client.predict(question, 5, [], [], api_name="/ask")
                if not isinstance(answer, dict) or "excerpts" not in answer:
                    raise ValueError("malformed answer")
                with lock:
                    latencies.append(time.perf_counter() - started)
            except Exception as exc:
                with lock:
                    errors[type(exc).__name__] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_loop, range(clients)))
    elapsed = time.perf_counter() - started
    unanswered = len(questions) - len(latencies) - sum(errors.values())
    if unanswered:
        errors["TimeBudgetExceeded"] += unanswered
    return {"answered": len(latencies), "seconds": elapsed, "latencies": latencies,
            "errors": errors}  # fmt: skip


def flood(url: str, requests: int = 120) -> dict[str, dict[str, float]]:
    """POST many /ask calls at once, without reading results: what does a full queue say?

    Returns, per answer ("200", "503 Queue is full…"), the count and the median and maximum
    seconds the POST took.
    """
    body = {"data": ["Combien de caméras compte Paris ? " * 50, 5, [], []]}

    def post(_: int) -> tuple[str, float]:
        started = time.perf_counter()
        response = httpx.post(url + "gradio_api/call/ask", json=body, timeout=60)
        detail = "" if response.status_code == 200 else response.json().get("detail", "")[:13]
        return f"{response.status_code} {detail}".strip(), time.perf_counter() - started

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(post, range(requests)))
    by_status: dict[str, list[float]] = {}
    for status, seconds in results:
        by_status.setdefault(status, []).append(seconds)
    return {
        status: {
            "count": len(times),
            "p50_s": round(percentile(times, 50), 3),
            "max_s": round(max(times), 3),
        }
        for status, times in by_status.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--questions", type=int, default=800)
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    lines = (ROOT / "tests" / "gold" / "questions.jsonl").read_text("utf-8").splitlines()
    gold = [json.loads(line)["question"] for line in lines if line]
    questions = [gold[i % len(gold)] for i in range(args.questions)]
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_app(Path(tmp), args.index)
        try:
            deadline = time.monotonic() + args.timeout
            rss_start = rss_mb(proc.pid)
            half = len(questions) // 2
            first = run_half(url, questions[:half], args.clients, deadline)
            rss_first = rss_mb(proc.pid)
            second = run_half(url, questions[half:], args.clients, deadline)
            rss_second = rss_mb(proc.pid)
            flooded = flood(url)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    latencies = first["latencies"] + second["latencies"]  # type: ignore[operator]
    errors = first["errors"] + second["errors"]  # type: ignore[operator]
    seconds = first["seconds"] + second["seconds"]  # type: ignore[operator]
    growth = (rss_second - rss_first) / rss_first * 100
    report = {
        "clients": args.clients, "questions": len(questions), "answered": len(latencies),
        "seconds": round(seconds, 1), "throughput_qps": round(len(latencies) / seconds, 2),
        "p50_s": round(percentile(latencies, 50), 3), "p95_s": round(percentile(latencies, 95), 3),
        "p99_s": round(percentile(latencies, 99), 3), "max_s": round(max(latencies), 3),
        "errors": dict(errors), "rss_mb_start": round(rss_start, 1),
        "rss_mb_after_first_half": round(rss_first, 1),
        "rss_mb_after_second_half": round(rss_second, 1), "rss_growth_pct": round(growth, 1),
        "flood_120_posts": flooded,
    }  # fmt: skip
    print(json.dumps(report, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0 if not errors and growth < 20 else 1


if __name__ == "__main__":
    sys.exit(main())
