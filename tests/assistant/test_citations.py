from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.citations import CitationChecker, normalize_citations, parse_citations, split_claims
from assistant.passage import Passage
from assistant_test_doubles import DOC_TEXT, LIBRARY, make_result


def passages() -> list[Passage]:
    return [Passage.whole(n, make_result(c, rank=n)) for n, c in enumerate(LIBRARY, start=1)]


def test_parse_markers_of_every_form():
    text = "甲[1]。乙[1,2]。丙【3】丁[2][3]。戊［4］己[1-3]。庚[1，2]"
    assert [m.numbers for m in parse_citations(text)] == [
        (1,), (1, 2), (3,), (2,), (3,), (4,), (1, 2, 3), (1, 2),
    ]


def test_normalize_drops_numbers_of_passages_not_given():
    assert normalize_citations("甲【1】乙[2,7]丙[9]。", {1, 2}) == "甲[1]乙[2]丙。"


def test_markers_after_the_full_stop_belong_to_the_previous_sentence():
    claims = split_claims("中国与7国共同发起倡议。[1] 日本设立数字厅。[3]")
    assert [(c.text, c.cited) for c in claims] == [("中国与7国共同发起倡议。", (1,)), ("日本设立数字厅。", (3,))]


def test_supported_chinese_claim_gets_its_exact_span():
    check = CitationChecker().check("中国与埃及、沙特等7国共同发起了数字经济国际合作倡议[1]。", passages())
    assert check.unsupported == []
    [citation] = check.citations
    assert citation.supported and citation.n == 1 and citation.doc_id == "doc-a"
    # The span is the best-matching sentence, located inside the cleaned document.
    assert DOC_TEXT[citation.start : citation.end] == citation.text
    assert citation.text.startswith("2017年的第四届世界互联网大会上")


def test_claim_citing_the_wrong_passage_is_re_cited_to_the_supporting_one():
    answer = "日本于2021年设立数字厅[1]。截至2022年底中国已与29个国家签署电子商务合作备忘录[2]。"
    check = CitationChecker().check(answer, passages())
    assert check.unsupported == []
    assert check.answer.startswith("日本于2021年设立数字厅[3]。")
    assert [(c.n, c.supported) for c in check.citations] == [(3, True), (2, True)]


def test_claim_no_passage_supports_is_flagged():
    check = CitationChecker().check("巴西建成了全国量子通信骨干网络[1]。", passages())
    assert check.unsupported == ["巴西建成了全国量子通信骨干网络。"]
    assert [(c.n, c.supported) for c in check.citations] == [(1, False)]


def test_invalid_markers_are_removed_from_the_answer():
    check = CitationChecker().check("日本于2021年设立数字厅[3][8]。", passages())
    assert check.answer == "日本于2021年设立数字厅[3]。"
    assert [c.n for c in check.citations] == [3]


def test_uncited_made_up_claim_is_unsupported():
    check = CitationChecker().check("巴西在2019年建成了全国量子通信骨干网络。日本于2021年设立数字厅[3]。", passages())
    assert check.unsupported == ["巴西在2019年建成了全国量子通信骨干网络。"]


class TableEmbeddings(Embeddings):
    """Vectors looked up from a table: enough to drive the cross-lingual path deterministically."""

    def __init__(self, table: dict[str, list[float]], default: list[float]):
        self.table, self.default = table, default

    def embed_documents(self, texts):
        return [self.table.get(t, self.default) for t in texts]

    def embed_query(self, text):
        return self.table.get(text, self.default)


def test_english_claim_over_chinese_passage_uses_the_embedder():
    japan = "日本于2021年设立数字厅，负责推进行政数字化。"
    claim_ok = "Japan set up a Digital Agency in 2021."
    claim_bad = "Japan banned all cryptocurrencies."
    embeddings = TableEmbeddings({japan: [1, 0, 0], claim_ok: [0.9, 0.1, 0], claim_bad: [0, 0, 1]}, [0, 1, 0])
    checker = CitationChecker(embeddings=embeddings, min_cosine=0.5)
    check = checker.check(f"{claim_ok} [3] {claim_bad} [3]", passages())
    assert check.unsupported == [claim_bad]
    [citation] = check.citations
    assert citation.supported and citation.text == japan
    assert np.isclose(checker.support(claim_ok, passages()[2]).score, 0.9 / np.hypot(0.9, 0.1), atol=1e-5)


def test_english_claim_without_embedder_is_judged_by_its_numbers():
    checker = CitationChecker()
    assert checker.support("Korea plans to invest 58 trillion won.", passages()[2]).supported
    assert not checker.support("Korea plans to invest 99 trillion won.", passages()[2]).supported


class CountingEmbeddings(TableEmbeddings):
    def __init__(self):
        super().__init__({}, [1.0, 0.0, 0.0])
        self.batches: list[list[str]] = []

    def embed_documents(self, texts):
        self.batches.append(list(texts))
        return super().embed_documents(texts)


def test_cross_lingual_checks_embed_in_one_batch_and_reuse_vectors():
    embeddings = CountingEmbeddings()
    checker = CitationChecker(embeddings=embeddings)
    answer = "Japan set up a Digital Agency in 2021 [3]. Korea plans to invest 58 trillion won [3]."
    checker.check(answer, passages())
    checker.check(answer, passages())
    assert len(embeddings.batches) == 1
    assert set(embeddings.batches[0]) >= {"Japan set up a Digital Agency in 2021.", "日本于2021年设立数字厅，负责推进行政数字化。"}


def test_english_claim_with_a_number_missing_from_the_passage_is_unsupported_despite_similarity():
    japan = "日本于2021年设立数字厅，负责推进行政数字化。"
    embeddings = TableEmbeddings({}, [1.0, 0.0, 0.0])  # everything looks identical to the embedder
    checker = CitationChecker(embeddings=embeddings)
    assert checker.support("Japan set up a Digital Agency in 2021.", passages()[2]).supported
    assert not checker.support("Japan set up a Digital Agency in 2019.", passages()[2]).supported
    assert japan in {s.sentence.text for s in [checker.support("Japan set up a Digital Agency in 2021.", passages()[2])]}


def test_uncited_supported_claim_gets_the_supporting_passage_cited():
    check = CitationChecker().check("截至2022年底，中国已与29个国家签署双边电子商务合作备忘录。", passages())
    assert check.answer == "截至2022年底，中国已与29个国家签署双边电子商务合作备忘录[2]。"
    assert [(c.n, c.supported) for c in check.citations] == [(2, True)] and check.unsupported == []


def test_bare_english_figure_is_supported_by_its_numbers():
    class Unrelated:
        """An embedder that finds nothing similar: support must come from the figures."""

        def embed_documents(self, texts):
            return [[1.0, 0.0] if i == 0 else [0.0, 1.0] for i, _ in enumerate(texts)]

    checker = CitationChecker(embeddings=Unrelated())
    korea = Passage.whole(3, make_result(LIBRARY[2]))  # "...计划投资58万亿韩元。"
    assert checker.support("58 trillion won.", korea).supported
    assert not checker.support("85 trillion won.", korea).supported
    assert not checker.support("Korea will invest a large sum in 58 digital projects nationwide.", korea).supported
