"""PDFs through their text layer, with pages and scanned-page warnings."""

from __future__ import annotations

import pytest

from ingest import IngestError, IngestPipeline


def test_pdf_pages_text_and_blank_page_warning(tmp_path, make_pdf):
    path = tmp_path / "report.pdf"
    path.write_bytes(
        make_pdf(
            [
                ["1. Introduction", "", "The digital eco-", "nomy grows fast in the U.S. and in China."],
                None,
                ["Trade rules are being written now."],
            ]
        )
    )
    result = IngestPipeline(chunk_size=60, chunk_overlap=0).run(path)
    document = result.document
    assert "The digital economy grows fast in the U.S. and in China." in document.text
    assert document.warnings == ["page 2 has no text layer (scanned?)"]
    assert [page.number for page in document.pages] == [1, 3]
    trade = document.text.index("Trade rules")
    assert document.page_at(trade) == 3
    assert [(chunk.page, chunk.text) for chunk in result.chunks] == [
        (1, "The digital economy grows fast in the U.S. and in China."),
        (3, "Trade rules are being written now."),
    ]
    assert result.chunks[0].section == "1. Introduction"


def test_pdf_without_any_text_layer_needs_ocr(tmp_path, make_pdf):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([None, None]))
    with pytest.raises(IngestError, match="scanned and needs OCR"):
        IngestPipeline().run(path)
