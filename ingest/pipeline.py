"""Files in, cleaned documents and chunks out: one call per file, one error per bad file."""

from __future__ import annotations

import hashlib
import json
import logging
import os
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
        """The supported files in ``folder`` and below, sorted (see :meth:`survey`)."""
        return IngestPipeline.survey(folder)[0]

    @staticmethod
    def survey(folder: str | Path) -> tuple[list[Path], list[IngestError]]:
        """The supported files in ``folder`` and below, sorted, and every other entry with the
        reason it is skipped: hidden names (a dot first), unsupported types, links that lead out
        of ``folder`` (never followed: the folder is a boundary), links to folders, special
        files. Sidecars (``*.meta.json``) are read with their report, not skipped."""
        root = Path(folder)
        if not root.is_dir():
            raise IngestError(str(root), "not a folder")
        boundary = root.resolve()
        found: list[Path] = []
        skipped: list[IngestError] = []
        pending = [root]
        while pending:
            directory = pending.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
            except OSError as exc:
                skipped.append(IngestError(str(directory), f"cannot list the folder ({exc.strerror or exc})"))
                continue
            for entry in entries:
                path = Path(entry.path)
                reason = _skip_reason(path, entry, boundary)
                if reason:
                    skipped.append(IngestError(str(path), reason))
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif not path.name.endswith(SIDECAR_SUFFIX):
                    found.append(path)
        return sorted(found), sorted(skipped, key=lambda error: error.path)

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
            except IngestError as exc:  # the caller reports it (logging it too printed it twice)
                logger.debug("skipped %s", exc)
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


def _skip_reason(path: Path, entry: os.DirEntry, boundary: Path) -> str | None:
    """Why ``path`` (a folder entry) is not indexed, or None when it is (or is a folder to enter)."""
    if entry.name.startswith("."):
        return "hidden (its name starts with a dot)"
    if entry.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a broken link"
        if not target.is_relative_to(boundary):
            return f"a link to {target}, outside the library folder (links are not followed out of it)"
        if target.is_dir():
            return "a link to a folder (its files are indexed where they are)"
    if entry.is_dir():
        return None
    if not entry.is_file():
        return "not a regular file"
    if path.name.endswith(SIDECAR_SUFFIX):
        return None
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"unsupported file type {path.suffix or '(none)'!r}; supported: {' '.join(SUPPORTED_SUFFIXES)}"
    return None


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
