"""survqa web app: a French chat with cited verbatim excerpts, plus the ``/ask`` API endpoint.

    python app.py [--host 127.0.0.1] [--port 7860] [--corpus DIR] [--index DIR] [--library DIR]
                  [--allow-upload | --no-allow-upload] [--backend faiss|milvus] [--milvus-uri URI]

Host and port also come from SURVQA_HOST / SURVQA_PORT; corpus, index and library from
SURVQA_CORPUS / SURVQA_INDEX / SURVQA_LIBRARY (or the defaults of ``survqa.Assistant``), the
search backend from SURVQA_BACKEND / SURVQA_MILVUS_URI (default: FAISS in process). It
listens on 127.0.0.1 unless told otherwise. Adding and removing documents from the page is
on by default only on a loopback address (anyone who reaches the page could add files):
``--allow-upload`` turns it on anywhere, ``--no-allow-upload`` off. The index is loaded
once, here, before the server starts. See ``survqa.apps.webui`` for the ``/ask`` endpoint.
"""

import argparse
import logging
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from fastapi.responses import JSONResponse
from gradio.route_utils import FnIndexInferError

from survqa import Assistant, Settings
from survqa.apps.cli import add_backend_options
from survqa.apps.webui import build_app, launch_options, uploads_allowed

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("survqa.app")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("SURVQA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SURVQA_PORT", "7860")))
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder")
    parser.add_argument("--index", type=Path, default=None, help="index folder")
    parser.add_argument("--library", type=Path, default=None, help="folder of added documents")
    add_backend_options(parser)
    parser.add_argument(
        "--allow-upload",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let the page add and remove documents (default: only on a loopback host)",
    )
    args, _ = parser.parse_known_args(argv)
    args.allow_upload = uploads_allowed(args.host, args.allow_upload)
    return args


def make_assistant(
    corpus: Path | None,
    index: Path | None,
    library: Path | None,
    settings: Settings | None = None,
) -> Assistant:
    """Create the assistant and load its index now, not on the first request."""
    assistant = Assistant(
        corpus_dir=corpus, index_dir=index, library_dir=library, settings=settings
    )
    assistant.load()
    return assistant


def not_found(request: object, exc: Exception) -> JSONResponse:
    """A crafted call naming no endpoint (unknown api_name or fn_index): 404, not Gradio's 500."""
    return JSONResponse({"detail": "Not Found"}, status_code=404)


HANDLERS = {"exception_handlers": {KeyError: not_found, FnIndexInferError: not_found}}
args = parse_args()
settings = Settings(backend=args.backend, milvus_uri=args.milvus_uri)
assistant = make_assistant(args.corpus, args.index, args.library, settings)
demo = build_app(assistant, allow_upload=args.allow_upload)

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    blocked = [ROOT / "index", ROOT / "seeds", ROOT / "library"]
    blocked += [p for p in (args.corpus, args.index, args.library) if p is not None]
    for name in ("SURVQA_CORPUS", "SURVQA_INDEX", "SURVQA_LIBRARY"):
        if os.environ.get(name):
            blocked.append(Path(os.environ[name]))
    options = launch_options(args.host, args.port, blocked, allow_upload=args.allow_upload)
    log.info("survqa on http://%s:%d (uploads %s)", args.host, args.port,
             "allowed" if args.allow_upload else "off")  # fmt: skip
    demo.launch(**options, app_kwargs=HANDLERS)
