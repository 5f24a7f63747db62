"""The int8 export of EmbeddingGemma against torch fp32, on the real reports.

Needs the export made by ``reportqa models export`` (``./run.sh test`` makes it during set-up);
without it the test fails with the command to run. Nothing is exported here.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.export]

ENGLISH_CASES = [
    ("How did artificial intelligence help doctors diagnose COVID-19 patients from CT scans?",
     "000_be7b19c0fddba15e", "CT检查后即可完成病情判定"),
    ("How many 5G base stations had been built worldwide by June 2020?", "001_a71dc65f29895d41", "70万个5G基站"),
    ("What were the internet penetration rates of developed countries in 2019?",
     "001_a71dc65f29895d41", "发达国家互联网普及率高达86.6%"),
]


@pytest.fixture(scope="module")
def int8_and_torch(tmp_path_factory):
    from reportqa.factory import make_embeddings
    from reportqa.settings import load_settings

    data = str(tmp_path_factory.mktemp("int8-data"))
    int8 = make_embeddings(load_settings({"data_dir": data, "models.embedder_backend": "onnx"}))
    torch = make_embeddings(load_settings({"data_dir": data, "models.embedder_backend": "torch"}))
    return int8, torch


@pytest.fixture(scope="module")
def int8_index(tmp_path_factory, int8_and_torch):
    """The real library indexed with the int8 embedder (vectors kept in the shared test cache,
    under the int8 cache key)."""
    from conftest import TEST_EMBEDDING_CACHE

    from index.embedding_cache import EmbeddingCache
    from index.library_index import LibraryIndex
    from reportqa.factory import make_pipeline
    from reportqa.settings import load_settings

    settings = load_settings({"data_dir": str(tmp_path_factory.mktemp("int8-index"))})
    TEST_EMBEDDING_CACHE.parent.mkdir(parents=True, exist_ok=True)
    with EmbeddingCache(TEST_EMBEDDING_CACHE) as cache:
        result = LibraryIndex.build(settings.index_dir, settings.library_dir, embeddings=int8_and_torch[0],
                                    pipeline=make_pipeline(settings), cache=cache, progress=False)
    assert not result.errors, result.errors
    return result.index


def test_int8_vectors_agree_with_torch_fp32_on_real_chunks_and_questions(int8_index, int8_and_torch):
    int8, torch = int8_and_torch
    assert (int8.backend, int8.quantization) == ("onnx", "qint8")
    chunks = [c.embedding_text() for c in int8_index.chunks[::16]]  # ~24 chunks across all reports
    cosines = np.sum(int8.encode_documents(chunks) * torch.encode_documents(chunks), axis=1)
    assert cosines.min() >= 0.99, sorted(cosines)[:5]
    for question, _, _ in ENGLISH_CASES:
        assert float(int8.encode_query(question) @ torch.encode_query(question)) >= 0.99


def test_int8_vectors_are_deterministic(int8_and_torch):
    int8, _ = int8_and_torch
    texts = ["数字经济规模达到53.9万亿元", "How many 5G base stations were built?", "算力"]
    np.testing.assert_array_equal(int8.encode_documents(texts), int8.encode_documents(list(texts)))


@pytest.mark.parametrize(("question", "doc_id", "passage"), ENGLISH_CASES, ids=[c[0][:24] for c in ENGLISH_CASES])
def test_int8_index_finds_the_chinese_evidence_of_english_questions(int8_index, int8_and_torch, question, doc_id,
                                                                    passage):
    _, positions = int8_index.dense_search(int8_and_torch[0].encode_query(question), 5)
    found = [p for p in positions if int8_index.chunks[p].doc_id == doc_id
             and passage in "".join(int8_index.chunks[p].text.split())]
    assert found, f"{question!r}: dense top 5 were " + "; ".join(
        f"{int8_index.chunks[p].doc_id} {''.join(int8_index.chunks[p].text.split())[:40]}" for p in positions)
