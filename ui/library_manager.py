"""The library as the interface changes it: add uploaded reports, remove documents.

Reads and writes go through the one :class:`~index.library.Library` of the process (which also
follows changes written by ``reportqa index`` in another process). Uploads are checked (policy,
then one ingest of a staged copy, whose result the index reuses) and copied into the library's
upload folder. Every change is all-or-nothing: a rejected or failed upload leaves no file behind
and the index untouched; a removed document's file moves to a ``removed`` folder rather than
being deleted.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from index.chunk_store import DocumentInfo
from index.errors import IndexLockedError
from index.library import Library
from index.library_index import LibraryIndex
from ingest.errors import IngestError
from ui.upload_policy import UploadPolicy, UploadRejected

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
SIDECAR_SUFFIX = ".meta.json"


@dataclass
class AddReport:
    """What happened to each uploaded file, by its name as uploaded."""

    added: list[tuple[str, str, int]] = field(default_factory=list)  # (upload name, stored name, chunks)
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # (upload name, stored name)
    rejected: list[tuple[str, UploadRejected]] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _no_progress(fraction: float, desc: str) -> None:
    pass


class LibraryManager:
    """Args:
    library: the library (its folders, upload folder, embedder, pipeline and index snapshots).
    work_dir: private folder for staging uploads and keeping removed files (``work_dir/removed``);
        must lie outside the indexed folders.
    policy: which uploads are accepted.
    cache: the embedding cache uploads are embedded through (owned by the caller).
    show_progress: let the index print tqdm bars (the app turns them into its progress bar).
    """

    def __init__(self, *, library: Library, work_dir: str | Path, policy: UploadPolicy, cache: Any = None,
                 show_progress: bool = True):
        if library.upload_dir is None:
            raise ValueError("the library has no upload folder")
        for folder in library.folders:
            if not folder.is_dir():
                raise ValueError(f"library folder {folder} does not exist")
        self.library = library
        self.upload_dir = library.upload_dir
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.sources = library.sources
        self.work_dir = Path(work_dir)
        if any(self.work_dir.resolve().is_relative_to(source) for source in self.sources):
            raise ValueError(f"work_dir {self.work_dir} must not lie inside an indexed folder")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.pipeline = library.pipeline
        self.policy = policy
        self.cache = cache
        self.show_progress = show_progress
        self._write_lock = threading.Lock()
        library.current()  # the interface needs an index (serve builds one first): fail here, not later

    # ----- reading (delegated to the current snapshot) --------------------------------------
    @property
    def index(self) -> LibraryIndex:
        return self.library.current()

    @property
    def version(self) -> int:
        """The current snapshot's version: what caches of library-derived things key on."""
        return self.index.version

    def documents(self) -> list[DocumentInfo]:
        return self.index.documents()

    def status(self) -> dict[str, Any]:
        return self.index.status()

    def document_text(self, doc_id: str) -> str:
        return self.index.document_text(doc_id)

    def subscribe(self, listener: Callable[[LibraryIndex], None]) -> None:
        """Call ``listener(new_index)`` after every change, here or by another process."""
        self.library.subscribe(listener)

    # ----- adding -----------------------------------------------------------------------
    def add_files(self, files: Sequence[tuple[str | Path, str]], *, progress: Progress = _no_progress) -> AddReport:
        """Add uploaded files, given as ``(path on disk, name the user gave it)``.

        Every file is checked (policy, then a full ingest of a staged copy) before any is copied
        into the library; the accepted ones are then indexed incrementally in one update.
        """
        report = AddReport()
        with self._write_lock, tempfile.TemporaryDirectory(dir=self.work_dir, prefix="staging-") as staging:
            accepted: list[tuple[str, Path]] = []  # (upload name, staged copy)
            read: dict[str, Any] = {}  # staged copy -> its IngestResult (the index reuses it)
            known_ids = {doc.doc_id: doc for doc in self.documents()}
            for i, (path, name) in enumerate(files):
                progress(0.3 * i / max(len(files), 1), f"{name}")
                try:
                    staged = self._stage(Path(path), name, Path(staging), known_ids, accepted)
                except UploadRejected as rejection:
                    report.rejected.append((name, rejection))
                    continue
                if staged is not None:
                    accepted.append((name, staged[0]))
                    read[staged[0].name] = staged[1]
                else:
                    report.unchanged.append((name, self.policy.safe_name(name)))
            if not accepted:
                return report
            progress(0.35, "copy")
            copied = self._copy_into_library(accepted, report)
            if not copied:
                return report
            progress(0.4, "index")
            self._index_copies(copied, read, report)
        return report

    def _stage(self, path: Path, name: str, staging: Path, known: dict[str, DocumentInfo],
               accepted: list[tuple[str, Path]]) -> tuple[Path, Any] | None:
        """A checked copy of the upload under its safe name and what reading it gave; None when
        the library already has the very same file. Raises :class:`UploadRejected`."""
        safe = self.policy.check(path, name)
        stem = Path(safe).stem
        if any(staged.stem == stem for _, staged in accepted):
            raise UploadRejected("duplicate", name=safe)
        # The document id is the file stem: it must be new to the index and to every indexed folder
        # (report.pdf next to report.txt, or a file not indexed yet) unless it is the very same file.
        same_stem = [p for p in self._library_files() if p.stem == stem]
        if any(p.name == safe and _sha256(p) == _sha256(path) for p in same_stem):
            return None
        if same_stem or stem in known or (self.upload_dir / safe).exists():
            raise UploadRejected("exists", name=safe)
        staged = staging / safe
        shutil.copyfile(path, staged)
        try:
            result = self.pipeline.run(staged)
        except IngestError as exc:
            raise UploadRejected("unreadable", detail=exc.reason) from exc
        if not getattr(result, "chunks", None):
            raise UploadRejected("empty")
        return staged, result

    def _library_files(self) -> list[Path]:
        return [p for folder in self.sources if folder.is_dir() for p in folder.rglob("*")
                if p.is_file() and not p.name.endswith(SIDECAR_SUFFIX)]

    def _copy_into_library(self, accepted: list[tuple[str, Path]], report: AddReport) -> list[tuple[str, Path]]:
        copied = []
        for name, staged in accepted:
            target = self.upload_dir / staged.name
            try:
                with staged.open("rb") as source, target.open("xb") as out:  # "x": never overwrite
                    shutil.copyfileobj(source, out)
            except FileExistsError:
                report.rejected.append((name, UploadRejected("exists", name=staged.name)))
                continue
            except OSError as exc:
                target.unlink(missing_ok=True)
                report.rejected.append((name, UploadRejected("unreadable", detail=str(exc))))
                continue
            copied.append((name, target))
        return copied

    def _index_copies(self, copied: list[tuple[str, Path]], read: dict[str, Any], report: AddReport) -> None:
        try:
            result = self.library.update(cache=self.cache, progress=self.show_progress,
                                         ingested={target: read[target.name] for _, target in copied})
        except Exception as exc:  # the index swap is atomic: only our copies need undoing
            logger.exception("indexing uploads failed")
            busy = isinstance(exc, IndexLockedError)
            for name, target in copied:
                target.unlink(missing_ok=True)
                rejection = UploadRejected("index_busy") if busy else UploadRejected("index_failed", detail=str(exc))
                report.rejected.append((name, rejection))
            return
        failed = {Path(error.path).name: error for error in result.errors}
        counts = {doc.doc_id: doc.chunks for doc in result.index.documents()}
        for name, target in copied:
            if target.name in failed or target.stem not in counts:
                target.unlink(missing_ok=True)
                detail = failed[target.name].reason if target.name in failed else "not indexed"
                report.rejected.append((name, UploadRejected("unreadable", detail=detail)))
            else:
                report.added.append((name, target.name, counts[target.stem]))

    # ----- removing ---------------------------------------------------------------------
    def remove(self, doc_id: str) -> DocumentInfo:
        """Drop ``doc_id`` from the index and move its file (and sidecar) to ``work_dir/removed``."""
        with self._write_lock:
            info = next((doc for doc in self.documents() if doc.doc_id == doc_id), None)
            if info is None:
                raise KeyError(f"no document {doc_id!r} in the library")
            moved = self._move_to_removed(self._files_of(info))
            try:
                # A new snapshot: requests in flight keep reading theirs.
                self.library.remove(doc_id)
            except Exception:
                for original, parked in moved:  # put the files back: nothing changed
                    shutil.move(parked, original)
                raise
            return info

    def _files_of(self, info: DocumentInfo) -> list[Path]:
        """The document's file and sidecar, only where they really are inside an indexed folder."""
        candidates = [Path(info.source)] if info.source else []
        candidates += [p for p in self._library_files() if p.stem == info.doc_id]
        candidates += [p.with_name(info.doc_id + SIDECAR_SUFFIX) for p in list(candidates)]
        files = []
        for candidate in candidates:
            resolved = candidate.resolve()
            inside = any(resolved.is_relative_to(source) for source in self.sources)
            if inside and resolved.is_file() and resolved not in files:
                files.append(resolved)
        return sorted(files)

    def _move_to_removed(self, files: list[Path]) -> list[tuple[Path, Path]]:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        folder = self.work_dir / "removed" / stamp
        folder.mkdir(parents=True, exist_ok=True)
        moved = []
        for path in files:
            parked = folder / path.name
            shutil.move(path, parked)
            moved.append((path, parked))
        return moved
