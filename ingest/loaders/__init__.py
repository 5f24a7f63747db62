"""One loader per file format, chosen by suffix."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import LoadedText, Loader
from ingest.loaders.docx_loader import DocxLoader
from ingest.loaders.html_loader import HtmlLoader
from ingest.loaders.pdf_loader import PdfLoader
from ingest.loaders.text_loader import TextLoader

LOADERS: dict[str, Loader] = {
    suffix: loader
    for loader in (TextLoader(), PdfLoader(), DocxLoader(), HtmlLoader())
    for suffix in loader.suffixes
}
SUPPORTED_SUFFIXES = tuple(sorted(LOADERS))


def loader_for(path: str | Path) -> Loader | None:
    """The loader for ``path``'s suffix, or ``None`` when the format is not supported."""
    return LOADERS.get(Path(path).suffix.lower())


__all__ = ["LOADERS", "SUPPORTED_SUFFIXES", "LoadedText", "Loader", "loader_for"]
