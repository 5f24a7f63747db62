"""The one owner of a library: its source folders, its index snapshots and their version.

Everything that changes the library (``reportqa index build/update/remove/copy``, uploads and
removals in the interface) goes through :class:`Library`, and everything that reads it asks
:meth:`Library.current` for the newest snapshot. Snapshots are immutable
(:class:`~index.library_index.LibraryIndex`); each carries a ``version`` (1 more at every write,
recorded in its manifest), which is what caches of derived objects (retrievers, assistants,
document texts) key on: a changed version is the one signal that the library changed, whether
this process wrote it or another one did (followed through :class:`~index.live_index.LiveIndex`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from index.embeddings.base import VectorEmbeddings
from index.library_index import BuildResult, LibraryIndex, Pipeline
from index.live_index import LiveIndex
from index.store_config import StoreConfig


class Library:
    """Args:
    index_dir: where the index snapshots live.
    folders: the folders of reports the index is built from (each must exist).
    upload_dir: where reports added through the interface are kept; indexed with ``folders``
        (created by the first upload, so the index commands see it too).
    embeddings, pipeline: the embedder and ingest pipeline of every build; ``None`` for a library
        that is only read (``index status``) or trimmed (``index remove``), which loads no model.
    store: where vectors live (``index.store`` settings; default FAISS in ``index_dir``).
    check_interval: seconds between looks for a snapshot written by another process.
    """

    def __init__(self, index_dir: str | Path, *, folders: Sequence[str | Path], upload_dir: str | Path | None = None,
                 embeddings: VectorEmbeddings | None = None, pipeline: Pipeline | None = None,
                 store: StoreConfig | None = None, check_interval: float = 2.0):
        if check_interval < 0:
            raise ValueError(f"check_interval must be >= 0 seconds, got {check_interval}")
        self.index_dir = Path(index_dir)
        self.folders = [Path(folder) for folder in folders]
        self.upload_dir = Path(upload_dir) if upload_dir is not None else None
        self.embeddings = embeddings
        self.pipeline = pipeline
        self.store = store
        self.check_interval = check_interval
        self._live: LiveIndex | None = None
        self._listeners: list[Callable[[LibraryIndex], None]] = []
        self._opening = threading.Lock()
        self._writing = threading.Lock()  # one change at a time in this process (BuildLock: across processes)

    @property
    def sources(self) -> list[Path]:
        """What the index is built from: the folders, then the upload folder (absolute, once each)."""
        folders = [*self.folders, *([self.upload_dir] if self.upload_dir is not None else [])]
        return list(dict.fromkeys(folder.resolve() for folder in folders))

    # ----- reading --------------------------------------------------------------------------
    def current(self) -> LibraryIndex:
        """The newest snapshot. Raises ``IndexNotFoundError`` before the first build and the
        ``index.errors`` exception of a snapshot that cannot be used (other settings, damaged)."""
        live = self._live
        if live is None:
            with self._opening:
                if self._live is None:
                    self._live = self._follow(LiveIndex(self.index_dir, open_snapshot=self._open,
                                                        check_interval=self.check_interval))
                live = self._live
        return live.current()

    @property
    def version(self) -> int:
        return self.current().version

    def subscribe(self, listener: Callable[[LibraryIndex], None]) -> None:
        """Call ``listener(new_snapshot)`` after every change, here or by another process."""
        self._listeners.append(listener)

    def _open(self, index_dir: Path) -> LibraryIndex:
        return LibraryIndex.open(index_dir, embeddings=self.embeddings, pipeline=self.pipeline, store=self.store)

    def _follow(self, live: LiveIndex) -> LiveIndex:
        live.subscribe(lambda index: [listener(index) for listener in self._listeners])
        return live

    def _adopt(self, index: LibraryIndex) -> LibraryIndex:
        with self._opening:
            if self._live is None:
                self._live = self._follow(LiveIndex(self.index_dir, open_snapshot=self._open, index=index,
                                                    check_interval=self.check_interval))
                for listener in self._listeners:
                    listener(index)
                return index
        self._live.replace(index)
        return index

    # ----- changing -------------------------------------------------------------------------
    def build(self, *, cache: Any = None, progress: bool = False, lock_timeout: float = 0.0) -> BuildResult:
        """Index every source from scratch; vectors of texts embedded before come from ``cache``
        (an ``index.embedding_cache.EmbeddingCache``, owned by the caller)."""
        return self._write(LibraryIndex.build, cache=cache, progress=progress, lock_timeout=lock_timeout)

    def update(self, *, cache: Any = None, progress: bool = False, lock_timeout: float = 0.0,
               ingested: Mapping[str | Path, Any] | None = None) -> BuildResult:
        """Bring the index in line with the sources (see ``LibraryIndex.update``). ``ingested``:
        files already read by the caller (path -> ``IngestResult``), not read again."""
        return self._write(LibraryIndex.update, cache=cache, progress=progress, lock_timeout=lock_timeout,
                           ingested=ingested)

    def remove(self, doc_id: str, *, lock_timeout: float = 0.0) -> LibraryIndex:
        """A new snapshot without ``doc_id`` (its file stays where it is; see ``LibraryIndex.remove``)."""
        with self._writing:
            return self._adopt(self.current().remove(doc_id, lock_timeout=lock_timeout, store=self.store))

    def copy(self, to: StoreConfig, *, dest: str | Path | None = None, lock_timeout: float = 0.0) -> LibraryIndex:
        """The current snapshot written into the store ``to`` without embedding anything (see
        ``LibraryIndex.copy``; the source is read with this library's store settings, e.g. its
        Milvus token). In place (``dest`` None or this library's folder) the copy is this
        library's next snapshot and version; into another folder, the first of that folder's."""
        target = self.index_dir if dest is None else Path(dest)
        with self._writing:
            before = self.current().version
            copied = LibraryIndex.copy(self.index_dir, to=to, dest=target, lock_timeout=lock_timeout,
                                       store=self.store)
            if target.resolve() != self.index_dir.resolve() or copied.version == before:
                return copied  # another folder's snapshot, or already there (nothing written)
            return self._adopt(copied)

    def _write(self, operation: Callable[..., BuildResult], **options: Any) -> BuildResult:
        if self.embeddings is None or self.pipeline is None:
            raise ValueError("this library was opened for reading only: building needs embeddings and a pipeline")
        for folder in self.folders:
            if not folder.is_dir():
                raise FileNotFoundError(f"library folder not found: {folder}")
        sources = [folder for folder in self.sources if folder.is_dir()]  # the upload folder may not exist yet
        with self._writing:
            result = operation(self.index_dir, sources, embeddings=self.embeddings, pipeline=self.pipeline,
                               store=self.store, **options)
            if result.written or self._live is None:
                self._adopt(result.index)
            return result
