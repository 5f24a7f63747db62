"""Fixtures shared by the slow end-to-end tests of every package: the built index and Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# Kept between runs (and outside any tmp dir) so a local re-run embeds nothing.
TEST_EMBEDDING_CACHE = REPO / "var" / "cache" / "test_embeddings.sqlite"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class BuiltIndex:
    settings: Any  # reportqa.settings.Settings whose data_dir holds the index
    index: Any  # index.library_index.LibraryIndex
    retriever: Any  # index.hybrid_retriever.HybridRetriever (settings.retrieval options)


@pytest.fixture(scope="session")
def test_embedding_cache() -> Path:
    """The embedding cache the slow tests share (as a fixture: tests/<pkg>/conftest.py shadows
    ``import conftest`` inside a package's tests)."""
    TEST_EMBEDDING_CACHE.parent.mkdir(parents=True, exist_ok=True)
    return TEST_EMBEDDING_CACHE


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> BuiltIndex:
    """The real library (data/reports) indexed with the real embedder, once per test session."""
    from index.embedding_cache import EmbeddingCache
    from index.library_index import LibraryIndex
    from reportqa.factory import make_embeddings, make_pipeline, make_retriever, open_index
    from reportqa.settings import load_settings

    settings = load_settings({"data_dir": str(tmp_path_factory.mktemp("reportqa-data"))})
    TEST_EMBEDDING_CACHE.parent.mkdir(parents=True, exist_ok=True)
    with EmbeddingCache(TEST_EMBEDDING_CACHE) as cache:
        result = LibraryIndex.build(settings.index_dir, settings.library_dir, embeddings=make_embeddings(settings),
                                    pipeline=make_pipeline(settings), cache=cache, progress=False)
    assert not result.errors, result.errors
    index = open_index(settings)
    return BuiltIndex(settings=settings, index=index, retriever=make_retriever(settings, index))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed: run ./run.sh test, or apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
