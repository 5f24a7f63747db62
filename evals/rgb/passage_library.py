"""A throw-away library per RGB question, built with the real index package.

Each passage becomes ``<sha1>.txt`` in a temporary folder, indexed by ``LibraryIndex.build`` with
the real embedder; the shared embedding cache makes repeated passages (and re-runs) free. The
assistant is then the application's own, with only its retriever swapped for one over that index.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index.library_index import LibraryIndex


def passage_filename(passage: str) -> str:
    """Files are named by content, so the same passage always maps to the same document id."""
    return hashlib.sha1(passage.encode("utf-8")).hexdigest()[:16] + ".txt"


class PassageLibrary:
    """Callable: ``with library(passages) as assistant: assistant.ask(...)``.

    Args:
        work_dir: where the temporary libraries go (each is removed on exit).
        embeddings, pipeline: the application's embedder and ingest pipeline.
        make_retriever: ``LibraryIndex -> retriever`` (``reportqa.factory.make_retriever``).
        make_assistant: ``retriever -> assistant`` (``reportqa.factory.make_assistant``).
        cache: the embedding cache shared with the application (optional).
    """

    def __init__(
        self,
        *,
        work_dir: str | Path,
        embeddings: Any,
        pipeline: Any,
        make_retriever: Callable[[LibraryIndex], Any],
        make_assistant: Callable[[Any], Any],
        cache: Any = None,
    ):
        for name, value in (("make_retriever", make_retriever), ("make_assistant", make_assistant)):
            if not callable(value):
                raise TypeError(f"{name} must be callable")
        self.work_dir = Path(work_dir)
        self.embeddings = embeddings
        self.pipeline = pipeline
        self.make_retriever = make_retriever
        self.make_assistant = make_assistant
        self.cache = cache

    @contextmanager
    def __call__(self, passages: Sequence[str]) -> Iterator[Any]:
        if not passages:
            raise ValueError("a passage library needs at least one passage")
        names = [passage_filename(p) for p in passages]
        folder = self.work_dir / hashlib.sha1("".join(sorted(names)).encode()).hexdigest()[:16]
        shutil.rmtree(folder, ignore_errors=True)
        docs = folder / "docs"
        docs.mkdir(parents=True)
        for name, passage in zip(names, passages):
            (docs / name).write_text(passage, encoding="utf-8")
        index = None
        try:
            result = LibraryIndex.build(
                folder / "index", docs, embeddings=self.embeddings, pipeline=self.pipeline,
                cache=self.cache, progress=False,
            )
            index = result.index
            if result.errors:
                reasons = "; ".join(f"{e.path}: {e.reason}" for e in result.errors)
                raise RuntimeError(f"could not index RGB passages: {reasons}")
            yield self.make_assistant(self.make_retriever(index))
        finally:
            if index is not None:
                index.close()
            shutil.rmtree(folder, ignore_errors=True)


def with_retriever(assistant: Any, retriever: Any) -> Any:
    """A copy of ``assistant`` (an ``assistant.Assistant``) that searches ``retriever`` instead,
    sharing its loaded chat model and stage components."""
    return assistant.with_retriever(retriever)
