"""``reportqa index build|update|status|copy|remove``: maintain the searchable index of the library."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import REBUILD_HINT, IndexLockedError, LibraryIndexError, StoreConflictError
from reportqa.errors import CommandError
from reportqa.factory import make_pipeline, open_library
from reportqa.settings import Settings

if TYPE_CHECKING:  # imported when a command runs: every ``reportqa`` start would pay for FAISS and BM25
    from index.library_index import LibraryIndex


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index", help="build, update or inspect the search index",
        description="Maintain the index of the report library (chunks, vectors, keyword index) in "
        "the data directory. Writes are atomic: an interrupted build leaves the previous index "
        "usable. Only one build may run at a time; a second one fails at once unless --wait.",
    )  # fmt: skip
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    for name, help_text in (
        ("build", "index the whole library from scratch (vectors come from the embedding cache when possible)"),
        ("update", "embed only added or changed reports and drop removed ones (a file whose size and "
                   "time, or else content hash, are unchanged is not read again)"),
    ):
        action = actions.add_parser(name, help=help_text, description=help_text)
        # SUPPRESS: without the flag, keep the value of the global ``reportqa --library``.
        action.add_argument("--library", dest="library_dir", default=argparse.SUPPRESS, metavar="DIR",
                            help="folder of reports (default: data/reports)")
        action.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                            help="wait this long for another running build instead of failing")
        action.add_argument("--quiet", action="store_true", help="no progress bars")
        action.add_argument("--json", action="store_true", help="print the result as JSON")
        action.set_defaults(func=run_build if name == "build" else run_update)

    status = actions.add_parser("status", help="show what the index holds and how it was built")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(func=run_status)

    copy = actions.add_parser(
        "copy", help="move the built index into another vector store without embedding again",
        description="Copy the index's vectors, chunks and keyword index into another store: "
                    "milvus:///abs/path/library.db or milvus://relative/library.db (Milvus Lite), "
                    "milvus://HOST:19530 (a Milvus server; milvus+https:// for TLS) or faiss. Then set "
                    "index.store and index.milvus_uri to match (the command prints them).")
    copy.add_argument("--to", required=True, metavar="TARGET", help="milvus://..., milvus+https://... or faiss")
    copy.add_argument("--index-dir", dest="copy_dir", type=Path, default=None, metavar="DIR",
                      help="index folder of the copy (default: replace the configured index in place)")
    copy.add_argument("--collection", default=None, metavar="NAME",
                      help="Milvus alias to publish the copy under (default: index.milvus_collection)")
    copy.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                      help="wait this long for a running build instead of failing")
    copy.set_defaults(func=run_copy)

    remove = actions.add_parser("remove", help="drop one report from the index (until the next update)")
    remove.add_argument("doc_id", metavar="DOC_ID", help="document id (the file name without extension)")
    remove.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for another running build instead of failing")
    remove.set_defaults(func=run_remove)


def run_build(args: argparse.Namespace, settings: Settings) -> int:
    return _write(args, settings, incremental=False)


def run_update(args: argparse.Namespace, settings: Settings) -> int:
    return _write(args, settings, incremental=True)


def _write(args: argparse.Namespace, settings: Settings, *, incremental: bool) -> int:
    from index.embedding_cache import EmbeddingCache

    if not settings.library_dir.is_dir():
        raise CommandError(f"library folder not found: {settings.library_dir}")
    library = open_library(settings)
    operation = library.update if incremental else library.build
    try:
        with EmbeddingCache(settings.embedding_cache_path) as cache:
            result = operation(cache=cache, progress=not args.quiet, lock_timeout=args.wait)
    except IndexLockedError as exc:
        raise CommandError(f"{exc}, or pass --wait SECONDS to wait for it") from exc
    except (LibraryIndexError, ValueError, FileNotFoundError) as exc:
        raise CommandError(str(exc)) from exc
    for error in result.skipped:
        print(f"reportqa: skipped {error}", file=sys.stderr)
    for error in result.errors:
        print(f"reportqa: skipped {error}", file=sys.stderr)
    if args.json:
        print(json.dumps({**result.to_dict(), "status": result.index.status()}, ensure_ascii=False, indent=2))
    else:
        print(f"Index at {settings.index_dir}: {result.summary()}")
    return 1 if result.errors else 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    index = _open(settings)
    status = index.status()
    differences = _settings_differences(index, settings)
    if differences:  # as search would refuse the index, say so here too
        print(f"reportqa: warning: the index was built with other settings than the current ones: "
              f"{'; '.join(differences)}; {REBUILD_HINT}", file=sys.stderr)
    if args.json:
        status["documents_list"] = [d.to_dict() for d in index.documents()]
        status["settings_differences"] = differences
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    print(f"Index:      {status['path']}")
    print(f"Embedder:   {status['embedder']} ({status['dimension']} dimensions, weights {status['fingerprint'][:12]})")
    print(f"Contents:   {status['documents']} documents, {status['chunks']} chunks")
    print(f"Built:      {status['built_at']} in {status['build_seconds']:.1f} s (snapshot version {status['version']})")
    print(f"Manifest:   sha256 {status['manifest_sha256'][:16]}")
    store = status["store"]
    print(f"Store:      {store['kind']}" + (f" at {store['uri']} (alias {store['alias']}, snapshot {store['snapshot']})"
                                            if store["kind"] == "milvus" else ""))
    for doc in index.documents():
        print(f"  {doc.doc_id}  {doc.chunks:4d} chunks  {doc.title}")
    return 0


def run_copy(args: argparse.Namespace, settings: Settings) -> int:
    from index.store_config import StoreConfig

    try:
        target = StoreConfig.from_target(args.to, base=settings.index)
        if args.collection is not None:
            target = StoreConfig(**{**target.model_dump(), "milvus_collection": args.collection})
        started = time.perf_counter()
        copied = open_library(settings, models=False).copy(target, dest=args.copy_dir, lock_timeout=args.wait)
    except IndexLockedError as exc:
        raise CommandError(f"{exc}, or pass --wait SECONDS to wait for it") from exc
    except StoreConflictError as exc:
        raise CommandError(f"{exc} (--collection NAME)") from exc
    except (LibraryIndexError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    status = copied.status()
    print(f"Copied {status['documents']} documents, {status['chunks']} chunks to {_place(target)} "
          f"in {time.perf_counter() - started:.1f} s; index folder {status['path']} (snapshot version "
          f"{status['version']}).")
    if target.store == "milvus":
        alias = target.milvus_collection
        named = alias != settings.index.milvus_collection
        print(f"Use it with: REPORTQA_INDEX__STORE=milvus REPORTQA_INDEX__MILVUS_URI={target.milvus_uri}"
              + (f" REPORTQA_INDEX__MILVUS_COLLECTION={alias}" if named else "")
              + f" (or [index] store = \"milvus\", milvus_uri = \"{target.milvus_uri}\""
              + (f", milvus_collection = \"{alias}\"" if named else "") + " in reportqa.toml)")
    else:
        print("Use it with: REPORTQA_INDEX__STORE=faiss (the default)")
    return 0


def _place(config) -> str:
    return f"Milvus at {config.milvus_uri} (alias {config.milvus_collection})" if config.store == "milvus" else "FAISS"


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    library = open_library(settings, models=False)
    try:
        index = library.remove(args.doc_id, lock_timeout=args.wait)
    except IndexLockedError as exc:
        raise CommandError(f"{exc}, or pass --wait SECONDS to wait for it") from exc
    except LibraryIndexError as exc:
        raise CommandError(str(exc)) from exc
    status = index.status()
    print(f"Removed {args.doc_id}; the index now holds {status['documents']} documents, {status['chunks']} chunks. "
          f"`reportqa index update` adds it back while its file is in the library.")
    return 0


def _settings_differences(index: LibraryIndex, settings: Settings) -> list[str]:
    """How the index's embedder and chunker differ from the configured ones (no model loaded:
    the embedder is compared by name)."""
    differences = index.manifest.differences(chunker=make_pipeline(settings).config())
    built_with = index.manifest.embedder.get("name")
    if built_with != settings.models.embedder:
        differences.insert(0, f"embedder name: index has {built_with}, now {settings.models.embedder}")
    return differences


def _open(settings: Settings) -> LibraryIndex:
    """The index without loading any model (status needs none)."""
    try:
        return open_library(settings, models=False).current()
    except LibraryIndexError as exc:
        raise CommandError(str(exc)) from exc
