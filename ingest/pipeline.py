"""Files in, cleaned documents and chunks out: one call per file, one error per bad file."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.evidence_units import EvidenceSegmenter
from ingest.document import Chunk, Document
from ingest.errors import IngestError
from ingest.language import detect_language
from ingest.loaders import SUPPORTED_SUFFIXES, loader_for
from ingest.sentence_chunker import SentenceChunker
from ingest.structure import Heading, detect_title
from ingest.text_cleaner import TextCleaner

logger = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta.json"


@dataclass
class IngestResult:
    document: Document
    chunks: list[Chunk]
    headings: list[Heading] = field(default_factory=list)


class IngestPipeline:
    """Load, clean and chunk report files.

    ``run(path)`` raises ``IngestError`` (with the reason) for a file it cannot use;
    ``run_many(paths)`` collects those errors and goes on with the other files.
    """

    def __init__(self, *, chunk_size: int = 350, chunk_overlap: int = 80, max_file_bytes: int = 50 * 2**20):
        if not isinstance(max_file_bytes, int) or max_file_bytes < 1:
            raise ValueError(f"max_file_bytes must be a positive integer, got {max_file_bytes!r}")
        self.chunker = SentenceChunker(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        self.segmenter = EvidenceSegmenter()
        self.max_file_bytes = max_file_bytes

    def config(self) -> dict[str, Any]:
        """Everything that changes the chunks; stored in the index manifest so that a new
        chunker or cleaner forces a rebuild."""
        return {
            "chunker": self.chunker.config(),
            "cleaner": TextCleaner().config(),
            "evidence": self.segmenter.config(),
        }

    @staticmethod
    def discover(folder: str | Path) -> list[Path]:
        """The supported files in ``folder`` and below, sorted, without sidecars or hidden files."""
        root = Path(folder)
        if not root.is_dir():
            raise IngestError(str(root), "not a folder")
        return sorted(
            path
            for path in root.rglob("*")
            if path.is_file()
            and path.suffix.lower() in SUPPORTED_SUFFIXES
            and not path.name.endswith(SIDECAR_SUFFIX)
            and not any(part.startswith(".") for part in path.relative_to(root).parts)
        )

    def run(self, path: str | Path) -> IngestResult:
        path = Path(path)
        data = self._read(path)
        loader = loader_for(path)
        assert loader is not None  # checked by _read
        loaded = loader.load(path, data)
        cleaned = TextCleaner(rewrap=loaded.rewrap).clean(loaded.pages)
        if not cleaned.text.strip():
            raise IngestError(str(path), "no text left after cleaning (only page numbers or figures?)")
        sidecar, sidecar_warnings = _read_sidecar(path)
        title = sidecar.get("title") or loaded.title or detect_title(cleaned.text, cleaned.headings, fallback=path.stem)
        metadata: dict[str, Any] = {
            "format": path.suffix.lower().lstrip("."),
            "language": detect_language(cleaned.text),
            **loaded.metadata,
            **{key: value for key, value in sidecar.items() if key != "title"},
        }
        document = Document(
            doc_id=path.stem,
            title=str(title).strip(),
            text=cleaned.text,
            source=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
            pages=cleaned.pages if loaded.has_pages else [],
            metadata=metadata,
            warnings=[*loaded.warnings, *sidecar_warnings],
        )
        chunks = self.chunker.chunk(document, cleaned.headings)
        return IngestResult(document, chunks, cleaned.headings)

    def run_many(
        self, paths: Iterable[str | Path], *, progress: bool = False
    ) -> tuple[list[IngestResult], list[IngestError]]:
        """Every file that can be used, and one ``IngestError`` per file that cannot."""
        paths = list(paths)
        results: list[IngestResult] = []
        errors: list[IngestError] = []
        iterator: Iterable[str | Path] = paths
        if progress:
            from tqdm import tqdm

            iterator = tqdm(paths, desc="ingest", unit="file")
        for path in iterator:
            try:
                results.append(self.run(path))
            except IngestError as exc:
                logger.warning("skipped %s", exc)
                errors.append(exc)
            except Exception as exc:  # a loader bug must not lose the rest of the batch
                logger.exception("unexpected failure on %s", path)
                errors.append(IngestError(str(path), f"unexpected {type(exc).__name__}: {exc}"))
        return results, errors

    def _read(self, path: Path) -> bytes:
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise IngestError(
                str(path), f"unsupported file type {path.suffix or '(none)'!r}; supported: {' '.join(SUPPORTED_SUFFIXES)}"
            )
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise IngestError(str(path), "not a regular file")
            if size == 0:
                raise IngestError(str(path), "the file is empty")
            if size > self.max_file_bytes:
                raise IngestError(
                    str(path), f"the file is {_size(size)}, over the limit of {_size(self.max_file_bytes)}"
                )
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise IngestError(str(path), "no such file") from exc
        except PermissionError as exc:
            raise IngestError(str(path), "permission denied") from exc
        except OSError as exc:
            raise IngestError(str(path), f"cannot read the file ({exc.strerror or exc})") from exc


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def _read_sidecar(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Fields of ``<stem>.meta.json`` next to the file; a broken sidecar is a warning."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}, []
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [f"ignored {sidecar.name}: {exc}"]
    if not isinstance(data, dict):
        return {}, [f"ignored {sidecar.name}: expected a JSON object"]
    return data, []


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size} bytes"
