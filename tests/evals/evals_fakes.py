"""Hand-made suites and a scripted assistant for the evals unit tests (no models)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.answer import Answer, Citation
from index.search_result import SearchResult
from ingest.document import Chunk

QUOTE_ZH = "金融机构要加大对绿色低碳产业的信贷支持力度并创新金融产品和服务"
QUOTE_EN_DOC = "数字经济核心产业增加值占国内生产总值比重达到百分之十左右的目标"
NOISE = "这是一段与任何问题都无关的填充文字，用来占据检索结果中的位置而已。"

SUITE_ITEMS = [
    {"id": "zh-001", "lang": "zh", "type": "fact", "question": "金融机构要加大对什么的信贷支持？",
     "answer": "金融机构要加大对绿色低碳产业的信贷支持。", "key_facts": ["绿色低碳产业"],
     "evidence": [{"doc": "green", "quote": QUOTE_ZH}]},
    {"id": "en-001", "lang": "en", "type": "fact", "question": "What share of GDP should the digital economy reach?",
     "answer": "About ten percent of GDP.", "key_facts": ["10%"],
     "evidence": [{"doc": "digital", "quote": QUOTE_EN_DOC}]},
    {"id": "en-002", "lang": "en", "type": "multi_doc", "question": "Compare green credit and the digital economy <goal>.",
     "answer": "Green credit grows; digital economy reaches 10%.", "key_facts": ["green", "10%"],
     "evidence": [{"doc": "green", "quote": QUOTE_ZH}, {"doc": "digital", "quote": QUOTE_EN_DOC}],
     "history": [{"q": "What is green credit?", "a": "Loans for green projects."}]},
    {"id": "zh-002", "lang": "zh", "type": "unanswerable", "question": "报告预测了2050年的房价吗？",
     "answer": "资料中没有相关信息。", "key_facts": [], "evidence": []},
]


def result(doc_id: str, text: str, rank: int, score: float = 0.5) -> SearchResult:
    chunk = Chunk(chunk_id=f"{doc_id}-{rank}", doc_id=doc_id, doc_title=doc_id, section="", text=text,
                  start=100 * rank, end=100 * rank + len(text))
    return SearchResult(chunk=chunk, score=score, rank=rank, scores={"dense": score})


class ScriptedAssistant:
    """Answers from a script keyed by question; records every call so tests can count them."""

    def __init__(self, script: Mapping[str, Mapping], *, fail_on: Sequence[str] = ()):
        self.script = script
        self.fail_on = set(fail_on)
        self.calls: list[tuple[str, list]] = []

    def ask(self, question: str, history: Sequence[Mapping[str, str]] = ()) -> Answer:
        self.calls.append((question, list(history)))
        if question in self.fail_on:
            raise RuntimeError(f"scripted failure for {question}")
        entry = self.script[question]
        passages = [result(doc, text, rank) for rank, (doc, text) in enumerate(entry["passages"], start=1)]
        citations = [
            Citation(n=n, doc_id=passages[n - 1].chunk.doc_id, doc_title="", section="", page=None,
                     text=passages[n - 1].chunk.text[:20], start=passages[n - 1].chunk.start,
                     end=passages[n - 1].chunk.start + 20)
            for n in entry.get("cite", [])
        ]
        return Answer(question=question, language="zh", standalone_question=question, answer=entry["answer"],
                      refused=entry.get("refused", False), citations=citations, passages=passages,
                      timings={"retrieve": 0.01, "generate": entry.get("generate", 0.2), "total": 0.3},
                      backend="scripted")


GOOD_SCRIPT = {
    SUITE_ITEMS[0]["question"]: {"answer": "应加大对绿色低碳产业的信贷支持[1]。",
                                 "passages": [("green", QUOTE_ZH), ("noise", NOISE)], "cite": [1]},
    SUITE_ITEMS[1]["question"]: {"answer": "About 10% of GDP <b>[1]</b>.",
                                 "passages": [("noise", NOISE), ("digital", QUOTE_EN_DOC)], "cite": [2]},
    SUITE_ITEMS[2]["question"]: {"answer": "Green credit expands; the digital economy aims at ten percent.",
                                 "passages": [("green", QUOTE_ZH), ("digital", QUOTE_EN_DOC)], "cite": [1, 2]},
    SUITE_ITEMS[3]["question"]: {"answer": "资料中没有相关信息。", "passages": [("noise", NOISE)], "refused": True},
}

BAD_SCRIPT = {
    SUITE_ITEMS[0]["question"]: {"answer": "不知道。", "passages": [("noise", NOISE)], "cite": [1]},
    SUITE_ITEMS[1]["question"]: GOOD_SCRIPT[SUITE_ITEMS[1]["question"]],
    SUITE_ITEMS[2]["question"]: {"answer": "No information.", "passages": [("noise", NOISE)], "refused": True},
    SUITE_ITEMS[3]["question"]: {"answer": "房价会上涨。", "passages": [("noise", NOISE)], "cite": [1]},
}
