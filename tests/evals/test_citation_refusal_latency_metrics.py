from __future__ import annotations

import pytest

from evals.metrics.citations import citation_precision, citation_recall, has_citation
from evals.metrics.latency import latency_percentiles, percentile
from evals.metrics.refusals import false_refusal_rate, refusal_rate
from evals.metrics.retrieval import Evidence, Passage

Q1 = "金融机构要加大对绿色低碳产业的信贷支持力度并创新金融产品"
Q2 = "数字经济核心产业增加值占国内生产总值比重达到百分之十"
EVIDENCE = [Evidence("a", Q1), Evidence("b", Q2)]


def test_citation_precision_and_recall() -> None:
    good, other = Passage("a", "……" + Q1 + "。"), Passage("a", "这一段与问题没有任何关系，只是凑数的文字内容")
    assert citation_precision([good, other], EVIDENCE) == 0.5
    assert citation_recall([good, other], EVIDENCE) == 0.5
    assert citation_recall([good, Passage("b", Q2)], EVIDENCE) == 1.0
    assert citation_precision([], EVIDENCE) is None
    assert citation_recall([], EVIDENCE) == 0.0
    assert has_citation([]) == 0.0 and has_citation([good]) == 1.0


def test_citation_recall_needs_evidence() -> None:
    with pytest.raises(ValueError):
        citation_recall([], [])


def test_refusal_rates() -> None:
    assert refusal_rate([True, False, True, True]) == 0.75
    assert false_refusal_rate([True, False, True], [True, True, False]) == 0.5
    with pytest.raises(ValueError, match="answerable"):
        false_refusal_rate([True], [False])
    with pytest.raises(ValueError, match="2 refusal flags for 1"):
        false_refusal_rate([True, False], [True])


def test_latency_percentiles_per_stage_in_pipeline_order() -> None:
    timings = [{"retrieve": 0.1 * i, "total": float(i), "check": 0.01} for i in range(1, 101)]
    timings.append({"total": 200.0})
    table = latency_percentiles(timings)
    assert list(table) == ["retrieve", "total", "check"]
    assert table["retrieve"]["n"] == 100
    assert table["retrieve"]["p50"] == pytest.approx(5.05)
    assert table["total"]["p95"] > table["total"]["p50"]
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([], 50)
