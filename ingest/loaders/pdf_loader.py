"""PDF files through their text layer (pypdf); scanned pages are reported, not guessed."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ingest.errors import IngestError
from ingest.loaders.base import LoadedText, Loader

logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every odd object


class PdfLoader(Loader):
    suffixes = (".pdf",)

    def load(self, path: Path, data: bytes) -> LoadedText:
        if not data.lstrip().startswith(b"%PDF"):
            raise IngestError(str(path), "not a PDF file (no %PDF header)")
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise IngestError(str(path), "the PDF is password-protected")
            pages = [page.extract_text() or "" for page in reader.pages]
        except IngestError:
            raise
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
            raise IngestError(str(path), f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
        if not pages:
            raise IngestError(str(path), "the PDF has no pages")
        empty = [number for number, text in enumerate(pages, start=1) if not text.strip()]
        if len(empty) == len(pages):
            raise IngestError(
                str(path),
                f"none of the {len(pages)} pages has a text layer: it looks scanned and needs OCR first",
            )
        warnings = [f"page {number} has no text layer (scanned?)" for number in empty]
        return LoadedText(pages=pages, metadata={"page_count": len(pages)}, warnings=warnings, has_pages=True)
