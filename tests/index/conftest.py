"""Fixtures for the index tests (the test doubles live in ``index_test_doubles``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from index_test_doubles import REPORTS, HashEmbeddings


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for doc_id, text in REPORTS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def embeddings() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def pipeline():
    from ingest.pipeline import IngestPipeline

    return IngestPipeline(chunk_size=120, chunk_overlap=20)
