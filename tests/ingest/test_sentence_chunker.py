"""Sentence-aware chunking: exact offsets, sizes, overlap, sections, stable ids."""

from __future__ import annotations

import re

import pytest

from ingest import IngestPipeline, SentenceChunker
from ingest.text_cleaner import TextCleaner
from ingest.document import Document
from ingest.sentence_splitter import split_sentences
from ingest.structure import Heading

SENTENCE_END = re.compile(r"[。！？；!?…][”’」』）)]*[⁰¹²³⁴⁵⁶⁷⁸⁹①-⑳]*$")


def _document(text: str, doc_id: str = "doc") -> Document:
    return Document(doc_id=doc_id, title="标题", text=text, source="x", sha256="0")


@pytest.fixture(scope="module")
def ingested(real_reports):
    pipeline = IngestPipeline()
    return {path.stem: pipeline.run(path) for path in real_reports}


def test_offsets_are_exact_for_every_chunk_of_the_real_reports(ingested):
    for result in ingested.values():
        text = result.document.text
        assert result.chunks
        for chunk in result.chunks:
            assert text[chunk.start : chunk.end] == chunk.text
            assert chunk.doc_id == result.document.doc_id
            assert chunk.doc_title == result.document.title


def test_chunks_respect_the_maximum_unless_one_sentence_is_longer(ingested):
    for result in ingested.values():
        for chunk in result.chunks:
            assert len(chunk.text) <= 350, chunk.chunk_id


def test_chunks_start_and_end_on_sentence_boundaries(ingested):
    for result in ingested.values():
        text = result.document.text
        boundaries = {span for span in split_sentences(text)}
        starts = {s for s, _ in boundaries}
        ends = {e for _, e in boundaries}
        clause_cuts = 0
        for chunk in result.chunks:
            if chunk.start not in starts or chunk.end not in ends:
                clause_cuts += 1  # allowed only inside a sentence longer than the maximum
            if chunk.start not in starts:
                sentence = next(s for s in boundaries if s[0] < chunk.start < s[1])
                assert sentence[1] - sentence[0] > 350, (chunk.chunk_id, chunk.text[:40])
            if chunk.end not in ends:
                sentence = next(s for s in boundaries if s[0] < chunk.end < s[1])
                assert sentence[1] - sentence[0] > 350, (chunk.chunk_id, chunk.text[-40:])
        assert clause_cuts <= len(result.chunks) // 10


def test_chunks_never_cross_a_heading(ingested):
    for result in ingested.values():
        for heading in result.headings:
            for chunk in result.chunks:
                assert not (chunk.start < heading.end and heading.start < chunk.end), (chunk.chunk_id, heading.text)


def test_section_paths_of_a_real_report(ingested):
    sections = {chunk.section for chunk in ingested["002_81ec321d228da543"].chunks}
    assert "三、重点数字议题规则持续酝酿 > （二）跨境数据流动讨论务实推进" in sections
    sections_003 = {chunk.section for chunk in ingested["003_12112d1d53d7aa15"].chunks}
    assert "一、“一带一路”数字经济合作的主要进展 > 1.顶层设计和政策协调加快推进" in sections_003


def test_consecutive_chunks_overlap_by_whole_sentences():
    text = "".join(f"第{i}句话说明一个事实，内容足够长以便测试。" for i in range(1, 30))
    chunker = SentenceChunker(chunk_size=100, chunk_overlap=40)
    chunks = chunker.chunk(_document(text))
    assert len(chunks) > 3
    for previous, current in zip(chunks, chunks[1:]):
        overlap = previous.end - current.start
        assert 0 < overlap <= 40
        assert previous.text.endswith(text[current.start : previous.end])
        assert SENTENCE_END.search(text[current.start : previous.end])
    no_overlap = SentenceChunker(chunk_size=100, chunk_overlap=0).chunk(_document(text))
    assert all(a.end <= b.start for a, b in zip(no_overlap, no_overlap[1:]))


def test_over_long_sentence_is_cut_at_clauses():
    sentence = "，".join(f"第{i}个分句的内容" for i in range(40)) + "。"
    chunks = SentenceChunker(chunk_size=60, chunk_overlap=0).chunk(_document(sentence))
    assert len(chunks) > 1
    assert "".join(chunk.text for chunk in chunks) == sentence
    for chunk in chunks[:-1]:
        assert len(chunk.text) <= 60
        assert chunk.text.endswith("，")


def test_decimals_and_abbreviations_do_not_end_sentences():
    text = "GDP grew 3.5 percent in the U.S. last year. Trade rose… 数字经济增长了 3.5 倍！真的吗？是的。"
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans == ["GDP grew 3.5 percent in the U.S. last year.", "Trade rose…", "数字经济增长了 3.5 倍！", "真的吗？", "是的。"]


def test_a_new_heading_starts_a_new_chunk():
    text = "一、总论\n\n短的正文。\n\n二、分论\n\n另一段正文。"
    headings = [Heading(0, 4, 2, "一、总论"), Heading(text.index("二、"), text.index("二、") + 4, 2, "二、分论")]
    chunks = SentenceChunker().chunk(_document(text), headings)
    assert [(c.section, c.text) for c in chunks] == [("一、总论", "短的正文。"), ("二、分论", "另一段正文。")]


def test_tiny_trailing_fragment_is_rebalanced():
    text = "".join(f"第{i}句话说明一个事实，内容足够长。" for i in range(1, 8)) + "尾巴。"
    chunks = SentenceChunker(chunk_size=100, chunk_overlap=0, min_chunk_chars=30).chunk(_document(text))
    assert len(chunks[-1].text) >= 30
    assert all(len(c.text) <= 100 for c in chunks)
    assert chunks[-1].text.endswith("尾巴。")


def test_chunk_ids_are_stable(real_reports):
    first = IngestPipeline().run(real_reports[1]).chunks
    second = IngestPipeline().run(real_reports[1]).chunks
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert [c.to_dict() for c in first] == [c.to_dict() for c in second]
    assert first[0].chunk_id == f"{real_reports[1].stem}:0"
    assert len({c.chunk_id for c in first}) == len(first)


def test_settings_change_the_config():
    assert IngestPipeline().config() != IngestPipeline(chunk_size=500).config()
    assert IngestPipeline().config()["chunker"]["chunk_overlap"] == 80


@pytest.mark.parametrize(("component", "key"), [(SentenceChunker, "chunker"), (TextCleaner, "cleaner")])
def test_a_new_chunker_or_cleaner_version_changes_the_config(monkeypatch, component, key):
    # The index manifest stores config(): a changed version must force a rebuild.
    before = IngestPipeline().config()
    monkeypatch.setattr(component, "version", before[key]["version"] + "-next")
    assert IngestPipeline().config() != before


@pytest.mark.parametrize(("size", "overlap"), [(10, 0), (100, 100), (100, -1), (100.5, 10)])
def test_chunker_validates_its_arguments(size, overlap):
    with pytest.raises(ValueError):
        SentenceChunker(chunk_size=size, chunk_overlap=overlap)


def test_page_of_an_offset_among_many_pages():
    # Regression: a linear scan of the pages per chunk made chunking quadratic in the page count.
    from ingest.document import Document, Page

    document = Document("d", "t", "x" * 10_000, "s", "h", pages=[Page(n + 1, n * 10) for n in range(1000)])
    assert document.page_at(0) == 1
    assert document.page_at(9) == 1
    assert document.page_at(10) == 2
    assert document.page_at(9_999) == 1000
    assert Document("d", "t", "x", "s", "h", pages=[Page(3, 5)]).page_at(2) is None
