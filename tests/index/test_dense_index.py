from __future__ import annotations

import numpy as np
import pytest

from index.dense_index import DenseIndex


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def vectors() -> np.ndarray:
    return unit(np.random.default_rng(0).normal(size=(6, 8)))


def test_add_search_returns_exact_cosine_ranking(vectors):
    dense = DenseIndex(8)
    ids = np.array([10, 11, 12, 13, 14, 15], dtype=np.int64)
    dense.add(ids, vectors)
    scores, found = dense.search(vectors[2], 3)
    assert found[0] == 12
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    expected = ids[np.argsort(-(vectors @ vectors[2]))][:3]
    assert found.tolist() == expected.tolist()


def test_remove_and_reconstruct(vectors):
    dense = DenseIndex(8)
    dense.add(np.arange(6), vectors)
    assert dense.remove(np.array([2, 99])) == 1
    assert len(dense) == 5
    assert 2 not in dense.search(vectors[2], 5)[1].tolist()
    np.testing.assert_array_equal(dense.reconstruct(np.array([4])), vectors[4:5])
    with pytest.raises(KeyError):
        dense.reconstruct(np.array([2]))


def test_search_pads_with_minus_one_when_k_exceeds_size(vectors):
    dense = DenseIndex(8)
    dense.add(np.arange(2), vectors[:2])
    _, found = dense.search(vectors[0], 4)
    assert found.tolist()[2:] == [-1, -1]


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.ones((2, 8), dtype=np.float64), TypeError, "float32"),
        (np.ones((2, 7), dtype=np.float32), ValueError, r"shape \(n, 8\)"),
        (np.full((2, 8), 3.0, dtype=np.float32), ValueError, "L2-normalised"),
        (np.full((2, 8), np.nan, dtype=np.float32), ValueError, "NaN"),
        ([[0.0] * 8] * 2, TypeError, "numpy array"),
    ],
)
def test_add_validates_vectors(bad, error, message):
    with pytest.raises(error, match=message):
        DenseIndex(8).add(np.arange(2), bad)


def test_add_rejects_mismatched_float_ids_and_duplicates(vectors):
    dense = DenseIndex(8)
    with pytest.raises(ValueError, match="3 ids for 6 vectors"):
        dense.add(np.arange(3), vectors)
    with pytest.raises(TypeError, match="integers"):
        dense.add(np.arange(6, dtype=np.float32), vectors)
    dense.add(np.arange(6), vectors)
    with pytest.raises(ValueError, match="already in the index"):
        dense.add(np.array([5]), vectors[:1])


def test_query_dimension_is_checked(vectors):
    dense = DenseIndex(8)
    dense.add(np.arange(6), vectors)
    with pytest.raises(ValueError, match="shape"):
        dense.search(unit(np.ones((1, 4))), 2)
    with pytest.raises(ValueError, match="k must be"):
        dense.search(vectors[0], 0)


@pytest.mark.parametrize("dimension", [0, -3, 2.5, True])
def test_dimension_must_be_positive_int(dimension):
    with pytest.raises(ValueError, match="dimension"):
        DenseIndex(dimension)


def test_save_load_round_trip(tmp_path, vectors):
    dense = DenseIndex(8)
    dense.add(np.arange(100, 106), vectors)
    dense.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss")
    assert loaded.dimension == 8
    assert loaded.ids.tolist() == list(range(100, 106))
    np.testing.assert_array_equal(loaded.reconstruct(np.arange(100, 106)), vectors)


def test_load_rejects_other_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        DenseIndex.load(tmp_path / "missing.faiss")
    (tmp_path / "junk.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(RuntimeError):
        DenseIndex.load(tmp_path / "junk.faiss")


def test_a_few_queries_search_alone_and_the_thread_keeps_its_faiss_threads(vectors):
    import faiss

    from index.dense_index import ONE_THREAD_QUERIES

    index = DenseIndex(vectors.shape[1])
    index.add(np.arange(len(vectors), dtype=np.int64), vectors)
    many = np.repeat(vectors[:3], ONE_THREAD_QUERIES, axis=0)  # above the bound: FAISS's own threads
    scores, ids = index.search(many, 4)
    before = faiss.omp_get_max_threads()
    for row in range(3):
        alone_scores, alone_ids = index.search(vectors[row], 4)  # one query: the calling thread alone
        assert alone_ids.tolist() == ids[row * ONE_THREAD_QUERIES].tolist()
        assert np.allclose(alone_scores, scores[row * ONE_THREAD_QUERIES])
    assert faiss.omp_get_max_threads() == before
