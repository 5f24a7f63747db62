"""Test doubles for the assistant tests: a small hand-made library, a lexical in-memory retriever
(standing in for HybridRetriever, same ``retrieve(query, *, k)`` contract) and a scripted chat
model that records the prompts it receives."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.similarity import lexical_overlap
from index.search_result import SearchResult
from ingest.document import Chunk

# A tiny "document" whose chunks keep the text[start:end] contract.
DOC_TEXT = (
    "第一章 数字丝绸之路\n"
    "2017年的第四届世界互联网大会上，中国与埃及、塞尔维亚、沙特、泰国、老挝、阿联酋、土耳其等7国共同发起"
    "《“一带一路”数字经济国际合作倡议》。该倡议提出了合作的主要原则、重点领域和实施机制。\n"
    "第二章 跨境电商\n"
    "截至2022年底，中国已与29个国家签署双边电子商务合作备忘录。\n丝路电商成为经贸合作的新渠道。"
    "各方在数字支付、物流和海关便利化方面加强合作。\n"
    "第三章 日本\n"
    "日本于2021年设立数字厅，负责推进行政数字化。韩国则发布了数字新政，计划投资58万亿韩元。\n"
)


def chunk_of(doc_text: str, needle_start: str, needle_end: str, *, n: int, section: str, doc_id: str = "doc-a") -> Chunk:
    start = doc_text.index(needle_start)
    end = doc_text.index(needle_end, start) + len(needle_end)
    return Chunk(
        chunk_id=f"{doc_id}-{n}", doc_id=doc_id, doc_title="数字经济合作报告", section=section,
        text=doc_text[start:end], start=start, end=end, page=n,
    )


LIBRARY = [
    chunk_of(DOC_TEXT, "2017年", "实施机制。", n=1, section="第一章 数字丝绸之路"),
    chunk_of(DOC_TEXT, "截至2022年底", "便利化方面加强合作。", n=2, section="第二章 跨境电商"),
    chunk_of(DOC_TEXT, "日本于2021年", "58万亿韩元。", n=3, section="第三章 日本"),
]


def make_result(chunk: Chunk, *, rank: int = 1, dense: float = 0.8) -> SearchResult:
    return SearchResult(chunk=chunk, score=dense, rank=rank, scores={"dense": dense})


class LexicalRetriever(BaseRetriever):
    """Ranks chunks by lexical overlap; reports that overlap (scaled) as the "dense" score so the
    refusal threshold can be exercised."""

    chunks: list[Chunk]
    queries: list[str] = Field(default_factory=list)

    def retrieve(self, query: str, *, k: int | None = None) -> list[SearchResult]:
        self.queries.append(query)
        scored = sorted(((lexical_overlap(query, c.text), c) for c in self.chunks), key=lambda x: -x[0])
        return [
            SearchResult(chunk=c, score=s, rank=r, scores={"dense": s})
            for r, (s, c) in enumerate(scored[: k or 4], start=1)
            if s > 0
        ]

    def _get_relevant_documents(self, query: str, *, run_manager: Any = None) -> list[LCDocument]:
        return [LCDocument(page_content=r.chunk.text) for r in self.retrieve(query)]


class ScriptedChatModel(BaseChatModel):
    """Replies with ``reply(messages)``, streamed in small pieces; records every prompt."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    reply: Callable[[list[BaseMessage]], str]
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    calls: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs):
        self.prompts.append(messages)
        self.calls.append(kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply(messages)))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        self.prompts.append(messages)
        self.calls.append(kwargs)
        text = self.reply(messages)
        pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
        for piece in pieces[: kwargs.get("max_tokens") or len(pieces)]:  # a budget cuts it, as a model's does
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


@contextmanager
def preview_running(foreground: Any) -> Iterator[None]:
    """A preview that runs in ``foreground`` (in another thread) until the block ends."""
    entered, release = threading.Event(), threading.Event()

    def preview() -> None:
        with foreground.running():
            entered.set()
            release.wait(120)

    holder = threading.Thread(target=preview)
    holder.start()
    assert entered.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join(10)
