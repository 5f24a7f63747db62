"""The index's contract, run against both vector stores: FAISS + bm25s, and Milvus Lite in a
temporary folder (the same code path as a Milvus server, but for the URI)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from index_test_doubles import HashEmbeddings

from index.chunk_store import ChunkStore
from index.errors import IndexMismatchError, StoreConflictError
from index.hybrid_retriever import HybridRetriever
from index.library_index import LibraryIndex
from index.store_config import StoreConfig

QUERIES = ["数字经济规模", "算力", "carbon market", "人工智能伦理", "跨境电商"]


@pytest.fixture(params=["faiss", "milvus"])
def store(request, tmp_path) -> StoreConfig:
    if request.param == "faiss":
        return StoreConfig()
    return StoreConfig(store="milvus", milvus_uri=str(tmp_path / "milvus" / "library.db"))


def build(index_dir, library, embeddings, pipeline, store, **kwargs):
    return LibraryIndex.build(index_dir, library, embeddings=embeddings, pipeline=pipeline, progress=False,
                              store=store, **kwargs)


def update(index_dir, library, embeddings, pipeline, store, **kwargs):
    return LibraryIndex.update(index_dir, library, embeddings=embeddings, pipeline=pipeline, progress=False,
                               store=store, **kwargs)


def ranking(index, embeddings, query, **options):
    retriever = HybridRetriever(index=index, embeddings=embeddings, k=10, detect_language=lambda q: "zh", **options)
    return [(r.chunk.chunk_id, round(r.scores["dense"], 5), round(r.scores["bm25"], 4))
            for r in retriever.retrieve(query)]


def evidence_of(index):
    """The snapshot's evidence units as (unit id, doc id, span) and their vectors."""
    assert index.evidence is not None and len(index.evidence) > 0
    return [(u.unit_id, u.doc_id, u.start, u.end) for u in index.evidence.units], index.evidence.vectors


def exact_dense(index, embeddings, query, k=10):
    cosines = index.vectors() @ embeddings.encode_query(query)
    order = np.argsort(-cosines, kind="stable")[:k]
    return [index.chunks[p].chunk_id for p in order]


def test_build_then_search_finds_the_exact_dense_neighbours(tmp_path, library, embeddings, pipeline, store):
    index = build(tmp_path / "index", library, embeddings, pipeline, store).index
    assert index.status()["store"]["kind"] == store.store
    assert index.status()["documents"] == 3 and len(index) == index.manifest.chunk_count
    for query in QUERIES:
        scores, positions = index.dense_search(embeddings.encode_query(query), 5)
        assert [index.chunks[p].chunk_id for p in positions] == exact_dense(index, embeddings, query, 5)
        np.testing.assert_allclose(scores, index.dense_scores(embeddings.encode_query(query), positions), atol=1e-5)


def test_keyword_search_matches_query_words(tmp_path, library, embeddings, pipeline, store):
    index = build(tmp_path / "index", library, embeddings, pipeline, store).index
    scores, positions = index.bm25_search("跨境电商", 5)
    assert len(positions) >= 1 and (scores > 0).all() and list(scores) == sorted(scores, reverse=True)
    assert "跨境电商" in index.chunks[positions[0]].text
    np.testing.assert_allclose(index.bm25_scores("跨境电商", positions), scores, rtol=1e-5)
    assert len(index.bm25_search("qqqzzz", 5)[1]) == 0  # no shared word: no result, not a weak one


def test_both_stores_give_the_same_keyword_scores(tmp_path, library, embeddings, pipeline):
    faiss = build(tmp_path / "faiss", library, embeddings, pipeline, StoreConfig()).index
    milvus = LibraryIndex.copy(tmp_path / "faiss", to=StoreConfig(store="milvus", milvus_uri=str(tmp_path / "m.db")),
                               dest=tmp_path / "milvus")
    for query in [*QUERIES, "5G+数字经济规模", "G20+机制", "数字经济 的 规模"]:
        expected, positions = faiss.bm25_search(query, 10)
        scores, found = milvus.bm25_search(query, 10)
        assert sorted(found.tolist()) == sorted(positions.tolist()), query
        np.testing.assert_allclose(milvus.bm25_scores(query, positions), expected, rtol=1e-4)  # same scale too


def test_hybrid_fusion_lifts_the_keyword_match(tmp_path, library, embeddings, pipeline, store):
    index = build(tmp_path / "index", library, embeddings, pipeline, store).index
    dense_only = ranking(index, embeddings, "丝路电商合作伙伴", bm25_weight_zh=0.0)
    fused = ranking(index, embeddings, "丝路电商合作伙伴", bm25_weight_zh=5.0)
    assert "丝路电商" in index.chunks[[c.chunk_id for c in index.chunks].index(fused[0][0])].text
    assert {r[0] for r in fused} == {r[0] for r in dense_only} | {r[0] for r in fused}
    assert all(r[2] >= 0 for r in fused) and fused[0][2] > 0


def test_update_and_remove_equal_a_fresh_build(tmp_path, library, embeddings, pipeline, store):
    index_dir = tmp_path / "index"
    build(index_dir, library, embeddings, pipeline, store)
    (library / "alpha.txt").write_text((library / "alpha.txt").read_text(encoding="utf-8") + "\n\n新增段落：数据要素市场。",
                                       encoding="utf-8")
    (library / "delta.txt").write_text("# 新能源\n\n新能源汽车产量增长。", encoding="utf-8")
    (library / "beta.txt").unlink()
    counting = HashEmbeddings()
    result = update(index_dir, library, counting, pipeline, store)
    assert result.changed == ["alpha"] and result.added == ["delta"] and result.removed == ["beta"]
    assert all("beta" not in t for t in counting.embedded)
    elsewhere = store.model_copy(update={"milvus_uri": str(tmp_path / "fresh.db")}) if store.store == "milvus" else store
    fresh = build(tmp_path / "fresh", library, embeddings, pipeline, elsewhere).index
    updated = result.index
    assert [c.chunk_id for c in updated.chunks] == [c.chunk_id for c in fresh.chunks]
    for query in QUERIES:
        assert ranking(updated, embeddings, query) == ranking(fresh, embeddings, query)
    assert evidence_of(updated)[0] == evidence_of(fresh)[0]
    np.testing.assert_allclose(evidence_of(updated)[1], evidence_of(fresh)[1], atol=1e-6)

    kept = ranking(updated, embeddings, "新能源汽车")
    removed = updated.remove("delta", store=store)
    assert ranking(updated, embeddings, "新能源汽车") == kept  # the old snapshot is untouched
    updated = removed
    reopened = LibraryIndex.open(index_dir, embeddings=embeddings, pipeline=pipeline, store=store)
    for index in (updated, reopened):
        assert [d.doc_id for d in index.documents()] == ["alpha", "gamma"]
        assert all(not r[0].startswith("delta") for r in ranking(index, embeddings, "新能源汽车"))
        assert {doc for _, doc, _, _ in evidence_of(index)[0]} == {"alpha", "gamma"}
    assert update(index_dir, library, embeddings, pipeline, store).added == ["delta"]


def test_mismatched_embedder_is_refused(tmp_path, library, embeddings, pipeline, store):
    build(tmp_path / "index", library, embeddings, pipeline, store)
    other = HashEmbeddings(name="other-model", fingerprint="e" * 64)
    with pytest.raises(IndexMismatchError, match="embedder name"):
        LibraryIndex.open(tmp_path / "index", embeddings=other, pipeline=pipeline, store=store)
    with pytest.raises(IndexMismatchError):
        update(tmp_path / "index", library, other, pipeline, store)


def test_crash_mid_build_keeps_the_old_index(tmp_path, library, embeddings, pipeline, store, monkeypatch):
    index_dir = tmp_path / "index"
    before = build(index_dir, library, embeddings, pipeline, store).index
    before_status, before_ranking = before.status(), ranking(before, embeddings, "算力")
    (library / "gamma.txt").write_text("# 人工智能\n\n完全不同的内容。", encoding="utf-8")

    def crash(*args, **kwargs):  # after the vectors were written, before the manifest
        raise KeyboardInterrupt

    monkeypatch.setattr(ChunkStore, "write", staticmethod(crash))
    with pytest.raises(KeyboardInterrupt):
        update(index_dir, library, embeddings, pipeline, store)
    monkeypatch.undo()
    after = LibraryIndex.open(index_dir, embeddings=embeddings, pipeline=pipeline, store=store)
    assert after.status()["manifest_sha256"] == before_status["manifest_sha256"]
    assert ranking(after, embeddings, "算力") == before_ranking
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.tmp")]
    if store.store == "milvus":
        from index.milvus_store import client_for, current_collection

        assert current_collection(store) == after.status()["store"]["alias"] + "_" + before_status["store"]["snapshot"]
        assert client_for(store.milvus_uri).list_collections() == [current_collection(store)]  # new one dropped


def test_milvus_keeps_every_collection_a_reader_still_holds(tmp_path, library, embeddings, pipeline):
    from index.milvus_store import client_for

    store = StoreConfig(store="milvus", milvus_uri=str(tmp_path / "library.db"))
    first = build(tmp_path / "index", library, embeddings, pipeline, store).index
    expected = ranking(first, embeddings, "算力")
    build(tmp_path / "index", library, embeddings, pipeline, store)
    build(tmp_path / "index", library, embeddings, pipeline, store)  # `first` is now two builds old
    assert ranking(first, embeddings, "算力") == expected  # still answers: its collection was kept
    collections = client_for(store.milvus_uri).list_collections
    assert f"reportqa_{first.status()['store']['snapshot']}" in collections()
    del first
    gc.collect()  # the last reader let go: the next build drops it, and the one no one held
    fourth = build(tmp_path / "index", library, embeddings, pipeline, store).index
    third = fourth.status()["store"]["snapshot"]
    assert len(collections()) == 2 and f"reportqa_{third}" in collections()


def test_copy_moves_an_index_between_stores_without_embedding(tmp_path, library, pipeline):
    counting = HashEmbeddings()
    source = build(tmp_path / "index", library, counting, pipeline, StoreConfig()).index
    embedded = len(counting.embedded)
    milvus = StoreConfig(store="milvus", milvus_uri=str(tmp_path / "copy.db"))
    copied = LibraryIndex.copy(tmp_path / "index", to=milvus, dest=tmp_path / "copied")
    assert len(counting.embedded) == embedded
    assert copied.status()["store"]["kind"] == "milvus"
    assert copied.manifest.documents == source.manifest.documents
    np.testing.assert_allclose(copied.vectors(), source.vectors(), atol=1e-6)
    assert evidence_of(copied)[0] == evidence_of(source)[0]  # evidence units travel in the folder
    np.testing.assert_array_equal(evidence_of(copied)[1], evidence_of(source)[1])
    for query in QUERIES:
        expected = ranking(source, counting, query, bm25_weight_zh=0.0)
        got = ranking(copied, counting, query, bm25_weight_zh=0.0)
        assert [r[0] for r in got] == [r[0] for r in expected]
        np.testing.assert_allclose([r[1] for r in got], [r[1] for r in expected], atol=1e-4)
    # In place: the configured folder now reads from Milvus, and an update there embeds nothing.
    LibraryIndex.copy(tmp_path / "index", to=milvus)
    assert evidence_of(LibraryIndex.open(tmp_path / "index", store=milvus))[0] == evidence_of(source)[0]
    result = update(tmp_path / "index", library, counting, pipeline, milvus)
    assert result.chunks_embedded == 0 and len(counting.embedded) == embedded  # (a racy mtime may rewrite it)
    assert result.index.status()["store"]["kind"] == "milvus"


def test_a_copy_into_another_folder_under_the_source_s_own_milvus_alias_is_refused(tmp_path, library, embeddings,
                                                                                     pipeline):
    # Regression: copying a Milvus index into another folder at the same URI and alias published
    # the copy under that alias, moving it off the source's live collection (and the next build
    # of either folder would have dropped the other's collection).
    from index.milvus_store import client_for, current_collection

    milvus = StoreConfig(store="milvus", milvus_uri=str(tmp_path / "library.db"))
    source = build(tmp_path / "index", library, embeddings, pipeline, milvus).index
    live, expected = current_collection(milvus), ranking(source, embeddings, "算力")
    collections = client_for(milvus.milvus_uri).list_collections
    assert collections() == [live]
    with pytest.raises(StoreConflictError, match=r"alias 'reportqa';.*alias \(index\.milvus_collection\)") as refused:
        LibraryIndex.copy(tmp_path / "index", to=milvus, dest=tmp_path / "copy", store=milvus)
    assert str(tmp_path / "index") in str(refused.value) and "Nothing was written" in str(refused.value)
    assert current_collection(milvus) == live and collections() == [live]  # nothing moved, nothing added
    assert not (tmp_path / "copy" / "manifest.json").exists()
    reopened = LibraryIndex.open(tmp_path / "index", embeddings=embeddings, pipeline=pipeline, store=milvus)
    assert ranking(reopened, embeddings, "算力") == expected
    # Under another alias of the same Milvus the copy goes ahead, and the source's alias stays.
    other = milvus.model_copy(update={"milvus_collection": "reportqa2"})
    copied = LibraryIndex.copy(tmp_path / "index", to=other, dest=tmp_path / "copy", store=milvus)
    assert ranking(copied, embeddings, "算力") == expected
    assert current_collection(milvus) == live and current_collection(other) == copied._vectors.collection
    assert ranking(LibraryIndex.open(tmp_path / "index", store=milvus), embeddings, "算力") == expected


def test_a_milvus_lite_file_is_the_same_place_by_any_path_to_it(tmp_path, monkeypatch):
    from index.vector_store import same_place

    monkeypatch.chdir(tmp_path)
    record = {"kind": "milvus", "uri": str(tmp_path / "lib.db"), "alias": "reportqa"}
    assert same_place(record, StoreConfig(store="milvus", milvus_uri="lib.db"))
    assert same_place(record, StoreConfig(store="milvus", milvus_uri="./sub/../lib.db"))
    assert not same_place(record, StoreConfig(store="milvus", milvus_uri="other.db"))
    assert not same_place(record, StoreConfig(store="milvus", milvus_uri="lib.db", milvus_collection="other"))
    server = {"kind": "milvus", "uri": "http://db.example:19530/", "alias": "reportqa"}
    assert same_place(server, StoreConfig(store="milvus", milvus_uri="http://db.example:19530"))
    assert not same_place(server, StoreConfig(store="milvus", milvus_uri="http://db2.example:19530"))


def test_store_settings_are_validated():
    with pytest.raises(ValueError, match="needs index.milvus_uri"):
        StoreConfig(store="milvus")
    with pytest.raises(ValueError, match="neither a Milvus Lite file"):
        StoreConfig(store="milvus", milvus_uri="/tmp/library.sqlite")
    assert StoreConfig.from_target("milvus://db.example:19530").milvus_uri == "http://db.example:19530"
    assert StoreConfig.from_target("milvus:///srv/reportqa/library.db").milvus_uri == "/srv/reportqa/library.db"
    assert StoreConfig.from_target("milvus+https://db.example:443").milvus_uri == "https://db.example:443"
    with pytest.raises(ValueError, match="copy target"):
        StoreConfig.from_target("postgres://x")
    config = StoreConfig(store="milvus", milvus_uri="http://h:19530", milvus_token="secret")
    assert StoreConfig.model_validate(config.model_dump()) == config and "secret" not in repr(config)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_large_libraries_get_an_approximate_index_that_still_finds_the_neighbours(tmp_path, library, embeddings,
                                                                                  pipeline, store, kind):
    approximate = store.model_copy(update={"approximate_above": 0, "approximate": kind})  # from the first chunk
    index = build(tmp_path / "index", library, embeddings, pipeline, approximate).index
    if store.store == "faiss":
        import faiss

        raw = faiss.read_index(str(tmp_path / "index" / "dense.faiss"))
        expected = faiss.IndexIVFFlat if kind == "ivf" else faiss.IndexHNSWFlat
        assert isinstance(faiss.downcast_index(raw.index), expected)
    else:
        from index.milvus_store import client_for

        described = client_for(store.milvus_uri).describe_index(index._vectors.collection, "dense")
        assert described["index_type"] == {"ivf": "IVF_FLAT", "hnsw": "HNSW"}[kind]
    reopened = LibraryIndex.open(tmp_path / "index", embeddings=embeddings, pipeline=pipeline, store=approximate)
    np.testing.assert_allclose(reopened.vectors(), index.vectors(), atol=1e-6)  # readable back by id
    for query in QUERIES:  # a few dozen vectors: every list probed / efSearch 128, so exact here
        positions = index.dense_search(embeddings.encode_query(query), 5)[1]
        assert [index.chunks[p].chunk_id for p in positions] == exact_dense(index, embeddings, query, 5)


@pytest.mark.parametrize("text", [
    "截至2020年6月，全球已建成多少个5G基站？",
    "What were the internet penetration rates of developed countries in 2019? It's 86.6%.",
    "“新基建”在短期内对经济有什么作用？（一）2020-2021年 R&D C++ e-commerce",
    "the U.S. end. COVID-19 1,000 C# 50 % v2.0 ＡＩ赋能数字经济 ５Ｇ 《数字中国》",
    "“G20+”机制复合体 5G+工业互联网 #话题# 3+2 a+b",
])
def test_milvus_keyword_search_sees_the_tokens_ours_sees(text):
    # Milvus Lite runs this analyzer on the texts keyword_text makes; a server runs jieba alike.
    from milvus_lite.analyzer.factory import create_analyzer

    from index.milvus_store import analyzer_params, keyword_text
    from index.mixed_language_tokenizer import MixedLanguageTokenizer

    assert create_analyzer(analyzer_params()).tokenize(keyword_text(text)) == MixedLanguageTokenizer().tokenize(text)
