from __future__ import annotations

import numpy as np
import pytest
from langchain_core.documents import Document as LCDocument

from index.hybrid_retriever import HybridRetriever
from index.library_index import LibraryIndex


@pytest.fixture
def index(tmp_path, library, embeddings, pipeline) -> LibraryIndex:
    return LibraryIndex.build(tmp_path / "index", library, embeddings=embeddings, pipeline=pipeline,
                              progress=False).index


def dense_ranking(index, embeddings, query):
    cosines = index.vectors() @ embeddings.encode_query(query)
    return [index.chunks[p].chunk_id for p in np.argsort(-cosines, kind="stable")]


def test_english_query_ranks_by_dense_alone_when_bm25_weight_en_is_zero(index, embeddings):
    retriever = HybridRetriever(index=index, embeddings=embeddings, k=4, bm25_weight_en=0.0)
    query = "national carbon market power sector"
    assert index.bm25_scores(query).max() > 0  # BM25 has an opinion, and it must be ignored
    results = retriever.retrieve(query)
    assert [r.chunk.chunk_id for r in results] == dense_ranking(index, embeddings, query)[:4]
    assert [r.rank for r in results] == [1, 2, 3, 4]
    for r in results:
        assert r.score == r.scores["fused"] == pytest.approx(1 / (60 + r.rank))


def test_chinese_query_adds_weighted_bm25_votes(index, embeddings):
    query = "丝路电商合作伙伴国"
    bm25 = index.bm25_scores(query)
    best_bm25 = int(np.argmax(bm25))
    dense_only = HybridRetriever(index=index, embeddings=embeddings, k=len(index), bm25_weight_zh=0.0)
    hybrid = HybridRetriever(index=index, embeddings=embeddings, k=len(index), bm25_weight_zh=2.0, rrf_k=10)
    dense_rank = {r.chunk.chunk_id: r.rank for r in dense_only.retrieve(query)}
    bm25_order = [index.chunks[p].chunk_id for p in np.argsort(-bm25, kind="stable") if bm25[p] > 0]
    for r in hybrid.retrieve(query):
        cid = r.chunk.chunk_id
        expected = 1 / (10 + dense_rank[cid])
        if cid in bm25_order:
            expected += 2.0 / (10 + bm25_order.index(cid) + 1)
        assert r.scores["fused"] == pytest.approx(expected)
        assert r.scores["bm25"] == pytest.approx(float(bm25[index.chunks.index(r.chunk)]))
    assert hybrid.retrieve(query, k=1)[0].chunk == index.chunks[best_bm25]


def test_dense_score_is_the_cosine_even_for_chunks_found_only_by_bm25(index, embeddings):
    query = "人工智能伦理规范"
    retriever = HybridRetriever(index=index, embeddings=embeddings, k=len(index), candidates=1)
    results = retriever.retrieve(query)
    assert len(results) >= 2  # one dense candidate plus BM25-only ones
    cosines = index.vectors() @ embeddings.encode_query(query)
    for r in results:
        assert r.scores["dense"] == pytest.approx(float(cosines[index.chunks.index(r.chunk)]), abs=1e-5)


def test_language_detector_decides_the_bm25_weight(index, embeddings):
    seen = []

    def detector(text):
        seen.append(text)
        return "en"

    retriever = HybridRetriever(index=index, embeddings=embeddings, k=3, detect_language=detector,
                                bm25_weight_zh=1.0, bm25_weight_en=0.0)
    results = retriever.retrieve("  丝路电商  ")
    assert seen == ["丝路电商"]
    assert all(r.score == pytest.approx(1 / (60 + r.rank)) for r in results)


def test_langchain_invoke_returns_documents_with_metadata(index, embeddings):
    retriever = HybridRetriever(index=index, embeddings=embeddings, k=2)
    docs = retriever.invoke("算力")
    assert len(docs) == 2 and all(isinstance(d, LCDocument) for d in docs)
    top = retriever.retrieve("算力")[0]
    assert docs[0].id == top.chunk.chunk_id
    assert docs[0].page_content == top.chunk.text
    assert docs[0].metadata["doc_id"] == top.chunk.doc_id
    assert set(docs[0].metadata) >= {"rank", "score", "doc_title", "section", "page", "start", "end", "scores"}
    assert len(retriever.invoke("算力", k=1)) == 1


@pytest.mark.parametrize(("query", "k", "message"), [("   ", None, "empty"), ("x" * 2001, None, "limit"),
                                                      ("ok", 0, "positive integer")])
def test_retrieve_validates_its_arguments(index, embeddings, query, k, message):
    retriever = HybridRetriever(index=index, embeddings=embeddings)
    with pytest.raises(ValueError, match=message):
        retriever.retrieve(query, k=k)


@pytest.mark.parametrize("options", [{"bm25_weight_en": -1}, {"candidates": 0}, {"dense_weight": 0}, {"k": 0}])
def test_options_are_validated_at_construction(index, embeddings, options):
    with pytest.raises(ValueError):
        HybridRetriever(index=index, embeddings=embeddings, **options)


def test_empty_index_returns_nothing(tmp_path, embeddings, pipeline):
    (tmp_path / "empty").mkdir()
    empty = LibraryIndex.build(tmp_path / "index", tmp_path / "empty", embeddings=embeddings,
                               pipeline=pipeline, progress=False).index
    assert HybridRetriever(index=empty, embeddings=embeddings).retrieve("anything") == []
