"""Word .docx files: paragraphs (headings kept as headings) and table rows, in body order."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.errors import IngestError
from ingest.loaders.base import LoadedText, Loader

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


class DocxLoader(Loader):
    suffixes = (".docx",)

    def load(self, path: Path, data: bytes) -> LoadedText:
        try:
            document = docx.Document(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise IngestError(str(path), f"not a valid .docx file ({type(exc).__name__}: {exc})") from exc
        except Exception as exc:  # python-docx raises its own types for broken packages
            raise IngestError(str(path), f"corrupt .docx file ({type(exc).__name__}: {exc})") from exc
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = item.text.strip()
                if text:
                    blocks.append(_heading_prefix(item) + text)
            elif isinstance(item, Table):
                rows = [_row_text(row) for row in item.rows]
                blocks.append("\n".join(row for row in rows if row.strip("\t ")))
        if not any(block.strip() for block in blocks):
            raise IngestError(str(path), "the document contains no text")
        title = (document.core_properties.title or "").strip() or None
        return LoadedText(pages=["\n\n".join(blocks)], title=title, rewrap="never")


def _heading_prefix(paragraph: Paragraph) -> str:
    name = paragraph.style.name if paragraph.style is not None else ""
    if name == "Title":
        return "# "
    match = _HEADING_STYLE.match(name or "")
    return "#" * int(match.group(1)) + " " if match else ""


def _row_text(row) -> str:
    cells: list[str] = []
    for cell in row.cells:
        text = " ".join(cell.text.split())
        if not cells or text != cells[-1]:  # merged cells repeat their text
            cells.append(text)
    return "\t".join(cells)
