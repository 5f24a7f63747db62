"""Errors raised by the index: each message says what is wrong and what to run about it."""

from __future__ import annotations

from pathlib import Path

REBUILD_HINT = "run `reportqa index build` to rebuild the index"


class LibraryIndexError(Exception):
    """Base class of the index errors (not ``IndexError``, which is the builtin for sequences)."""


class IndexNotFoundError(LibraryIndexError):
    """There is no (complete) index at the given path."""

    def __init__(self, path: str | Path, detail: str = ""):
        reason = f" ({detail})" if detail else ""
        super().__init__(f"no index found at {path}{reason}; {REBUILD_HINT}")
        self.path = Path(path)


class IndexMismatchError(LibraryIndexError):
    """The index on disk was built with another embedder or chunker than the one asked for."""

    def __init__(self, path: str | Path, differences: list[str]):
        lines = "; ".join(differences)
        super().__init__(
            f"the index at {path} was built with different settings: {lines}. "
            f"Its vectors or chunks do not fit the current ones; {REBUILD_HINT}"
        )
        self.path = Path(path)
        self.differences = differences


class IndexCorruptError(LibraryIndexError):
    """The files of an index disagree with each other (e.g. vectors without chunks)."""

    def __init__(self, path: str | Path, detail: str):
        super().__init__(f"the index at {path} is damaged: {detail}; {REBUILD_HINT}")
        self.path = Path(path)


class IndexLockedError(LibraryIndexError):
    """Another process is building or updating the same index."""

    def __init__(self, path: str | Path, owner: str):
        super().__init__(
            f"another build is running ({owner}) on {path}; try again when it has finished"
        )  # no advice on flags: the web interface shows this message too
        self.path = Path(path)


class StoreConflictError(LibraryIndexError):
    """A write would publish under the Milvus alias another index folder is published under."""

    def __init__(self, target: str | Path, owner: str | Path, uri: str, alias: str):
        super().__init__(
            f"the index at {owner} is published in Milvus at {uri} under the alias {alias!r}; a copy into "
            f"{target} under the same alias would move that alias off its collection (and the next build of "
            "either folder would drop the other's collection). Nothing was written: copy under another "
            "alias (index.milvus_collection) or into another Milvus"
        )
        self.target, self.owner = Path(target), Path(owner)


class DocumentNotFoundError(LibraryIndexError, KeyError):
    """A document id that is not in the index."""

    def __init__(self, doc_id: str, known: list[str]):
        sample = ", ".join(known[:5]) + (", ..." if len(known) > 5 else "")
        super().__init__(f"no document {doc_id!r} in the index (documents: {sample or 'none'})")
        self.doc_id = doc_id

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
