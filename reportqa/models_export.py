"""Export a sentence-transformers embedder once to one ONNX graph, int8-quantised, in the model cache.

``reportqa models export`` (and ``models pull`` when ``models.embedder_backend`` is not torch)
runs :func:`export_embedder`; nothing is exported at import time, at load time or in a test.
The export is written under a temporary name and moved into place in one rename, with a
``.verified.json`` marker that records its sha256 (the fingerprint the index manifest and the
embedding cache use), the sha256 of the weights it came from and how it was made.

Layout (next to the model folder)::

    models/<name>.onnx-qint8/model.onnx          the int8 graph (weights inside, no .data file)
    models/<name>.onnx-qint8/.verified.json      sha256, size, mtime, source sha256, recipe

The graph runs the whole sentence-transformers pipeline: transformer, mean pooling, both dense
layers and normalisation, so the runtime needs nothing but the tokenizer. It is traced with eager
attention from a batch with padding, so the bidirectional mask EmbeddingGemma needs is part of the
graph (an export that falls back to causal attention loses a third of its recall,
sentence-transformers issue #3725); ``benchmarks/embedder_benchmark.py`` checks the result.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from index.embeddings.fingerprint import file_sha256

logger = logging.getLogger(__name__)

QUANTIZATIONS: tuple[str, ...] = ("qint8",)  # what the onnx and openvino backends run
GRAPH_NAME = "model.onnx"
MARKER_NAME = ".verified.json"
OPSET = 18
# Per-channel symmetric int8 weights, dynamic uint8 activations: sentence-transformers' "avx2"
# dynamic recipe. Gather (the 262k x 768 token embedding table) is quantised too: it is 0.8 of
# the fp32 file and only looked up, never multiplied.
QUANTIZED_OPS = ("MatMul", "Gather")


@dataclass(frozen=True)
class ExportedModel:
    """A finished export: where it is and what it is."""

    path: Path  # the .onnx file
    sha256: str
    source_sha256: str
    quantization: str
    seconds: float = 0.0
    action: Literal["exported", "up-to-date"] = "up-to-date"


def export_dir(models_dir: Path, name: str, quantization: str) -> Path:
    _check_quantization(quantization)
    return Path(models_dir) / f"{name}.onnx-{quantization}"


def read_export(models_dir: Path, name: str, quantization: str, *, source_sha256: str) -> ExportedModel | None:
    """The export of ``name`` made from the weights ``source_sha256``, if it exists and its file
    still has the recorded size and mtime (else ``None``: export again)."""
    folder = export_dir(models_dir, name, quantization)
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
        stat = (folder / GRAPH_NAME).stat()
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("source_sha256") != source_sha256:
        return None
    if marker.get("size") != stat.st_size or marker.get("mtime_ns") != stat.st_mtime_ns:
        return None
    return ExportedModel(path=folder / GRAPH_NAME, sha256=str(marker["sha256"]), source_sha256=source_sha256,
                         quantization=quantization)


def export_embedder(
    source_dir: Path, *, models_dir: Path, name: str, source_sha256: str, quantization: str = "qint8",
    force: bool = False, threads: int | None = None,
) -> ExportedModel:
    """Export (and quantise) the sentence-transformers folder ``source_dir`` unless a current
    export exists. EmbeddingGemma-300m took 246 s (export) + 411-1,424 s (quantisation) on 2
    cores shared with other jobs (see benchmarks/README.md)."""
    _check_quantization(quantization)
    if not force:
        existing = read_export(models_dir, name, quantization, source_sha256=source_sha256)
        if existing is not None:
            return existing
    started = time.perf_counter()
    folder = export_dir(models_dir, name, quantization)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".partial-{folder.name}@", dir=folder.parent))
    try:
        fp32 = work / "fp32" / GRAPH_NAME
        _export_fp32(source_dir, fp32, threads=threads)
        final = work / "out" / GRAPH_NAME
        final.parent.mkdir()
        _quantize(fp32, final)
        sha = file_sha256(final)
        stat = final.stat()
        marker = {
            "sha256": sha, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "source_sha256": source_sha256,
            "quantization": quantization, "quantized_ops": list(QUANTIZED_OPS),
            "opset": OPSET, "versions": _versions(),
        }  # fmt: skip
        (final.parent / MARKER_NAME).write_text(json.dumps(marker, indent=1, sort_keys=True), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(final.parent, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ExportedModel(path=folder / GRAPH_NAME, sha256=sha, source_sha256=source_sha256,
                         quantization=quantization, seconds=time.perf_counter() - started, action="exported")


def _check_quantization(quantization: str) -> None:
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {', '.join(QUANTIZATIONS)}, got {quantization!r}")


def _export_fp32(source_dir: Path, target: Path, *, threads: int | None) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    # Eager attention: the mask is an explicit tensor built from attention_mask and traced as such.
    model = SentenceTransformer(str(source_dir), device="cpu", local_files_only=True,
                                model_kwargs={"attn_implementation": "eager"})
    model.eval()

    class _Pipeline(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]

    # Two texts of different lengths: the traced graph sees padding, so the mask path is general.
    sample = model.tokenize(["title: none | text: a longer sample passage, so that the batch has padding", "x"])
    target.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            _Pipeline(model), (sample["input_ids"], sample["attention_mask"]), str(target),
            input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                          "sentence_embedding": {0: "batch"}},
            opset_version=OPSET, dynamo=True, external_data=True,
        )  # fmt: skip


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), per_channel=True, reduce_range=False,
                     weight_type=QuantType.QInt8, op_types_to_quantize=list(QUANTIZED_OPS))


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for package in ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime", "onnxscript"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out
