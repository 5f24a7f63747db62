from __future__ import annotations

import hashlib
import json
import os
import threading
import time

import numpy as np
import pytest
from index_test_doubles import HashEmbeddings

from index.embeddings import SentenceTransformerEmbeddings, USEEmbeddings, file_sha256


def test_numpy_and_langchain_outputs_are_unit_float32():
    embeddings = HashEmbeddings(dimension=16)
    vectors = embeddings.encode_documents(["数字经济", "green bonds"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert embeddings.encode_query("数字经济").shape == (16,)
    np.testing.assert_allclose(embeddings.embed_documents(["数字经济"])[0], vectors[0], atol=1e-7)
    np.testing.assert_allclose(embeddings.embed_query("green bonds"), embeddings.encode_query("green bonds"))
    assert embeddings.encode_documents([]).shape == (0, 16)


@pytest.mark.parametrize(("texts", "message"), [("one string", "not one string"), (["ok", 3], r"texts\[1\]")])
def test_inputs_are_validated(texts, message):
    with pytest.raises(TypeError, match=message):
        HashEmbeddings().encode_documents(texts)


def test_bad_model_outputs_are_caught():
    class WrongShape(HashEmbeddings):
        def _encode_documents(self, texts):
            return np.ones((len(texts), 3))

    class AllZero(HashEmbeddings):
        def _encode_queries(self, texts):
            return np.zeros((len(texts), self.dimension))

    with pytest.raises(ValueError, match=r"shape \(1, 3\), expected \(1, 64\)"):
        WrongShape().encode_documents(["x"])
    with pytest.raises(ValueError, match="all-zero"):
        AllZero().encode_query("x")


@pytest.mark.parametrize("options", [{"name": ""}, {"fingerprint": " "}])
def test_name_and_fingerprint_are_required(options):
    with pytest.raises(ValueError):
        HashEmbeddings(**options)


@pytest.fixture
def model_folder(tmp_path):
    (tmp_path / "modules.json").write_text("[]", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("options", "message"), [({"batch_size": 0}, "batch_size"), ({"threads": 0}, "threads"),
                                                  ({"dimension": -1}, "dimension")])
def test_sentence_transformer_options_are_validated(model_folder, options, message):
    with pytest.raises(ValueError, match=message):
        SentenceTransformerEmbeddings(model_folder, name="m", fingerprint="f" * 64, **options)


def test_sentence_transformer_needs_a_model_folder(tmp_path):
    with pytest.raises(ValueError, match="not a sentence-transformers model folder"):
        SentenceTransformerEmbeddings(tmp_path / "missing", name="m", fingerprint="f" * 64)


def test_model_is_loaded_once_lazily_even_from_many_threads(model_folder):
    loads = []

    class Counting(SentenceTransformerEmbeddings):
        def _load(self):
            loads.append(1)
            time.sleep(0.05)
            return object()

    embeddings = Counting(model_folder, name="m", fingerprint="f" * 64, dimension=8)
    assert embeddings.dimension == 8 and loads == []  # a declared dimension needs no model
    threads = [threading.Thread(target=lambda: embeddings.model) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert loads == [1]


def test_file_sha256_is_remembered_until_the_file_changes(tmp_path):
    weights, memo = tmp_path / "model.bin", tmp_path / "memo.json"
    weights.write_bytes(b"weights v1")
    assert file_sha256(weights, memo_path=memo) == hashlib.sha256(b"weights v1").hexdigest()
    # Prove the memo is used: doctor it, and the doctored value comes back.
    data = json.loads(memo.read_text())
    data[str(weights.resolve())]["sha256"] = "0" * 64
    memo.write_text(json.dumps(data))
    assert file_sha256(weights, memo_path=memo) == "0" * 64
    weights.write_bytes(b"weights v2, longer")
    os.utime(weights, ns=(1, 1))
    assert file_sha256(weights, memo_path=memo) == hashlib.sha256(b"weights v2, longer").hexdigest()


@pytest.mark.slow
def test_use_embeddings_are_multilingual_unit_vectors():
    embeddings = USEEmbeddings()
    assert len(embeddings.fingerprint) == 64 and embeddings.dimension == 512
    docs = embeddings.encode_documents(["数字经济快速发展", "今天天气晴朗"])
    assert docs.shape == (2, 512) and docs.dtype == np.float32
    scores = docs @ embeddings.encode_query("the digital economy is growing fast")
    assert scores[0] > scores[1]


@pytest.mark.slow
def test_embeddinggemma_query_and_document_prompts(built_index):
    from reportqa.factory import make_embeddings

    embeddings = make_embeddings(built_index.settings)
    assert embeddings.dimension == 768
    docs = embeddings.encode_documents(["截至2020年6月，全球已建成逾70万个5G基站。", "非洲互联网覆盖率最低。"])
    query = embeddings.encode_query("How many 5G base stations were there worldwide in mid-2020?")
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert (docs @ query)[0] > (docs @ query)[1]
