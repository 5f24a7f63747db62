"""LangChain retrievers with a typed ``retrieve()`` that returns :class:`SearchResult`s."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from index.search_result import SearchResult

MAX_QUERY_CHARS = 2000  # a question, not a document: longer input is almost surely a mistake


class SearchRetriever(BaseRetriever, ABC):
    """Validates the query and ``k`` once for every retriever, then asks :meth:`_retrieve`.

    ``retrieve`` is the typed API for reportqa's own code; LangChain's ``invoke`` (and chains
    built on it) get the same results as ``Document``s whose metadata holds every field of
    :meth:`SearchResult.to_dict` except the text (which is ``page_content``).
    """

    k: int = Field(5, ge=1, le=100, description="results returned when retrieve() gets no k")

    def retrieve(self, query: str, *, k: int | None = None) -> list[SearchResult]:
        if not isinstance(query, str):
            raise TypeError(f"query must be a string, got {type(query).__name__}")
        query = query.strip()
        if not query:
            raise ValueError("query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise ValueError(f"query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}")
        k = self.k if k is None else k
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        results = self._retrieve(query, k)[:k]
        return [SearchResult(chunk=r.chunk, score=r.score, rank=i, scores=r.scores)
                for i, r in enumerate(results, start=1)]

    @abstractmethod
    def _retrieve(self, query: str, k: int) -> list[SearchResult]:
        """At most ``k`` results, best first (ranks are renumbered by :meth:`retrieve`)."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[LCDocument]:
        return [to_langchain_document(r) for r in self.retrieve(query, k=k)]


def to_langchain_document(result: SearchResult) -> LCDocument:
    metadata: dict[str, Any] = result.to_dict()
    text = metadata.pop("text")
    return LCDocument(id=result.chunk.chunk_id, page_content=text, metadata=metadata)
