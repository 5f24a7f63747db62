"""The exported EmbeddingGemma against torch fp32, on the real reports.

Checks the export the settings' onnx/openvino backends run (``models.embedder_quantization``),
made by ``reportqa models export``. Nothing is exported here: without the export file every test
skips and says which command makes it.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow

AGREEMENT = 0.99  # the bar: cosine with torch fp32 on the same real chunks and questions

ENGLISH_CASES = [
    ("How did artificial intelligence help doctors diagnose COVID-19 patients from CT scans?",
     "000_be7b19c0fddba15e", "CT检查后即可完成病情判定"),
    ("How many 5G base stations had been built worldwide by June 2020?", "001_a71dc65f29895d41", "70万个5G基站"),
    ("What were the internet penetration rates of developed countries in 2019?",
     "001_a71dc65f29895d41", "发达国家互联网普及率高达86.6%"),
]


@pytest.fixture(scope="module")
def exported_and_torch(tmp_path_factory):
    from reportqa.factory import make_embeddings, weights_sha256
    from reportqa.models import ModelRegistry
    from reportqa.models_export import export_dir, read_export
    from reportqa.settings import load_settings

    settings = load_settings({"data_dir": str(tmp_path_factory.mktemp("export-data"))})
    backend = settings.models.embedder_backend if settings.models.embedder_backend != "torch" else "onnx"
    quantization = settings.models.embedder_quantization
    registry = ModelRegistry.from_settings(settings)
    spec, path = registry.get(settings.models.embedder), registry.resolve(settings.models.embedder)
    if read_export(registry.models_dir, spec.name, quantization,
                   source_sha256=weights_sha256(settings, registry, spec, path)) is None:
        pytest.skip(f"no current {quantization} export of {spec.name} in "
                    f"{export_dir(registry.models_dir, spec.name, quantization)}: "
                    f"run `reportqa models export --quantization {quantization}`")
    exported = make_embeddings(load_settings({"data_dir": str(settings.data_dir), "models.embedder_backend": backend}))
    torch = make_embeddings(load_settings({"data_dir": str(settings.data_dir), "models.embedder_backend": "torch"}))
    return exported, torch


@pytest.fixture(scope="module")
def exported_index(tmp_path_factory, exported_and_torch, test_embedding_cache):
    """The real library indexed with the exported embedder (vectors kept in the shared test cache,
    under the export's cache key)."""
    from index.embedding_cache import EmbeddingCache
    from index.library_index import LibraryIndex
    from reportqa.factory import make_pipeline
    from reportqa.settings import load_settings

    settings = load_settings({"data_dir": str(tmp_path_factory.mktemp("export-index"))})
    with EmbeddingCache(test_embedding_cache) as cache:
        result = LibraryIndex.build(settings.index_dir, settings.library_dir, embeddings=exported_and_torch[0],
                                    pipeline=make_pipeline(settings), cache=cache, progress=False)
    assert not result.errors, result.errors
    return result.index


@pytest.fixture(scope="module")
def real_chunks():
    """Every 16th chunk of the bundled reports (~24, across all of them), as the index embeds them."""
    from reportqa.factory import make_pipeline
    from reportqa.settings import load_settings

    settings = load_settings()
    pipeline = make_pipeline(settings)
    chunks = [c for path in sorted(pipeline.discover(settings.library_dir)) for c in pipeline.run(path).chunks]
    return [c.embedding_text() for c in chunks[::16]]


def test_exported_vectors_agree_with_torch_fp32_on_real_chunks_and_questions(real_chunks, exported_and_torch,
                                                                            test_embedding_cache):
    from index.embedding_cache import EmbeddingCache, encode_documents_cached

    exported, torch = exported_and_torch
    assert exported.backend in ("onnx", "openvino") and torch.backend == "torch"
    with EmbeddingCache(test_embedding_cache) as cache:  # torch's vectors of the slow suite's index
        reference, _ = encode_documents_cached(torch, real_chunks, cache)
    cosines = np.sum(exported.encode_documents(real_chunks) * reference, axis=1)  # the export runs every time
    assert cosines.min() >= AGREEMENT, sorted(cosines)[:5]
    for question, _, _ in ENGLISH_CASES:
        assert float(exported.encode_query(question) @ torch.encode_query(question)) >= AGREEMENT


def test_exported_vectors_are_deterministic(exported_and_torch):
    exported, _ = exported_and_torch
    texts = ["数字经济规模达到53.9万亿元", "How many 5G base stations were built?", "算力"]
    np.testing.assert_array_equal(exported.encode_documents(texts), exported.encode_documents(list(texts)))


@pytest.mark.parametrize(("question", "doc_id", "passage"), ENGLISH_CASES, ids=[c[0][:24] for c in ENGLISH_CASES])
def test_exported_index_finds_the_chinese_evidence_of_english_questions(exported_index, exported_and_torch, question,
                                                                        doc_id, passage):
    _, positions = exported_index.dense_search(exported_and_torch[0].encode_query(question), 5)
    found = [p for p in positions if exported_index.chunks[p].doc_id == doc_id
             and passage in "".join(exported_index.chunks[p].text.split())]
    assert found, f"{question!r}: dense top 5 were " + "; ".join(
        f"{exported_index.chunks[p].doc_id} {''.join(exported_index.chunks[p].text.split())[:40]}" for p in positions)
