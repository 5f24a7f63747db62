from __future__ import annotations

import numpy as np
import pytest
from index_test_doubles import HashEmbeddings

from index.embedding_cache import EmbeddingCache, encode_documents_cached


def test_miss_then_hit_returns_identical_float32(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    texts = ["数字经济", "green bonds"]
    assert cache.get_many("fp", texts, dimension=3) == [None, None]
    vectors = np.array([[0.1, 0.2, 0.3], [1 / 3, 2 / 3, 0.7]], dtype=np.float32)
    cache.put_many("fp", texts, vectors)
    got = cache.get_many("fp", ["green bonds", "unknown", "数字经济"], dimension=3)
    assert got[1] is None
    assert got[0].dtype == np.float32
    np.testing.assert_array_equal(got[0], vectors[1])
    np.testing.assert_array_equal(got[2], vectors[0])


def test_keys_include_fingerprint_and_dimension(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    cache.put_many("model-a", ["text"], np.ones((1, 4), dtype=np.float32))
    assert cache.get_many("model-b", ["text"], dimension=4) == [None]
    assert cache.get_many("model-a", ["text"], dimension=8) == [None]
    assert cache.get_many("model-a", ["text "], dimension=4) == [None]  # exact text, not similar


def test_persists_across_connections(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.put_many("fp", ["a"], np.full((1, 2), 0.5, dtype=np.float32))
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        assert cache.count("fp") == 1
        np.testing.assert_array_equal(cache.get_many("fp", ["a"], dimension=2)[0], [0.5, 0.5])


def test_put_many_validates_shapes(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    with pytest.raises(ValueError, match="expected 2 vectors"):
        cache.put_many("fp", ["a", "b"], np.ones((3, 2), dtype=np.float32))
    with pytest.raises(TypeError, match="floating"):
        cache.put_many("fp", ["a"], np.ones((1, 2), dtype=np.int64))


def test_not_a_database_gives_clear_error(tmp_path):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ValueError, match="not a usable embedding cache"):
        EmbeddingCache(path)


def test_encode_documents_cached_embeds_only_missing_texts(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    embeddings = HashEmbeddings()
    first, computed = encode_documents_cached(embeddings, ["a b", "c d"], cache)
    assert computed == 2
    embeddings.embedded.clear()
    second, computed = encode_documents_cached(embeddings, ["c d", "new", "a b"], cache)
    assert computed == 1
    assert embeddings.embedded == ["new"]
    np.testing.assert_array_equal(second[0], first[1])
    np.testing.assert_array_equal(second[2], first[0])
    np.testing.assert_allclose(np.linalg.norm(second, axis=1), 1.0, atol=1e-6)
