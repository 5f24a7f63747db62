"""Small objects implementing the contracts the UI relies on, for handler tests.

``ScriptedAssistant`` streams what a real generative assistant streams (preview Answer, str
tokens, final Answer) with citations whose offsets point into ``FakeLibrary``'s texts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


from assistant.answer import Answer, Citation
from hash_embeddings import HashEmbeddings as SharedHashEmbeddings
from index.chunk_store import DocumentInfo
from index.search_result import SearchResult
from ingest.document import Chunk
from ui.upload_policy import UploadPolicy

EVIL_TEXT = (
    "第一章 总则\n数字经济规模持续扩大。"
    "<script>alert(1)</script>报告指出，2023年数字经济规模达到53.9万亿元。"
    "![x](http://evil/x.png) 这是一张图片链接。\n第二章 展望\n未来将继续推进数字基础设施建设。"
)
PLAIN_TEXT = "Green bonds financed renewable energy projects in 2022. The carbon market covers power first."


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


@dataclass
class FakeLibrary:
    """Documents in memory; enough for PassageLookup and the library view."""

    texts: dict[str, str] = field(default_factory=lambda: {"evil": EVIL_TEXT, "green": PLAIN_TEXT})
    titles: dict[str, str] = field(default_factory=lambda: {"evil": "数字经济<b>报告</b>", "green": "Green Finance"})
    policy: UploadPolicy = field(default_factory=lambda: UploadPolicy(max_bytes=2**20))
    reads: int = 0
    version: int = 1  # a real library's version grows with every change

    def document_text(self, doc_id: str) -> str:
        self.reads += 1
        if doc_id not in self.texts:
            raise KeyError(doc_id)
        return self.texts[doc_id]

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(doc_id=d, title=self.titles[d], source=f"/lib/{d}.txt", sha256="0" * 64,
                         chunks=3, indexed_at="2024-05-01T10:00:00+00:00")
            for d in self.texts
        ]

    def subscribe(self, listener) -> None:  # this library never changes
        pass

    def status(self) -> dict:
        return {"embedder": "fake", "documents": len(self.texts), "chunks": 6,
                "manifest_sha256": "ab" * 32, "built_at": "2024-05-01T10:00:00+00:00"}


def citation(n: int, doc_id: str, needle: str, library: FakeLibrary | None = None) -> Citation:
    library = library or FakeLibrary()
    text = library.texts[doc_id]
    start, end = span(text, needle)
    return Citation(n=n, doc_id=doc_id, doc_title=library.titles[doc_id], section="第一章 总则", page=3,
                    text=needle, start=start, end=end)


def result(doc_id: str, text: str, rank: int = 1) -> SearchResult:
    chunk = Chunk(chunk_id=f"{doc_id}-{rank}", doc_id=doc_id, doc_title=doc_id.title(), section="",
                  text=text, start=0, end=len(text))
    return SearchResult(chunk=chunk, score=0.5, rank=rank, scores={"dense": 0.5})


def answer(question: str, text: str, citations: list[Citation], *, final: bool = True, refused: bool = False,
           passages: list[SearchResult] | None = None, backend: str = "local") -> Answer:
    return Answer(question=question, language="zh", standalone_question=question, answer=text,
                  refused=refused, citations=citations, passages=passages or [],
                  timings={"retrieve": 0.21, "generate": 12.34, "total": 12.6} if final else {"total": 0.3},
                  backend=backend if final else "extractive", final=final)


class ScriptedAssistant:
    """Streams ``script`` (a list of Answer / str items) and records every call."""

    def __init__(self, script: list):
        self.script = script
        self.calls: list[tuple[str, list]] = []
        self.closed = False

    def preview(self, question: str, history=()):
        """The script's first item (the preview, or the extractive back-end's final answer)."""
        self.calls.append((question, list(history)))
        return self.script[0]

    def stream(self, question: str, history=(), *, preview=None) -> Iterator:
        if preview is None:
            self.calls.append((question, list(history)))
        try:
            yield from self.script[1:] if preview is not None else self.script
        except GeneratorExit:
            self.closed = True
            raise


def generative_script(question: str = "数字经济规模有多大？") -> list:
    cites = [citation(1, "evil", "2023年数字经济规模达到53.9万亿元"), citation(2, "green", "Green bonds")]
    preview = answer(question, "摘录：2023年数字经济规模达到53.9万亿元 [1]。", cites[:1], final=False)
    final = answer(question, "数字经济规模达到53.9万亿元[1]，绿色债券也有提及[2]。", cites)
    return [preview, "数字经济", "规模达到", "53.9万亿元[1]", final]


class HashEmbeddings(SharedHashEmbeddings):
    """The shared hash embedder under the UI tests' own name and size."""

    def __init__(self, dimension: int = 32):
        super().__init__(dimension=dimension, name="hash-ui-test", fingerprint="e" * 64)
