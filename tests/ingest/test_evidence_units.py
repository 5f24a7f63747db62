"""Evidence units of the real bundled reports: spans, kinds and list structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.evidence_units import ANSWER_KINDS, EvidenceSegmenter, EvidenceUnit
from ingest.pipeline import IngestPipeline

REPORTS = Path(__file__).resolve().parents[2] / "data" / "reports"


@pytest.fixture(scope="module")
def segmented() -> dict[str, tuple[str, list[EvidenceUnit]]]:
    pipeline = IngestPipeline()
    out = {}
    for path in sorted(REPORTS.glob("*.txt")):
        result = pipeline.run(path)
        out[path.stem] = (result.document.text, pipeline.segmenter.segment(result.document, result.chunks))
    return out


def find(units: list[EvidenceUnit], needle: str) -> EvidenceUnit:
    matches = [u for u in units if needle in u.text]
    assert matches, f"no unit contains {needle!r}"
    return matches[0]


def test_every_unit_is_an_exact_span_and_units_do_not_overlap(segmented):
    for text, units in segmented.values():
        assert units
        for unit in units:
            assert text[unit.start : unit.end] == unit.text and unit.text.strip() == unit.text
        ends = [(u.start, u.end) for u in sorted(units, key=lambda u: u.start)]
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(ends, ends[1:]))


def test_enumerated_items_point_at_the_sentence_that_introduces_them(segmented):
    _, units = segmented["003_12112d1d53d7aa15"]
    lead = find(units, "这种机会争夺包括三个层面")
    items = [u for u in units if u.lead == lead.unit_id]
    assert [u.text[:2] for u in items] == ["一是", "二是", "三是"]
    assert all(u.kind == "list_item" for u in items)


def test_numbered_sub_headings_are_the_items_of_their_parent_heading(segmented):
    _, units = segmented["003_12112d1d53d7aa15"]
    parent = find(units, "二、“一带一路”数字经济合作面临的挑战")
    assert parent.kind == "heading" and not parent.answerable
    items = [u for u in units if u.lead == parent.unit_id]
    assert len(items) == 6 and items[0].text.startswith("1.“数字鸿沟”挑战")


def test_ordinal_lists_first_second(segmented):
    _, units = segmented["004_aeb844f2ba35a293"]
    first = find(units, "第一，推动共建国家加强区域性数字政策协调")
    second = find(units, "第二，")
    assert first.kind == second.kind == "list_item" and first.lead == second.lead is not None


def test_a_new_first_item_starts_a_list_of_its_own(segmented):
    # The report's three 第一…第N lists (achievements, prospects, proposals) used to merge into one.
    _, units = segmented["004_aeb844f2ba35a293"]
    lead = find(units, "具体可以从以下五个方面着手")
    items = [u for u in units if u.lead == lead.unit_id]
    assert [u.text[:2] for u in items] == ["第一", "第二", "第三", "第四", "第五"]
    assert find(units, "第一，增强数字基建保障能力").lead == lead.unit_id
    assert find(units, "第一，推动共建国家加强区域性数字政策协调").lead != lead.unit_id


def test_lists_nested_in_a_list_of_headings_are_found(segmented):
    # "，一是…" opens a list inside the sentence that leads it, within a （一）（二） section.
    _, units = segmented["001_a71dc65f29895d41"]
    lead = find(units, "GATS 应对电子商务议题有较大局限性，一是")
    items = [u for u in units if u.lead == lead.unit_id]
    assert [u.text[:2] for u in items] == ["二是", "三是"]


def test_paragraphs_opening_in_parallel_are_a_list(segmented):
    _, units = segmented["000_be7b19c0fddba15e"]
    lead = find(units, "因此国际社会需要构建全方位的治理机制")
    items = [u for u in units if u.lead == lead.unit_id]
    assert [u.text for u in items] == ["政治层面，增强国家间互信。", "经济层面，制定国际数字贸易规则。",
                                       "法律层面，开展法律协调与增强透明度。", "技术层面，完善国际化标准体系。"]
    assert all(u.kind == "list_item" for u in items)


def test_a_parallel_run_may_open_with_a_long_phrase(segmented):
    # doc 003: "从数字基础设施来看，" "从信息化水平来看，" "从对数字前沿技术的利用来看，" (13 characters)
    _, units = segmented["003_12112d1d53d7aa15"]
    first = find(units, "从数字基础设施来看，")
    items = [u for u in units if u.lead is not None and u.lead == first.lead]
    assert [u.text[:4] for u in items] == ["从数字基", "从信息化", "从对数字"]


def test_captions_source_notes_and_contents_lines_are_never_answers(segmented):
    _, units = segmented["003_12112d1d53d7aa15"]
    assert find(units, "表1 我国数字服务贸易额规模及份额").kind == "caption"
    assert find(units, "数据来源：联合国UNCTAD").kind == "source_note"
    _, units = segmented["000_be7b19c0fddba15e"]
    toc = [u for u in units if u.kind == "toc"]
    assert toc and all(not u.answerable for u in toc)
    assert {"caption", "source_note", "toc", "heading"}.isdisjoint(ANSWER_KINDS)


def test_keyed_table_rows_are_rows_read_with_their_caption(segmented):
    _, units = segmented["000_be7b19c0fddba15e"]
    rows = [u for u in units if u.kind == "table_row"]
    assert len(rows) == 20 and rows[10].text == "排名 11，企业名称 阿里巴巴"
    assert {u.context for u in rows} == {"表 1:2019 年全球数字企业前 20 排名"}
    assert rows[10].embedding_text == "表 1:2019 年全球数字企业前 20 排名\n排名 11，企业名称 阿里巴巴"
    # prose with a comma between two spaced phrases is no table: its neighbours have other keys
    assert all(u.kind != "table_row" for doc in segmented.values() for u in doc[1] if "。" in u.text)


def test_cover_labels_are_joined_with_what_they_label(segmented):
    _, units = segmented["000_be7b19c0fddba15e"]
    publisher = find(units, "出品方 _")
    assert publisher.kind == "front_matter" and "上海赛博网络安全产业创新研究院" in publisher.text
    _, units = segmented["003_12112d1d53d7aa15"]
    assert find(units, "安晓明").kind == "front_matter"


def test_long_sentences_are_cut_at_clauses():
    from ingest.document import Document

    text = "，".join(["数字经济合作不断深化并取得显著成效"] * 30) + "。"
    document = Document(doc_id="d", title="t", text=text, source="d.txt", sha256="0")
    units = EvidenceSegmenter(max_unit_chars=100).segment(document)
    assert len(units) > 1 and all(len(u.text) <= 100 for u in units)
    assert "".join(u.text for u in units).replace("，", "") == text.replace("，", "")


def test_config_round_trips_and_validates():
    segmenter = EvidenceSegmenter(max_unit_chars=120)
    assert segmenter.config()["max_unit_chars"] == 120
    with pytest.raises(ValueError, match="max_unit_chars"):
        EvidenceSegmenter(max_unit_chars=5)
    unit = EvidenceUnit("d:0-2", "d", 0, 2, "ab", "sentence")
    assert EvidenceUnit.from_dict(unit.to_dict()) == unit
