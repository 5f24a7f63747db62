"""Evidence selection's structure rules that need no model (selection over the real index is
tested in test_assistant_end_to_end.py)."""

from __future__ import annotations

from assistant.stages.evidence_selector import EvidenceSelector
from ingest.evidence_units import EvidenceUnit

# From data/reports/002 (the 2022 white paper): the second sentence needs the first's subject.
TEXT = "WTO 电子商务诸边谈判取得积极进展。截至 2022 年 9 月，谈判已扩员至 87 个。谈判文本取得重要突破。"


def unit(text: str, *, paragraph: int = 3) -> EvidenceUnit:
    start = TEXT.index(text)
    return EvidenceUnit(f"doc:{start}-{start + len(text)}", "doc", start, start + len(text), text, "sentence", "谈判", None, paragraph)


def test_a_context_sentence_and_the_unit_it_touches_become_one_span():
    first, second = unit("WTO 电子商务诸边谈判取得积极进展。"), unit("截至 2022 年 9 月，谈判已扩员至 87 个。")
    third = unit("谈判文本取得重要突破。", paragraph=4)
    joined = EvidenceSelector._join_touching([(first, 0.4, "context"), (second, 0.7, "answer"), (third, 0.5, "answer")])
    assert [(u.text, role) for u, _, role in joined] == [(first.text + second.text, "answer"), (third.text, "answer")]
    span, score, _ = joined[0]
    assert TEXT[span.start:span.end] == span.text and score == 0.7


def test_two_answer_units_that_touch_are_one_span():
    first, second = unit("WTO 电子商务诸边谈判取得积极进展。"), unit("截至 2022 年 9 月，谈判已扩员至 87 个。")
    joined = EvidenceSelector._join_touching([(first, 0.6, "answer"), (second, 0.7, "answer")])
    assert [(u.text, role) for u, _, role in joined] == [(first.text + second.text, "answer")]


def test_units_that_do_not_touch_or_are_list_items_stay_apart():
    first, third = unit("WTO 电子商务诸边谈判取得积极进展。"), unit("谈判文本取得重要突破。")
    assert len(EvidenceSelector._join_touching([(first, 0.4, "context"), (third, 0.7, "answer")])) == 2
    second = unit("截至 2022 年 9 月，谈判已扩员至 87 个。")
    assert len(EvidenceSelector._join_touching([(first, 0.6, "answer"), (second, 0.7, "item")])) == 2
    other_paragraph = unit("截至 2022 年 9 月，谈判已扩员至 87 个。", paragraph=4)
    assert len(EvidenceSelector._join_touching([(first, 0.4, "context"), (other_paragraph, 0.7, "answer")])) == 2


def test_a_clause_ending_in_a_semicolon_brings_the_clauses_up_to_its_full_stop():
    from pathlib import Path

    import numpy as np

    from index.evidence_store import EvidenceStore
    from ingest.pipeline import IngestPipeline

    pipeline = IngestPipeline()
    path = next((Path(__file__).resolve().parents[2] / "data" / "reports").glob("002_*.txt"))
    result = pipeline.run(path)
    units = pipeline.segmenter.segment(result.document, result.chunks)
    store = EvidenceStore(units, np.zeros((len(units), 4), dtype=np.float32))
    selector = EvidenceSelector(_NoEmbeddings(), lambda: store)
    pillars = next(u for u in units if "提出四个主要支柱" in u.text)
    assert pillars.text.rstrip().endswith("；")
    following = selector._after(pillars)
    assert following and following[-1].text.rstrip().endswith("。")
    text = "".join(u.text for u in following)
    assert "供应链" in text  # the second pillar, in the next clause


class _NoEmbeddings:
    def encode_query(self, text):
        raise AssertionError("not used")

    encode_documents = encode_query
