"""Plain text and Markdown files in any common encoding."""

from __future__ import annotations

from pathlib import Path

from ingest.encoding import UndecodableText, decode_text
from ingest.errors import IngestError
from ingest.loaders.base import LoadedText, Loader


class TextLoader(Loader):
    suffixes = (".txt", ".md", ".markdown")

    def load(self, path: Path, data: bytes) -> LoadedText:
        try:
            text, encoding, warnings = decode_text(data)
        except UndecodableText as exc:
            raise IngestError(str(path), str(exc)) from exc
        if not text.strip():
            raise IngestError(str(path), "the file contains only whitespace")
        markdown = path.suffix.lower() in (".md", ".markdown")
        # Form feeds (as written by pdftotext) separate pages.
        pages = text.split("\f")
        return LoadedText(
            pages=pages,
            metadata={"encoding": encoding},
            warnings=warnings,
            rewrap="never" if markdown else "auto",
            has_pages=len(pages) > 1,
        )
