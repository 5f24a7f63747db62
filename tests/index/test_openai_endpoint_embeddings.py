"""The OpenAI-compatible embeddings client against a real HTTP server on 127.0.0.1.

The fast tests serve the hash embedder (they test batching, retries, concurrency and errors);
the slow test serves the real EmbeddingGemma and compares with the local torch embedder.
"""

from __future__ import annotations

import numpy as np
import pytest
from index_test_doubles import HashEmbeddings
from openai_embedding_server import EmbeddingServer

from index.embeddings import OpenAIEndpointEmbeddings


def hash_encode(texts: list[str]) -> np.ndarray:
    return HashEmbeddings(dimension=32).encode_documents(texts)


def client(server: EmbeddingServer, **options) -> OpenAIEndpointEmbeddings:
    return OpenAIEndpointEmbeddings(model="gemma-on-gpu", base_url=server.base_url, **options)


def test_documents_are_batched_with_bounded_concurrency_and_come_back_in_order():
    with EmbeddingServer(hash_encode, model="gemma-on-gpu", delay=0.05) as server:
        embeddings = client(server, batch_size=3, concurrency=2, document_prompt="doc: ")
        texts = [f"passage {i} 数字经济" for i in range(11)]
        vectors = embeddings.encode_documents(texts)
    np.testing.assert_allclose(vectors, hash_encode([f"doc: {t}" for t in texts]), atol=1e-6)
    assert sorted(len(batch) for batch in server.requests) == [2, 3, 3, 3]
    assert 1 <= server.max_in_flight <= 2


def test_queries_get_the_query_prompt_and_the_manifest_the_endpoint_model():
    with EmbeddingServer(hash_encode, model="google/embeddinggemma-300m") as server:
        embeddings = client(server, query_prompt="task: search result | query: ")
        vector = embeddings.encode_query("green bonds")
        config = embeddings.config()
    np.testing.assert_allclose(vector, hash_encode(["task: search result | query: green bonds"])[0], atol=1e-6)
    assert config["endpoint_model"] == "google/embeddinggemma-300m"
    assert config["name"] == "openai:gemma-on-gpu" and config["backend"] == "openai"
    assert embeddings.dimension == 32


def test_failed_requests_are_retried():
    with EmbeddingServer(hash_encode, model="m", fail_first=2) as server:
        vectors = client(server, max_retries=3).encode_documents(["a", "b"])
    assert vectors.shape == (2, 32) and server.failures == 2


def test_an_endpoint_that_keeps_failing_gives_a_clear_error():
    with EmbeddingServer(hash_encode, model="m", fail_first=10) as server:
        embeddings = client(server, max_retries=1)
        with pytest.raises(RuntimeError, match=r"embedding endpoint http://127\.0\.0\.1:\d+/v1 failed for model"):
            embeddings.encode_documents(["a"])


@pytest.mark.parametrize(("options", "message"), [
    ({"base_url": "127.0.0.1:7997"}, "http"), ({"model": " "}, "model"), ({"batch_size": 0}, "batch_size"),
    ({"concurrency": 0}, "concurrency"), ({"max_retries": -1}, "max_retries"),
])  # fmt: skip
def test_options_are_validated(options, message):
    with pytest.raises(ValueError, match=message):
        OpenAIEndpointEmbeddings(**{"model": "m", "base_url": "http://127.0.0.1:1/v1", **options})


ENGLISH_CASES = [
    ("How many 5G base stations had been built worldwide by June 2020?", "001_a71dc65f29895d41", "70万个5G基站"),
    ("What were the internet penetration rates of developed countries in 2019?",
     "001_a71dc65f29895d41", "发达国家互联网普及率高达86.6%"),
]


def dense_top5_finds(index, vector: np.ndarray, doc_id: str, passage: str) -> bool:
    _, positions = index.dense_search(vector, 5)
    return any(index.chunks[p].doc_id == doc_id and passage in "".join(index.chunks[p].text.split())
               for p in positions)


@pytest.mark.slow
def test_embeddinggemma_behind_the_endpoint_gives_the_local_vectors_and_finds_english_evidence(built_index):
    """A server embedding with the real model (no prompts, like vLLM/TEI/Infinity) with the client
    adding EmbeddingGemma's prompts gives the local torch vectors, and its query vectors find the
    Chinese evidence of English questions in the real index."""
    from reportqa.factory import make_embeddings
    from reportqa.settings import load_settings

    local = make_embeddings(load_settings({"models.embedder_backend": "torch"}))

    def encode(texts: list[str]) -> np.ndarray:
        return local.model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)

    chunks = [c.embedding_text() for c in built_index.index.chunks[::50][:6]]
    with EmbeddingServer(encode, model="google/embeddinggemma-300m") as server:
        settings = load_settings({"models.embedder": "openai:embeddinggemma-300m",
                                  "models.embedder_base_url": server.base_url, "models.embedder_batch_size": 4})
        remote = make_embeddings(settings)
        remote_docs = remote.encode_documents(chunks)
        remote_queries = [remote.encode_query(question) for question, _, _ in ENGLISH_CASES]
        assert remote.config()["endpoint_model"] == "google/embeddinggemma-300m"
    assert np.sum(remote_docs * local.encode_documents(chunks), axis=1).min() >= 0.999
    for (question, doc_id, passage), vector in zip(ENGLISH_CASES, remote_queries):
        assert float(vector @ local.encode_query(question)) >= 0.999
        assert dense_top5_finds(built_index.index, vector, doc_id, passage), question
