"""The factory's per-process index cache: switching the embedder backend re-checks the manifest."""

from __future__ import annotations

import pytest
from hash_embeddings import HashEmbeddings, Int8HashEmbeddings

from index.library_index import LibraryIndex


@pytest.fixture
def settings_for(tmp_path, monkeypatch):
    """Settings for one data dir, and a factory whose embedder follows ``models.embedder_backend``
    (no model is loaded: hash embedders stand in for torch and int8)."""
    from reportqa import factory
    from reportqa.settings import load_settings

    library = tmp_path / "reports"
    library.mkdir()
    (library / "alpha.txt").write_text("# 数字经济\n\n2023年数字经济规模达到53.9万亿元。\n", encoding="utf-8")
    embedders = {"torch": HashEmbeddings(), "onnx": Int8HashEmbeddings()}
    monkeypatch.setattr(factory, "make_embeddings", lambda settings: embedders[settings.models.embedder_backend])
    monkeypatch.setattr(factory, "_LIBRARIES", {})

    def make(backend: str):
        return load_settings({"data_dir": str(tmp_path / "var"), "library_dir": str(library),
                              "models.embedder_backend": backend})

    return make


def test_open_index_does_not_hand_an_index_of_one_backend_to_another(settings_for):
    from reportqa.errors import CommandError
    from reportqa.factory import make_embeddings, make_pipeline, open_index

    torch = settings_for("torch")
    LibraryIndex.build(torch.index_dir, torch.library_dir, embeddings=make_embeddings(torch),
                       pipeline=make_pipeline(torch), progress=False)
    assert len(open_index(torch)) > 0
    with pytest.raises(CommandError, match="embedder backend: index has torch, now onnx"):
        open_index(settings_for("onnx"))
