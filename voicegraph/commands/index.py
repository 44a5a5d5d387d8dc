"""`voicegraph index DIR`: text and Markdown files into a SQLite knowledge base for the Retriever."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse


def _embedder_params(text: str) -> dict[str, Any]:
    """Raises: VoiceError: (invalid_config) not a JSON object."""
    from voicegraph.framework.errors import ErrorCode, VoiceError

    try:
        params = json.loads(text) if text else {}
    except json.JSONDecodeError as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"--embedder-params is not valid JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise VoiceError(ErrorCode.INVALID_CONFIG, "--embedder-params must be a JSON object ({...})")
    return params


async def _index(args: argparse.Namespace) -> int:
    from voicegraph.processors.rag import index_folder, make_embedder

    embedder = make_embedder(args.embedder, _embedder_params(args.embedder_params))
    print(f"indexing {args.folder} into {args.db} ({args.embedder})...", file=sys.stderr, flush=True)
    try:
        report = await index_folder(
            args.folder, args.db, embedder=embedder, max_chars=args.chunk_chars, on_file=_progress
        )
    finally:
        close = getattr(embedder, "aclose", None)
        if close is not None:
            await close()
    kind = embedder.name if embedder is not None else "bm25 (text only)"
    print(f"indexed {len(report.files)} files, {report.passages} passages into {args.db} [{kind}]")
    for skipped in report.skipped:
        print(f"skipped (not UTF-8 text): {skipped}")
    return 0


def _progress(done: int, total: int, source: str, passages: int) -> None:
    """One stderr line per file: `[3/40] guide.md: 12 passages`."""
    what = "skipped (not UTF-8 text)" if passages < 0 else f"{passages} passages"
    print(f"[{done}/{total}] {source}: {what}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from voicegraph.framework.errors import VoiceError

    try:
        return asyncio.run(_index(args))
    except VoiceError as exc:
        print(f"voicegraph index: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C is the user's way to stop, not a crash: no traceback
        print("voicegraph index: interrupted", file=sys.stderr)
        return 130


def add_parser(sub: Any) -> None:
    """Register `index`."""
    p = sub.add_parser("index", help="index text/Markdown files into a SQLite knowledge base for RAG")
    p.add_argument("folder", help="folder with .txt/.md/.markdown/.rst files (searched recursively)")
    p.add_argument("--db", default="knowledge.db", help="SQLite file to write (default: knowledge.db)")
    p.add_argument(
        "--embedder", choices=("bm25", "openai", "minilm"), default="bm25",
        help="bm25: text only, keyword search (default); openai: /v1/embeddings; minilm: local CPU model",
    )  # fmt: skip
    p.add_argument(
        "--embedder-params", default="", help='JSON options, e.g. \'{"model": "nomic-embed-text"}\''
    )
    p.add_argument(
        "--chunk-chars", type=int, default=800, help="largest passage in characters (default: 800)"
    )
    p.set_defaults(fn=_run)
