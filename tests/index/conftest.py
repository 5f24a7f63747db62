"""Fixtures for the index tests (the test doubles live in ``index_test_doubles``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from index_test_doubles import REPORTS, HashEmbeddings


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    written = time.time() - 60  # older than RACY_NS: an unchanged file is known as such without reading it
    for doc_id, text in REPORTS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        os.utime(folder / f"{doc_id}.txt", (written, written))
    return folder


@pytest.fixture
def embeddings() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def pipeline():
    from ingest.pipeline import IngestPipeline

    return IngestPipeline(chunk_size=120, chunk_overlap=20)
