"""The searchable library on disk: chunks, vectors, keyword index and manifest, kept consistent.

Layout of an index directory (every file written into a staging folder, then swapped in)::

    manifest.json   what it was built from (written last: its presence marks a complete index)
    chunks.sqlite   documents (with cleaned text) and chunks, in position order
    dense.faiss     FAISS IndexIDMap2(IndexFlatIP, or IndexIVFFlat above index.approximate_above) of
                    unit vectors, ids = vector ids
    bm25/           bm25s arrays (.npy, no pickle) and vocabulary (JSON), ids = positions
    evidence.sqlite, evidence_vectors.npy   evidence units and their vectors (index.evidence_store)

With ``index.store = "milvus"`` dense.faiss and bm25/ live in a Milvus collection instead, named in
the manifest's ``store`` record (see ``index.vector_store``); everything else stays in the folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm.auto import tqdm

from index import atomic_swap
from index.build_lock import BuildLock
from index.chunk_store import ChunkStore, DocumentInfo, StoredDocument
from index.embedding_cache import EmbeddingCache, encode_documents_cached
from index.evidence_store import EvidenceStore
from index.embeddings.base import VectorEmbeddings
from index.errors import (
    DocumentNotFoundError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    StoreConflictError,
)
from index.manifest import DocumentEntry, Manifest, library_versions
from index.mixed_language_tokenizer import MixedLanguageTokenizer
from index.source_state import SourceProbe, SourceState
from index.store_config import StoreConfig
from index.vector_store import VectorStore, open_store, same_place, writer_for
from ingest.document import Chunk, Document
from ingest.errors import IngestError

logger = logging.getLogger(__name__)

Sources = str | Path | Iterable[str | Path]


class Pipeline(Protocol):
    """What the index needs from ``ingest.pipeline.IngestPipeline``."""

    def run_many(self, paths: Iterable[Path], *, progress: bool = False) -> tuple[list[Any], list[IngestError]]:
        ...  # -> ([IngestResult(document, chunks)], [IngestError]); never raises for one bad file

    def survey(self, folder: Path) -> tuple[list[Path], list[IngestError]]: ...  # (files, skipped with reasons)

    def config(self) -> dict[str, Any]: ...


@dataclass
class BuildResult:
    """What a build or update did; ingest ``errors`` never stop it and are listed here."""

    index: LibraryIndex
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # could not be re-read: previous version kept
    not_read: list[str] = field(default_factory=list)  # unchanged, known from size+time or hash alone
    errors: list[IngestError] = field(default_factory=list)
    skipped: list[IngestError] = field(default_factory=list)  # not indexable by name or type, or a link out
    chunks_embedded: int = 0
    written: bool = True  # False: the index already matched the sources and was left as it was
    seconds: float = 0.0

    def summary(self) -> str:
        status = self.index.status()
        unchanged = f"unchanged {len(self.unchanged)}"
        if self.not_read:
            unchanged += f" ({len(self.not_read)} not read again)"
        parts = [
            f"{status['documents']} documents, {status['chunks']} chunks",
            f"added {len(self.added)}, changed {len(self.changed)}, {unchanged}, removed {len(self.removed)}",
            f"embedded {self.chunks_embedded} chunks in {self.seconds:.1f} s",
        ]
        if not self.written:
            parts.append("already up to date, nothing written")
        if self.kept:
            parts.append(f"kept the previous version of {', '.join(self.kept)}")
        if self.errors:
            parts.append(f"{len(self.errors)} file(s) failed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "changed": self.changed, "unchanged": self.unchanged,
            "removed": self.removed, "kept": self.kept, "not_read": self.not_read,
            "errors": [{"path": e.path, "reason": e.reason} for e in self.errors],
            "skipped": [{"path": e.path, "reason": e.reason} for e in self.skipped],
            "chunks_embedded": self.chunks_embedded, "written": self.written, "seconds": round(self.seconds, 3),
        }


def vector_id(chunk_id: str) -> int:
    """A stable non-negative int64 id for a chunk id, the same in every build."""
    return int.from_bytes(hashlib.sha256(chunk_id.encode("utf-8")).digest()[:8], "big") >> 1


def _signature(document: Document, chunks: Sequence[Chunk]) -> str:
    """Hash of everything stored for a document: equal signatures mean nothing to re-index."""
    payload = {
        "doc": [document.doc_id, document.title, document.source, document.sha256, document.text,
                [[p.number, p.start] for p in document.pages], document.metadata, list(document.warnings)],
        "chunks": [c.to_dict() for c in chunks],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class LibraryIndex:
    """A loaded, read-only snapshot of an index directory, plus the operations that write one.

    Open one with :meth:`open`; create or refresh one with :meth:`build` / :meth:`update` (they
    hold a :class:`BuildLock`, write into a staging folder and swap it in, so a crash or Ctrl-C
    leaves the previous index loadable). Chunks are addressed by *position* (their order in
    ``chunks``); the retrievers use :meth:`dense_search`, :meth:`dense_scores` and :meth:`bm25_scores`.
    """

    def __init__(self, path: Path, manifest: Manifest, store: ChunkStore, chunks: list[Chunk],
                 vector_ids: np.ndarray, vectors: VectorStore, tokenizer: MixedLanguageTokenizer,
                 evidence: EvidenceStore | None = None):
        self.path = path
        self.manifest = manifest
        self.chunks = chunks
        self._store = store
        self._vector_ids = vector_ids
        self._position_of = {int(v): i for i, v in enumerate(vector_ids)}
        self._vectors = vectors
        self._tokenizer = tokenizer
        self.evidence = evidence  # None for an index written without an evidence segmenter
        self._metadata: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------------------- reading
    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        *,
        embeddings: VectorEmbeddings | None = None,
        pipeline: Pipeline | None = None,
        tokenizer: MixedLanguageTokenizer | None = None,
        store: StoreConfig | None = None,
    ) -> LibraryIndex:
        """Load the index at ``index_dir``. With ``embeddings``/``pipeline`` given, check that the
        index was built with the same model and chunker (:class:`IndexMismatchError` otherwise);
        without them (e.g. for ``status``) no model is needed. The manifest says which vector
        store holds the snapshot; ``store`` only lends its Milvus token and search settings."""
        path = Path(index_dir)
        tokenizer = tokenizer or MixedLanguageTokenizer()
        if not (path / Manifest.FILENAME).is_file():
            previous = atomic_swap.previous_dir(path)
            if (previous / Manifest.FILENAME).is_file():
                path = previous  # a build crashed between its two renames: read the intact old one
            else:
                raise IndexNotFoundError(index_dir)
        try:
            manifest = Manifest.load(path)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorruptError(path, f"unreadable manifest ({exc})") from exc
        differences = manifest.differences(
            embedder=_embedder_config(embeddings) if embeddings is not None else None,
            chunker=pipeline.config() if pipeline is not None else None,
        )
        if differences:
            raise IndexMismatchError(index_dir, differences)
        rebuild = None
        if manifest.differences(tokenizer=tokenizer.config()) and not manifest.store:
            # Keyword statistics need no model: rebuild them in memory (0.5 s for 377 chunks)
            # rather than refuse to search; the next build or update stores them again.
            logger.warning("BM25 tokenizer changed since %s was built; re-tokenising its chunks", path)
            rebuild = lambda: [c.embedding_text() for c in chunks]  # noqa: E731
        try:
            chunk_store = ChunkStore(path / ChunkStore.FILENAME)
            chunks, vector_ids = chunk_store.chunks()
            vectors = open_store(path, manifest.store, "chunks", ids=vector_ids, tokenizer=tokenizer,
                                 rebuild_keywords=rebuild, config=store, readers_of=Path(index_dir))
            # Evidence units stay in the snapshot folder whatever the vector store: they are read
            # whole into memory and searched only within retrieved chunks.
            evidence = EvidenceStore.load(path) if EvidenceStore.exists(path) else None
        except (OSError, ValueError, RuntimeError, KeyError) as exc:  # RuntimeError: FAISS reading a bad file
            raise IndexCorruptError(path, str(exc)) from exc
        except Exception as exc:  # a Milvus server that cannot be reached or refuses
            if type(exc).__module__.startswith(("pymilvus", "grpc")):
                raise IndexCorruptError(path, f"{manifest.store.get('uri')}: {exc}") from exc
            raise
        if not (len(chunks) == len(vectors) == manifest.chunk_count):
            raise IndexCorruptError(
                path, f"{len(chunks)} chunks, {len(vectors)} vectors, manifest says {manifest.chunk_count}")
        if vectors.dimension != manifest.embedder.get("dimension"):
            raise IndexCorruptError(path, f"vectors have {vectors.dimension} dimensions, manifest says "
                                          f"{manifest.embedder.get('dimension')}")
        if evidence is not None and evidence.dimension != vectors.dimension:
            raise IndexCorruptError(path, f"evidence vectors have {evidence.dimension} dimensions, "
                                          f"chunk vectors {vectors.dimension}")
        return cls(path, manifest, chunk_store, chunks, vector_ids, vectors, tokenizer, evidence)

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def version(self) -> int:
        """This snapshot's number in its index folder (see ``Manifest.version``)."""
        return self.manifest.version

    def status(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "embedder": self.manifest.embedder.get("name"),
            "fingerprint": self.manifest.embedder.get("fingerprint"),
            "dimension": self.manifest.embedder.get("dimension"),
            "documents": len(self.manifest.documents),
            "chunks": len(self.chunks),
            "manifest_sha256": Manifest.file_sha256(self.path),
            "version": self.manifest.version,
            "built_at": self.manifest.built_at,
            "build_seconds": self.manifest.build_seconds,
            "chunker": self.manifest.chunker,
            "versions": self.manifest.versions,
            "store": {"kind": self._vectors.kind,
                      **{k: v for k, v in self.manifest.store.items() if k in ("uri", "alias", "snapshot")}},
        }

    def documents(self) -> list[DocumentInfo]:
        return self._store.documents()

    def document_text(self, doc_id: str) -> str:
        """The cleaned text that the chunks' ``start``/``end`` offsets refer to."""
        text = self._store.document_text(doc_id)
        if text is None:
            raise DocumentNotFoundError(doc_id, sorted(self.manifest.documents))
        return text

    def document_metadata(self, doc_id: str) -> dict[str, Any]:
        """The metadata recorded for ``doc_id`` (sidecar fields such as ``title_en``), or ``{}``."""
        if doc_id not in self._metadata:
            loaded = self._store.document(doc_id)
            self._metadata[doc_id] = dict(loaded[0].metadata) if loaded is not None else {}
        return self._metadata[doc_id]

    # ----------------------------------------------------------------------------- searching
    @property
    def dimension(self) -> int:
        return self._vectors.dimension

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        return np.array([self._position_of[int(i)] for i in ids], dtype=np.int64)

    def dense_search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ``(cosines, positions)`` for a unit query vector."""
        scores, ids = self._vectors.search(query_vector, min(k, max(len(self), 1)))
        return scores, self._positions(ids)

    def dense_scores(self, query_vector: np.ndarray, positions: Sequence[int]) -> np.ndarray:
        """Cosine of the query with the chunks at ``positions`` (for candidates found by BM25)."""
        return self.vectors(positions) @ np.asarray(query_vector, dtype=np.float32)

    def bm25_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ``(BM25 scores, positions)`` with a positive score, best first; equal scores
        in library order, whichever store returned them in which order."""
        scores, ids = self._vectors.keyword_search(query, min(k, max(len(self), 1)))
        positions = self._positions(ids)
        order = np.lexsort((positions, -scores))
        return scores[order], positions[order]

    def bm25_scores(self, query: str, positions: Sequence[int] | None = None) -> np.ndarray:
        """Raw BM25 score of the chunks at ``positions`` (default: every chunk), by position."""
        ids = self._vector_ids if positions is None else self._vector_ids[np.asarray(positions, dtype=np.int64)]
        return self._vectors.keyword_scores(query, ids)

    def vectors(self, positions: Sequence[int] | None = None) -> np.ndarray:
        ids = self._vector_ids if positions is None else self._vector_ids[np.asarray(positions, dtype=np.int64)]
        return self._vectors.vectors(ids)

    def close(self) -> None:
        self._store.close()
        self._vectors.close()

    # ------------------------------------------------------------------------------- writing
    @classmethod
    def build(cls, index_dir: str | Path, sources: Sources, *, embeddings: VectorEmbeddings,
              pipeline: Pipeline, cache: EmbeddingCache | None = None, progress: bool = True,
              lock_timeout: float = 0.0, store: StoreConfig | None = None) -> BuildResult:
        """Index every document of ``sources`` (folders and/or files) from scratch.

        Vectors come from ``cache`` when the same embedder embedded the same text before. A file
        that fails to load is reported in the result; if the previous index (same embedder and
        chunker) had it, its previous version is kept rather than lost.
        """
        return cls._write(index_dir, sources, embeddings=embeddings, pipeline=pipeline, cache=cache,
                          progress=progress, lock_timeout=lock_timeout, incremental=False, store=store)

    @classmethod
    def update(cls, index_dir: str | Path, sources: Sources, *, embeddings: VectorEmbeddings,
               pipeline: Pipeline, cache: EmbeddingCache | None = None, progress: bool = True,
               lock_timeout: float = 0.0, store: StoreConfig | None = None,
               ingested: Mapping[str | Path, Any] | None = None) -> BuildResult:
        """Bring the index in line with ``sources``: embed only added or changed documents,
        drop documents whose files are gone. The result equals a full :meth:`build` (same chunk
        ids, vectors and search results). Builds from scratch if there is no index yet; raises
        :class:`IndexMismatchError` if the index was built with another embedder or chunker.

        A file whose size and modification time (or, failing that, content hash) are those
        recorded in the manifest is not read again; when nothing changed nothing is written.
        When ``store`` names another place than the current snapshot's, the unchanged documents'
        vectors move there without being embedded again.

        ``ingested`` maps files among the sources that the caller has just read with the same
        ``pipeline`` (an upload checked before it was copied in) to their ``IngestResult``: they
        are not read again."""
        return cls._write(index_dir, sources, embeddings=embeddings, pipeline=pipeline, cache=cache,
                          progress=progress, lock_timeout=lock_timeout, incremental=True, store=store,
                          ingested=ingested)

    def remove(self, doc_id: str, *, lock_timeout: float = 0.0, store: StoreConfig | None = None) -> LibraryIndex:
        """Write a new snapshot without one document (atomically, like a build) and return it.

        This snapshot is left as it was (requests reading it go on undisturbed). The next
        ``update`` re-adds the document if its file is still among the sources."""
        if doc_id not in self.manifest.documents:
            raise DocumentNotFoundError(doc_id, sorted(self.manifest.documents))
        started = time.perf_counter()
        index_dir = self.path
        with BuildLock(index_dir, timeout=lock_timeout):
            current = LibraryIndex.open(index_dir, tokenizer=self._tokenizer, store=store)  # latest on disk
            if doc_id not in current.manifest.documents:
                raise DocumentNotFoundError(doc_id, sorted(current.manifest.documents))
            kept = [s for s in current._stored_documents() if s.document.doc_id != doc_id]
            versions = library_versions()
            trusted = current.manifest.sources_trusted(versions)
            entries = {d: e if trusted else replace(e, source=None)
                       for d, e in current.manifest.documents.items() if d != doc_id}
            manifest = Manifest(embedder=current.manifest.embedder, chunker=current.manifest.chunker,
                                tokenizer=current.manifest.tokenizer, documents=entries, versions=versions,
                                built_at=_now(), build_seconds=round(time.perf_counter() - started, 3))
            evidence = current.evidence.without_document(doc_id) if current.evidence is not None else None
            _write_snapshot(index_dir, kept, manifest, current.manifest.embedder["dimension"],
                            tokenizer=self._tokenizer, store=current.store_config(store), progress=False,
                            evidence=evidence)
            if current is not self:
                current.close()
            return LibraryIndex.open(index_dir, tokenizer=self._tokenizer, store=store)

    @classmethod
    def copy(cls, index_dir: str | Path, *, to: StoreConfig, dest: str | Path | None = None,
             lock_timeout: float = 0.0, store: StoreConfig | None = None) -> LibraryIndex:
        """Write the index at ``index_dir`` into the store ``to`` without embedding anything:
        the stored vectors, chunks and manifest move as they are. ``dest`` is the index folder of
        the copy (default: ``index_dir`` itself, which then reads from the new store); ``store``:
        the settings the source is read with (its Milvus token; default ``to``'s). Use
        ``index.library.Library.copy`` for a library's own index: it adopts the new snapshot."""
        started = time.perf_counter()
        target = Path(dest if dest is not None else index_dir)
        with BuildLock(target, timeout=lock_timeout):
            source = cls.open(index_dir, store=store or to)
            in_place = target.resolve() in (Path(index_dir).resolve(), source.path.resolve())
            if in_place and same_place(source.manifest.store, to):
                return source  # already there
            if not in_place and to.store == "milvus" and same_place(source.manifest.store, to):
                # One alias, two folders: publishing the copy would take the alias from the source.
                source.close()
                raise StoreConflictError(target, index_dir, to.milvus_uri, to.milvus_collection)
            documents = source._stored_documents()
            manifest = replace(source.manifest, store={}, built_at=_now(),
                               build_seconds=round(time.perf_counter() - started, 3))
            tokenizer, evidence = source._tokenizer, source.evidence  # evidence: read into memory
            source.close()
            _write_snapshot(target, documents, manifest, manifest.embedder["dimension"], tokenizer=tokenizer,
                            store=to, progress=False, evidence=evidence)
            return cls.open(target, tokenizer=tokenizer, store=to)

    def store_config(self, base: StoreConfig | None = None) -> StoreConfig:
        """Settings that write where this snapshot lives (``base``'s own, if it already does)."""
        base = base or StoreConfig()
        record = self.manifest.store
        if same_place(record, base):
            return base
        if record.get("kind") == "milvus":
            return StoreConfig(**{**base.model_dump(), "store": "milvus", "milvus_uri": record["uri"],
                                  "milvus_collection": record["alias"]})
        return StoreConfig(**{**base.model_dump(), "store": "faiss"})

    def _stored_documents(self) -> list[StoredDocument]:
        """Every document with its chunks and vectors, as read back from this snapshot."""
        by_doc: dict[str, list[int]] = {}
        for position, chunk in enumerate(self.chunks):
            by_doc.setdefault(chunk.doc_id, []).append(position)
        out = []
        for doc_id in sorted(self.manifest.documents):
            loaded = self._store.document(doc_id)
            if loaded is None:
                raise IndexCorruptError(self.path, f"document {doc_id} is in the manifest but not stored")
            document, indexed_at = loaded
            positions = by_doc.get(doc_id, [])
            out.append(StoredDocument(
                document=document, chunks=[self.chunks[p] for p in positions],
                vector_ids=self._vector_ids[positions] if positions else np.zeros(0, dtype=np.int64),
                indexed_at=indexed_at,
                vectors=self.vectors(positions) if positions else np.zeros((0, self.dimension), np.float32),
            ))
        return out

    @classmethod
    def _write(cls, index_dir: str | Path, sources: Sources, *, embeddings: VectorEmbeddings,
               pipeline: Pipeline, cache: EmbeddingCache | None, progress: bool, lock_timeout: float,
               incremental: bool, store: StoreConfig | None,
               ingested: Mapping[str | Path, Any] | None = None) -> BuildResult:
        if not isinstance(embeddings, VectorEmbeddings):
            raise TypeError("embeddings must be a VectorEmbeddings (it needs name, fingerprint and dimension)")
        started = time.perf_counter()
        index_dir = Path(index_dir)
        store = store or StoreConfig()
        tokenizer = MixedLanguageTokenizer()
        paths, skipped = _source_paths(sources, pipeline)
        with BuildLock(index_dir, timeout=lock_timeout):
            atomic_swap.recover(index_dir)
            atomic_swap.remove_stale_staging(index_dir)
            previous = _previous_index(index_dir, embeddings, pipeline, tokenizer, store, strict=incremental)
            recorded = previous.manifest.documents if previous else {}
            versions = library_versions()
            trusted = incremental and previous is not None and previous.manifest.sources_trusted(versions)
            sources, errors = _read_sources(paths, pipeline, recorded if trusted else {}, progress=progress,
                                            ingested=ingested or {})

            result = BuildResult(index=None, errors=errors, skipped=skipped)  # type: ignore[arg-type]
            entries: dict[str, DocumentEntry] = {}
            to_embed: list[StoredDocument] = []
            for source in sources:
                doc_id = source.doc_id
                before = recorded.get(doc_id)
                if source.ingested is None:  # same files as when indexed: not read again
                    assert before is not None
                    entries[doc_id] = replace(before, source=source.state)
                    result.unchanged.append(doc_id)
                    result.not_read.append(doc_id)
                    continue
                document, chunks = source.ingested.document, list(source.ingested.chunks)
                signature = _signature(document, chunks)
                if incremental and before is not None and before.signature == signature:
                    entries[doc_id] = replace(before, source=source.state)
                    result.unchanged.append(doc_id)
                    continue
                stored = StoredDocument(document=document, chunks=chunks,
                                        vector_ids=np.array([vector_id(c.chunk_id) for c in chunks], dtype=np.int64),
                                        indexed_at=_now())
                to_embed.append(stored)
                entries[doc_id] = DocumentEntry(sha256=document.sha256, chunks=len(chunks), indexed_at=stored.indexed_at,
                                                signature=signature, source=source.state)
                if before is None:
                    result.added.append(doc_id)
                elif before.signature == signature:  # full build: re-indexed all the same
                    result.unchanged.append(doc_id)
                else:
                    result.changed.append(doc_id)
            for error in errors:  # a previously indexed file that cannot be read now: keep it
                doc_id = Path(error.path).stem
                if doc_id in recorded and doc_id not in entries:
                    entries[doc_id] = recorded[doc_id]  # with its old source state: checked again next time
                    result.kept.append(doc_id)
            result.removed = sorted(set(recorded) - set(entries))

            manifest = Manifest(embedder=_embedder_config(embeddings), chunker=pipeline.config(),
                                tokenizer=tokenizer.config(), documents=entries, versions=versions, built_at=_now())
            if previous is not None and same_place(previous.manifest.store, store):
                manifest.store = previous.manifest.store  # compare contents, not where they live
            if incremental and previous is not None and manifest.same_contents(previous.manifest):
                result.index, result.written = previous, False
            else:
                texts = [c.embedding_text() for s in to_embed for c in s.chunks]
                vectors, result.chunks_embedded = encode_documents_cached(embeddings, texts, cache, progress=progress)
                offset = 0
                for stored in to_embed:
                    stored.vectors = vectors[offset : offset + len(stored.chunks)]
                    offset += len(stored.chunks)
                new = {s.document.doc_id: s for s in to_embed}
                old = {s.document.doc_id: s for s in previous._stored_documents()} if previous else {}
                documents = [new[d] if d in new else old[d] for d in sorted(entries)]
                evidence = _evidence(documents, pipeline, embeddings, cache, progress=progress,
                                     previous=previous.evidence if previous is not None else None)
                manifest.build_seconds = round(time.perf_counter() - started, 3)
                _write_snapshot(index_dir, documents, manifest, embeddings.dimension, tokenizer=tokenizer,
                                store=store, progress=progress, evidence=evidence)
                if previous is not None:
                    previous.close()
                result.index = cls.open(index_dir, embeddings=embeddings, pipeline=pipeline, tokenizer=tokenizer,
                                        store=store)
        result.seconds = time.perf_counter() - started
        return result


# ----------------------------------------------------------------------------------- helpers
def _embedder_config(embeddings: VectorEmbeddings) -> dict[str, Any]:
    return {**embeddings.config(), "dimension": embeddings.dimension}


def _absolute(path: Path) -> Path:
    """The path with its folder's real path (the file itself may be a link, reported as one)."""
    return path.parent.resolve() / path.name if path.name else path.resolve()


def _source_paths(sources: Sources, pipeline: Pipeline) -> tuple[list[Path], list[IngestError]]:
    """The files to index and the entries skipped with their reasons. Paths are absolute (with
    the folder's real path), so the same file is recorded alike from any working directory."""
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    paths: list[Path] = []
    skipped: list[IngestError] = []
    for item in items:
        path = _absolute(Path(item).expanduser())
        if path.is_dir():
            found, passed_over = pipeline.survey(path)
            paths.extend(found)
            skipped.extend(passed_over)
        elif path.is_file():
            paths.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    unique = {p.resolve(): p for p in paths}
    return [unique[k] for k in sorted(unique)], skipped


@dataclass
class _Source:
    """A source file of this run: read again (``ingested``) or known to be unchanged."""

    path: str
    doc_id: str
    state: SourceState | None  # what to record in the manifest (None: read it again next time)
    ingested: Any = None  # the IngestResult when the file was read


def _read_sources(paths: list[Path], pipeline: Pipeline, recorded: dict[str, DocumentEntry], *,
                  progress: bool, ingested: Mapping[str | Path, Any]) -> tuple[list[_Source], list[IngestError]]:
    """Run the pipeline on every file but those whose ``recorded`` state still holds (a bad file
    is reported, never fatal). Two files with the same doc id (``a.txt`` and ``a.pdf``) are an
    error for the second one in path order, whether it was read or not."""
    doc_of_path = {e.source.path: d for d, e in recorded.items() if e.source is not None}
    sources: list[_Source] = []
    probes: dict[str, SourceProbe | None] = {}
    to_read: list[Path] = []
    for path in paths:
        probe = SourceProbe.take(path)  # before reading: a file edited meanwhile is checked again
        doc_id = doc_of_path.get(str(path))
        state = probe.unchanged(recorded[doc_id].source) if probe is not None and doc_id is not None else None
        if state is not None:
            sources.append(_Source(str(path), doc_id, state))
        else:
            to_read.append(path)
            probes[str(path)] = probe
    already = {str(_absolute(Path(p))): result for p, result in ingested.items()}
    # Read from a copy elsewhere (a staged upload): the document's source is where it is now.
    read = [replace(already[str(p)], document=replace(already[str(p)].document, source=str(p)))
            for p in to_read if str(p) in already]
    to_read = [p for p in to_read if str(p) not in already]
    results, failed = pipeline.run_many(to_read, progress=progress) if to_read else ([], [])
    errors = list(failed)
    for result in [*read, *results]:
        document = result.document
        probe = probes.get(document.source)
        state = probe.state(sha256=document.sha256) if probe is not None else None
        sources.append(_Source(document.source, document.doc_id, state, result))
    order = {str(p): i for i, p in enumerate(paths)}
    sources.sort(key=lambda s: order.get(s.path, len(order)))
    unique, seen = [], {}
    for source in sources:
        if source.doc_id in seen:
            errors.append(IngestError(source.path, f"same document id {source.doc_id!r} as {seen[source.doc_id]}; "
                                                   "rename one"))
            continue
        seen[source.doc_id] = source.path
        unique.append(source)
    return unique, errors


def _previous_index(index_dir: Path, embeddings: VectorEmbeddings, pipeline: Pipeline,
                    tokenizer: MixedLanguageTokenizer, store: StoreConfig, *, strict: bool) -> LibraryIndex | None:
    """The current index if its vectors can be reused. ``strict`` (update): a mismatch is an
    error; otherwise (full build) an incompatible or damaged index is simply replaced."""
    try:
        return LibraryIndex.open(index_dir, embeddings=embeddings, pipeline=pipeline, tokenizer=tokenizer,
                                 store=store)
    except IndexNotFoundError:
        return None
    except (IndexMismatchError, IndexCorruptError):
        if strict:
            raise
        return None


def _evidence(documents: list[StoredDocument], pipeline: Pipeline, embeddings: VectorEmbeddings,
              cache: EmbeddingCache | None, *, progress: bool,
              previous: EvidenceStore | None = None) -> EvidenceStore | None:
    """The evidence units of every document and their vectors: those of the previous snapshot
    are kept, the rest come from the embedding cache or the embedder; ``None`` when the pipeline
    has no segmenter."""
    segmenter = getattr(pipeline, "segmenter", None)
    if segmenter is None:
        return None
    units = [u for s in documents for u in segmenter.segment(s.document, s.chunks)]
    known = ({u.embedding_text: previous.vectors[i] for i, u in enumerate(previous.units)}
             if previous is not None else {})
    missing = list(dict.fromkeys(u.embedding_text for u in units if u.embedding_text not in known))
    if missing:
        computed, _ = encode_documents_cached(embeddings, missing, cache, progress=progress, what="evidence units")
        known.update(zip(missing, computed.reshape(len(missing), embeddings.dimension)))
    vectors = np.stack([known[u.embedding_text] for u in units]) if units else np.zeros((0, embeddings.dimension))
    return EvidenceStore(units, vectors.astype(np.float32))


def _write_snapshot(index_dir: Path, documents: list[StoredDocument], manifest: Manifest, dimension: int,
                    *, tokenizer: MixedLanguageTokenizer, store: StoreConfig, progress: bool,
                    evidence: EvidenceStore | None = None) -> None:
    """Write a complete index into a staging folder (and, for Milvus, a new collection) and swap
    it in; on any failure (including Ctrl-C) the staging folder and the new collection are
    deleted and the current index is untouched. Evidence units are written into the folder
    whatever the store."""
    staged = atomic_swap.staging_dir(index_dir)
    writer = writer_for(store, tokenizer=tokenizer, index_dir=index_dir)
    swapped = False
    try:
        with tqdm(total=2, desc="Writing index", unit="part", disable=not progress) as bar:
            ids = (np.concatenate([s.vector_ids for s in documents]) if documents
                   else np.zeros(0, dtype=np.int64))
            vectors = (np.concatenate([s.vectors for s in documents]).astype(np.float32) if documents
                       else np.zeros((0, dimension), dtype=np.float32))
            manifest.store = writer.write(staged, "chunks", ids, vectors,
                                          [c.embedding_text() for s in documents for c in s.chunks])
            bar.update()
            ChunkStore.write(staged / ChunkStore.FILENAME, documents)
            if evidence is not None:
                evidence.save(staged)
            manifest.version = max(Manifest.current_version(index_dir),
                                   Manifest.current_version(atomic_swap.previous_dir(index_dir))) + 1
            manifest.save(staged)  # last: a folder without a manifest is never treated as an index
            bar.update()
        atomic_swap.swap_in(staged, index_dir)
        swapped = True
        writer.publish(manifest.store)
    finally:
        if not swapped:
            writer.discard(manifest.store)
        if staged.exists():
            shutil.rmtree(staged, ignore_errors=True)
