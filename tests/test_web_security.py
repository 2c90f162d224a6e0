"""The web app's attack surface and its answers to crafted API calls (issue 6, parts 1 and 5).

One ``python app.py`` subprocess per module (real model, a temporary copy of index/), driven
with raw HTTP; the queue-full test runs an in-process app around a blocking fake assistant.
Nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from app_process import free_port, running_app

from survqa.apps.conversation import respond
from survqa.apps.rendering import escape
from survqa.apps.webui import build_app, launch_options, uploads_allowed
from survqa.records import Answer, Document

ROOT = Path(__file__).resolve().parents[1]
SOURCE_INDEX = Path(os.environ.get("SURVQA_TEST_INDEX") or ROOT / "index")
LEAKS = ("Traceback", 'File "/', "root:x:0:0", "format_version", "site-packages")


class App:
    def __init__(self, url: str, port: int, index: Path, log: Path) -> None:
        self.url, self.port, self.index, self.log = url, port, index, log
        self.http = httpx.Client(base_url=url, timeout=120)

    def call(self, payload: Any, api: str = "ask") -> tuple[int, list[tuple[str, Any]]]:
        """POST /gradio_api/call/<api>, then read the event stream: (POST status, events)."""
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        posted = self.http.post(
            f"/gradio_api/call/{api}", content=raw, headers={"content-type": "application/json"}
        )
        assert_no_leak(posted.text)
        if posted.status_code != 200:
            return posted.status_code, []
        stream = self.http.get(f"/gradio_api/call/{api}/{posted.json()['event_id']}")
        assert_no_leak(stream.text)
        events, name = [], ""
        for line in stream.text.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name in ("complete", "error"):
                events.append((name, json.loads(line[6:])))
        return posted.status_code, events


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in the response: {text[:300]}"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app as started by default on 127.0.0.1: uploads allowed (to a temporary library)."""
    tmp = tmp_path_factory.mktemp("websec")
    index = tmp / "index"
    shutil.copytree(SOURCE_INDEX, index)
    log = tmp / "app.log"
    env = {"SURVQA_INDEX": str(index), "SURVQA_LIBRARY": str(tmp / "library")}
    with running_app(log, env=env) as (url, port):
        yield App(url, port, index, log)


def test_listens_on_loopback_only(app: App) -> None:
    listening = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:] + (
        Path("/proc/net/tcp6").read_text().splitlines()[1:]
        if Path("/proc/net/tcp6").exists()
        else []
    ):
        local, state = line.split()[1], line.split()[3]
        address, port = local.rsplit(":", 1)
        if int(port, 16) == app.port and state == "0A":
            listening.append(address)
    assert listening and all(
        a in ("0100007F", "0000000000000000FFFF00000100007F") for a in listening
    ), listening


def test_config_has_no_share_flagging_monitoring_or_mcp(app: App) -> None:
    config = app.http.get("/config").json()
    assert config.get("show_error") is False and config.get("mcp_server") is False
    assert not config.get("share_url") and not config.get("is_space")
    names = {d.get("api_name") for d in config["dependencies"]}
    assert not any("flag" in str(n).lower() for n in names)
    for path in ("/monitoring", "/monitoring/summary", "/gradio_api/monitoring"):
        assert app.http.get(path).status_code in (403, 404)
    deps = config["dependencies"]
    public = {d.get("api_name") for d in deps if d.get("api_visibility") == "public"}
    assert public == {"ask"}


def test_the_share_hint_is_not_printed(app: App) -> None:
    log = app.log.read_text()
    assert "share=True" not in log and "public link" not in log
    assert f"survqa on http://127.0.0.1:{app.port} (uploads allowed)" in log


def test_uploads_are_capped_and_private(app: App) -> None:
    """The page's upload event is private (no API name); Gradio's upload route refuses a file
    over the ingest cap before anything reads it."""
    config = app.http.get("/config").json()
    assert config.get("max_file_size") == 50 * 1024 * 1024
    big = b"x" * (50 * 1024 * 1024 + 1)
    response = app.http.post("/gradio_api/upload", files={"files": ("big.txt", big)})
    assert response.status_code in (400, 413), response.status_code
    assert_no_leak(response.text)


def test_uploads_are_off_by_default_beyond_loopback() -> None:
    assert not uploads_allowed("0.0.0.0") and not uploads_allowed("192.168.1.5")
    assert not uploads_allowed("::") and not uploads_allowed("example.org")
    assert uploads_allowed("127.0.0.1") and uploads_allowed("::1") and uploads_allowed("localhost")
    assert uploads_allowed("0.0.0.0", True) and not uploads_allowed("127.0.0.1", False)


def file_probes(app: App) -> list[str]:
    secrets = [
        "/etc/passwd",
        str(app.index / "manifest.json"),
        str(app.index / "passages.jsonl"),
        str(ROOT / "index" / "manifest.json"),
        str(ROOT / "seeds" / "catalog.json"),
        str(ROOT / "seeds" / "000_4dc79184bdaaea80.txt"),
        str(ROOT / "app.py"),
        "/proc/self/environ",
    ]
    probes = []
    for secret in secrets:
        relative = "../../../../../../.." + secret
        for prefix in ("/file=", "/gradio_api/file=", "/gradio_api/file/", "/file/"):
            probes += [
                prefix + secret,
                prefix + relative,
                prefix + urllib.parse.quote(secret, ""),
                prefix + urllib.parse.quote(relative, ""),
                prefix + "/" + secret,
                prefix + secret.replace("/", "%252F"),
                prefix + "file://" + secret,
            ]
    probes += [
        "/gradio_api/file=index/manifest.json",
        "/gradio_api/file=seeds/catalog.json",
        "/gradio_api/file=app.py",
        "/static/../../../../etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/gradio_api/file=%2e%2e/%2e%2e/etc/passwd",
        "/svelte/../../../../etc/passwd",
        "/custom_component/x/y/z/..%2f..%2f..%2fetc%2fpasswd",
    ]
    return probes


def test_file_routes_never_serve_files_outside_the_app(app: App) -> None:
    secrets = [
        b"root:x:0:0",
        (app.index / "manifest.json").read_bytes()[:60],
        (ROOT / "seeds" / "catalog.json").read_bytes()[:60],
        b"survqa web app",
    ]
    for probe in file_probes(app):
        response = app.http.get(app.url + probe, follow_redirects=True)
        assert response.status_code in (400, 403, 404, 405), (probe, response.status_code)
        assert not any(secret in response.content for secret in secrets), probe


@pytest.fixture
def trap() -> Iterator[list[bytes]]:
    """A listening socket on 127.0.0.1 that records whatever connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits: list[bytes] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                hits.append(conn.recv(1024) or b"connected")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    trap_port = server.getsockname()[1]
    hits.append(str(trap_port).encode())  # hits[0]: the port
    yield hits
    done.set()
    thread.join()
    server.close()


def test_no_ssrf_through_urls(app: App, trap: list[bytes]) -> None:
    target = f"http://127.0.0.1:{trap[0].decode()}/x"
    for path in (
        "/gradio_api/file=" + target,
        "/gradio_api/proxy=" + target,
        "/gradio_api/file=" + urllib.parse.quote(target, ""),
    ):
        assert app.http.get(path).status_code in (400, 403, 404)
    for url in (target, "file:///etc/passwd", f"http://localhost:{trap[0].decode()}/y"):
        for key in ("path", "url"):
            data = {key: url, "meta": {"_type": "gradio.FileData"}}
            for payload in (
                [data, 1, [], []],
                ["Paris ?", 1, [data], []],
                ["Paris ?", 1, [], [data]],
            ):
                status, events = app.call({"data": payload})
                assert status < 500 and events and events[0][0] == "error"
    time.sleep(0.5)  # let a (forbidden) connection land before looking
    assert trap[1:] == [], "the server connected to the URL it was given"


CRAFTED: list[tuple[str, Any]] = [
    ("question int", [123, 1, [], []]),
    ("question list", [["Paris ?"], 1, [], []]),
    ("question null", [None, 1, [], []]),
    ("question /etc/passwd file", [{"path": "/etc/passwd"}, 1, [], []]),
    ("empty question", ["", 1, [], []]),
    ("punctuation", ["?!…", 1, [], []]),
    ("10 MB question", ["x" * 10_000_000, 1, [], []]),
    ("k string", ["Paris ?", "abc", [], []]),
    ("k huge", ["Paris ?", 1e308, [], []]),
    ("k object", ["Paris ?", {"a": 1}, [], []]),
    ("k negative", ["Paris ?", -5, [], []]),
    ("sources string", ["Paris ?", 1, "000_4dc79184bdaaea80.txt", []]),
    ("sources traversal", ["Paris ?", 1, ["../../etc/passwd"], []]),
    ("history dict", ["Paris ?", 1, [], {"a": 1}]),
    ("history ints", ["Paris ?", 1, [], [1, 2]]),
    ("history huge", ["Et à Berlin ?", 1, [], ["Paris caméras ?"] * 20_000]),
    ("too few inputs", ["Paris ?"]),
    ("no inputs", []),
    ("too many inputs", ["Paris ?", 1, [], [], "extra", 6]),
    ("markup", ["<script>alert(1)</script> ![x](http://127.0.0.1:9/x) $x$", 1, [], []]),
]


@pytest.mark.parametrize(("name", "data"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_crafted_payloads_get_an_answer_or_a_polite_error(app: App, name: str, data: Any) -> None:
    status, events = app.call({"data": data})
    assert status == 200 and len(events) == 1
    kind, body = events[0]
    if kind == "complete":
        answer = body[0]
        assert answer["question"] == data[0] and len(answer["query"]) <= 2000 * 2 + 1
    else:  # a French message, or Gradio's bare error when the inputs do not fit the endpoint
        message = (body or {}).get("error")
        assert message is None or "question" in message or "La question dépasse" in message


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"",
        b"[]",
        b'{"data": "x"}',
        b'{"data": [1], "fn_index": "x"}',
        b'{"data": ' * 5000,
        json.dumps({"data": ["Paris ?", 1, [], []], "event_id": "x" * 10}).encode(),
    ],
)
def test_malformed_bodies_get_a_4xx(app: App, payload: bytes) -> None:
    status, events = app.call(payload)
    assert 200 <= status < 500
    assert status != 200 or (events and events[0][0] in ("complete", "error"))


def test_other_routes_do_not_500_or_bypass_the_queue(app: App) -> None:
    body = {"data": ["", 1, [], []]}
    for path in (
        "/gradio_api/run/ask",
        "/gradio_api/api/ask",
        "/gradio_api/call/nope",
        "/gradio_api/call/v2/nope",
        "/gradio_api/run/predict",
    ):
        response = app.http.post(path, json=body)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert_no_leak(response.text)
    for join in (
        {"data": ["Paris"], "fn_index": 999, "session_hash": "s"},
        {"data": ["Paris"], "fn_index": 0},
        {"data": ["Paris"], "fn_index": -1},
    ):
        response = app.http.post("/gradio_api/queue/join", json=join)
        assert 400 <= response.status_code < 500, (join, response.status_code)


def test_a_normal_question_still_works(app: App) -> None:
    status, events = app.call({"data": ["Combien de caméras compte Paris ?", 2, [], []]})
    assert status == 200 and events[0][0] == "complete"
    assert "56 000" in events[0][1][0]["excerpts"][0]["text"]


@pytest.mark.parametrize(
    "message",
    [
        "\x00\u202e<script>alert(1)</script>",
        "\ud800 Paris",
        "Paris " * 2_000_000,
        "![x](http://127.0.0.1:9/x.png) [a](javascript:alert(1)) $$\\frac12$$",
        "\u200b",
        "?!",
    ],
)
@pytest.mark.parametrize("k", [5, float("inf"), float("nan"), -1, "x", None])
def test_chat_handler_never_raises_and_never_returns_markup(message: str, k: Any) -> None:
    class Hostile:
        def ask(self, question: str, k: int = 5, **kwargs: Any) -> Answer:
            if not question.strip(" ?!\u200b"):
                raise ValueError("empty")
            return Answer(question=question, excerpts=[], no_answer=True)

        def documents(self) -> list[Document]:
            return []

    chat, stored, box = respond(Hostile(), message, [], k)
    assert box == "" and len(stored) == len(chat) // 2
    for turn in chat:
        text = turn["content"]
        assert "<script" not in text and "](" not in text and "$$" not in text
        assert "javascript:" not in text or text == escape(html.unescape(text))
    if chat and not any(ch.isalnum() for ch in message):
        assert "Tapez une question avec des mots" in html.unescape(chat[1]["content"])


class Blocking:
    """A fake assistant whose answers wait until the test releases them."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def ask(self, question: str, k: int = 5, **kwargs: Any) -> Answer:
        self.started.release()
        self.release.wait(120)
        return Answer(question=question, excerpts=[], no_answer=True)

    def documents(self) -> list[Document]:
        return [Document("a.txt", "A", "texte")]


def test_full_queue_answers_busy_at_once() -> None:
    fake = Blocking()
    demo = build_app(fake)
    demo.launch(prevent_thread_lock=True, **launch_options("127.0.0.1", free_port()))
    try:
        client = httpx.Client(base_url=demo.local_url.rstrip("/"), timeout=60)

        def post(i: int) -> httpx.Response:
            return client.post("/gradio_api/call/ask", json={"data": [f"Paris {i} ?", 1, [], []]})

        running = [post(i) for i in range(4)]  # default_concurrency_limit=4 workers busy
        for _ in range(4):
            assert fake.started.acquire(timeout=60)
        with ThreadPoolExecutor(8) as pool:
            waiting = list(pool.map(post, range(4, 4 + 32)))  # max_size=32 waiting
        busy = [post(i) for i in range(100, 105)]
        assert all(r.status_code == 200 for r in running + waiting)
        assert [r.status_code for r in busy] == [503] * 5
        assert all("Queue is full" in r.json()["detail"] for r in busy)
        fake.release.set()
        first = client.get(f"/gradio_api/call/ask/{waiting[-1].json()['event_id']}")
        assert "event: complete" in first.text
        assert post(200).status_code == 200  # accepted again once drained
    finally:
        fake.release.set()
        demo.close()
