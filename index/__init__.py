"""Embed, store and search the library: embeddings, the on-disk index and the hybrid retriever.

Public names are imported lazily, so ``from index.search_result import SearchResult`` does not
pull in FAISS, torch or jieba.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SentenceTransformerEmbeddings": "index.embeddings",
    "USEEmbeddings": "index.embeddings",
    "VectorEmbeddings": "index.embeddings",
    "EmbeddingCache": "index.embedding_cache",
    "LibraryIndex": "index.library_index",
    "BuildResult": "index.library_index",
    "DocumentInfo": "index.chunk_store",
    "HybridRetriever": "index.hybrid_retriever",
    "SearchResult": "index.search_result",
    "IndexNotFoundError": "index.errors",
    "IndexMismatchError": "index.errors",
    "IndexLockedError": "index.errors",
    "IndexCorruptError": "index.errors",
    "DocumentNotFoundError": "index.errors",
    "LibraryIndexError": "index.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
