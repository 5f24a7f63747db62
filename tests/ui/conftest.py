"""Fixtures for the browser tests: the real app served on a free loopback port (Chromium: tests/conftest.py)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServedApp:
    url: str
    settings: Any  # reportqa.settings.Settings of this app's private data dir
    served: Any  # reportqa.commands.serve.ServedUI


@pytest.fixture(scope="module")
def served_app(built_index, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """``reportqa serve``'s app over private copies of the library and the session index (uploads and
    removals must touch neither ``data/reports`` nor other tests), extractive by default, with the
    small local model offered in the settings tab."""
    from index.embedding_cache import EmbeddingCache
    from index.library_index import LibraryIndex
    from reportqa.commands.serve import build_ui
    from reportqa.factory import make_embeddings, make_pipeline
    from reportqa.settings import load_settings
    from ui.app import launch_app

    data_dir = tmp_path_factory.mktemp("ui-data")
    library_dir = data_dir / "reports"
    shutil.copytree(built_index.settings.library_dir, library_dir)
    settings = load_settings({
        "data_dir": str(data_dir),
        "library_dir": str(library_dir),
        "assistant.backend": "extractive",
        "models.chat_model": "qwen2.5-coder-0.5b-instruct-q4",
    })
    # The copy's documents have other source paths, so indexing it re-embeds every chunk: seed the
    # app's embedding cache with the session index's vectors so that nothing is computed twice.
    embeddings, session_index = make_embeddings(settings), built_index.index
    with EmbeddingCache(settings.embedding_cache_path) as cache:
        cache.put_many(embeddings.fingerprint, [chunk.embedding_text() for chunk in session_index.chunks],
                       session_index.vectors())
        if session_index.evidence is not None:
            cache.put_many(embeddings.fingerprint, [u.text for u in session_index.evidence.units],
                           session_index.evidence.vectors)
        built = LibraryIndex.build(settings.index_dir, library_dir, embeddings=embeddings,
                                   pipeline=make_pipeline(settings), cache=cache, progress=False)
    built.index.close()
    assert built.chunks_embedded == 0 and not built.errors, (built.chunks_embedded, built.errors)
    served = build_ui(settings)
    assert served.backends == ("local", "extractive") and served.default_backend == "extractive"
    url = launch_app(served.app, host="127.0.0.1", port=free_port(), quiet=True)
    try:
        yield ServedApp(url=url, settings=settings, served=served)
    finally:
        served.close()
