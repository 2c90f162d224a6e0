"""``python app.py`` in a subprocess on a free loopback port, for the tests that drive it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def running_app(log: Path, *args: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """Start the app with ``args`` and ``env``; yield (base URL without slash, port); stop it."""
    port = free_port()
    environment = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **env}
    environment.pop("SURVQA_HOST", None)
    command = [sys.executable, str(ROOT / "app.py"), "--port", str(port), *args]
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(url + "/"):
            if proc.poll() is not None:
                pytest.fail(f"app exited: {log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("app did not answer HTTP in time")
            time.sleep(0.5)
        yield url, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
