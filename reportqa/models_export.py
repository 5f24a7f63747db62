"""Export a sentence-transformers embedder once to one ONNX graph, quantised by a recipe, in the model cache.

``reportqa models export`` (and ``models pull`` when ``models.embedder_backend`` is not torch)
runs :func:`export_embedder`; nothing is exported at import time, at load time or in a test.
The export is written under a temporary name and moved into place in one rename, with a
``.verified.json`` marker that records its sha256 (the fingerprint the index manifest and the
embedding cache use), the sha256 of the weights it came from and how it was made.

Layout (next to the model folder)::

    models/<name>.onnx-<recipe>/model.onnx       the graph (weights inside, no .data file)
    models/<name>.onnx-<recipe>/.verified.json   sha256, size, mtime, source sha256, recipe

The graph runs the whole sentence-transformers pipeline: transformer, mean pooling, both dense
layers and normalisation, so the runtime needs nothing but the tokenizer. It is traced with eager
attention from a batch with padding, so the bidirectional mask EmbeddingGemma needs is part of the
graph (an export that falls back to causal attention loses a third of its recall,
sentence-transformers issue #3725); ``benchmarks/quantization_benchmark.py graph`` checks it and
``compare`` measures each recipe against torch fp32.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

GRAPH_NAME = "model.onnx"
MARKER_NAME = ".verified.json"
OPSET = 18


@dataclass(frozen=True)
class Recipe:
    """How the fp32 graph is quantised. ``none``: not at all (fp32 weights in one file); ``dynamic``: ONNX Runtime's ``quantize_dynamic`` (int8
    weights, activations quantised per tensor at run time); ``blockwise``: ``MatMulNBits`` with 8-bit
    weights in blocks of ``block_size`` along the input dimension (``accuracy_level`` 4: activations
    quantised to int8 per block too, int8 dot products). ``only``: a regular expression over weight
    names; only the MatMuls on those weights are quantised."""

    kind: Literal["none", "dynamic", "blockwise"] = "dynamic"
    ops: tuple[str, ...] = ("MatMul",)
    per_channel: bool = True
    reduce_range: bool = False
    weight_type: Literal["QInt8", "QUInt8"] = "QInt8"
    only: str | None = None
    block_size: int = 32
    accuracy_level: int = 4


# Measured against torch fp32 by benchmarks/quantization_benchmark.py (benchmarks/README.md, "Third
# session"), AVX2 without VNNI: fp32 1.0000; every weight MatMul quantised 0.92 (qint8) to 0.975;
# everything but the MLP's down_proj (quint8-nodown) 0.9941 at 1.55x torch; int8-block32 0.9997 but
# 0.87x torch (no fast blockwise int8 kernel on this CPU).
RECIPES: dict[str, Recipe] = {
    "fp32": Recipe(kind="none"),
    # sentence-transformers' "avx2" dynamic recipe: per-channel symmetric int8 weights, dynamic uint8
    # activations, MatMul and the token-embedding Gather (0.8 of the fp32 file, only looked up).
    "qint8": Recipe(ops=("MatMul", "Gather")),
    # 7-bit weights: no saturation of u8 x s8 pair sums in 16 bits on AVX2 without VNNI.
    "qint8-rr": Recipe(ops=("MatMul", "Gather"), reduce_range=True),
    "qint8-rr-matmul": Recipe(reduce_range=True),
    "qint8-tensor": Recipe(ops=("MatMul", "Gather"), per_channel=False, reduce_range=True),
    "quint8": Recipe(ops=("MatMul", "Gather"), weight_type="QUInt8"),
    "quint8-matmul": Recipe(weight_type="QUInt8"),
    # the MLP only (gate, up, down): attention projections, embeddings, norms stay fp32.
    "quint8-mlp": Recipe(weight_type="QUInt8", only=r"\.mlp\."),
    "qint8-rr-mlp": Recipe(reduce_range=True, only=r"\.mlp\."),
    # gate and up only: down_proj's input (the GELU product) is where activation outliers sit.
    "quint8-gateup": Recipe(weight_type="QUInt8", only=r"\.mlp\.(gate|up)_proj"),
    "qint8-rr-gateup": Recipe(reduce_range=True, only=r"\.mlp\.(gate|up)_proj"),
    # everything but down_proj: the attention projections too.
    "quint8-nodown": Recipe(weight_type="QUInt8", only=r"(self_attn\.[qkvo]_proj|mlp\.(gate|up)_proj)"),
    "int8-block32": Recipe(kind="blockwise", block_size=32, accuracy_level=4),
    "int8-block32-fp32": Recipe(kind="blockwise", block_size=32, accuracy_level=1),
}
QUANTIZATIONS: tuple[str, ...] = tuple(RECIPES)


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
    source_dir: Path, *, models_dir: Path, name: str, source_sha256: str, quantization: str = "fp32",
    force: bool = False, threads: int | None = None, progress: bool = False,
) -> ExportedModel:
    """Export (and quantise) the sentence-transformers folder ``source_dir`` unless a current
    export exists. EmbeddingGemma-300m: 222 CPU seconds and 8.3 GB peak memory (29 min of wall
    time on 2 cores at load 10-14; see benchmarks/README.md). ``progress`` shows the three steps."""
    from tqdm import tqdm

    _check_quantization(quantization)
    if not force:
        existing = read_export(models_dir, name, quantization, source_sha256=source_sha256)
        if existing is not None:
            return existing
    started = time.perf_counter()
    folder = export_dir(models_dir, name, quantization)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".partial-{folder.name}@", dir=folder.parent))
    bar = tqdm(total=3, desc=f"Exporting {name} ({quantization})", unit="step", disable=not progress)
    try:
        bar.set_postfix_str("ONNX graph (fp32)")
        fp32 = work / "fp32" / GRAPH_NAME
        export_fp32_graph(source_dir, fp32, threads=threads)
        bar.update()
        bar.set_postfix_str(f"quantising to {quantization}")
        final = work / "out" / GRAPH_NAME
        quantize(fp32, final, RECIPES[quantization])
        bar.update()
        bar.set_postfix_str("sha256")
        done = install_export(final, models_dir=models_dir, name=name, quantization=quantization,
                              source_sha256=source_sha256)
        bar.update()
    finally:
        bar.close()
        shutil.rmtree(work, ignore_errors=True)
    return dataclasses.replace(done, seconds=time.perf_counter() - started, action="exported")


def install_export(graph: Path, *, models_dir: Path, name: str, quantization: str,
                   source_sha256: str) -> ExportedModel:
    """Move the finished one-file graph ``graph`` (made from the weights ``source_sha256`` by the
    recipe ``quantization``) into the model cache in one rename, with its ``.verified.json``."""
    from index.embeddings.fingerprint import file_sha256

    _check_quantization(quantization)
    folder = export_dir(models_dir, name, quantization)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".partial-{folder.name}@", dir=folder.parent))
    staged.chmod(0o755)  # mkdtemp makes it private; the model folders beside it are not
    try:
        shutil.move(str(graph), staged / GRAPH_NAME)
        sha = file_sha256(staged / GRAPH_NAME)
        stat = (staged / GRAPH_NAME).stat()
        marker = {
            "sha256": sha, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "source_sha256": source_sha256,
            "quantization": quantization, "recipe": dataclasses.asdict(RECIPES[quantization]),
            "opset": OPSET, "versions": _versions(),
        }  # fmt: skip
        (staged / MARKER_NAME).write_text(json.dumps(marker, indent=1, sort_keys=True), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staged, folder)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return ExportedModel(path=folder / GRAPH_NAME, sha256=sha, source_sha256=source_sha256, quantization=quantization)


def _check_quantization(quantization: str) -> None:
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {', '.join(QUANTIZATIONS)}, got {quantization!r}")


def export_fp32_graph(source_dir: Path, target: Path, *, threads: int | None) -> None:
    """The whole sentence-transformers pipeline of ``source_dir`` as one fp32 ONNX graph (weights in
    ``target``.data beside it)."""
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


def quantize(source: Path, target: Path, recipe: Recipe) -> None:
    """Write ``recipe``'s quantisation of the fp32 graph ``source`` to ``target`` (one file)."""
    import onnx

    target.parent.mkdir(parents=True, exist_ok=True)
    model = onnx.load(str(source), load_external_data=False)
    nodes = _matmuls_in_modules(model, recipe.only) if recipe.only else None
    if recipe.kind == "none":  # the weights inline: one file, one sha256 (fp32 EmbeddingGemma is 1.2 GB < 2 GB)
        from onnx.external_data_helper import convert_model_from_external_data

        inline = onnx.load(str(source))
        convert_model_from_external_data(inline)
        onnx.save(inline, str(target))
        return
    if recipe.kind == "blockwise":
        from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

        model = onnx.load(str(source))
        config = DefaultWeightOnlyQuantConfig(block_size=recipe.block_size, is_symmetric=True, bits=8,
                                              accuracy_level=recipe.accuracy_level, op_types_to_quantize=("MatMul",))
        quantizer = MatMulNBitsQuantizer(model, nodes_to_include=nodes, algo_config=config)
        quantizer.process()
        onnx.save(quantizer.model.model, str(target))
        return
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Given a path, quantize_dynamic writes "<source>-inferred.onnx" beside it (two recipes made from
    # one graph at once overwrite each other's): given the loaded model, it works in a temporary folder.
    quantize_dynamic(onnx.load(str(source)), str(target), per_channel=recipe.per_channel,
                     reduce_range=recipe.reduce_range, weight_type=getattr(QuantType, recipe.weight_type),
                     op_types_to_quantize=list(recipe.ops), nodes_to_quantize=nodes)


def _matmuls_in_modules(model: Any, pattern: str) -> list[str]:
    """Names of the MatMul nodes traced from a module whose path matches ``pattern`` (the dynamo
    exporter records it per node as ``pkg.torch.onnx.name_scopes``, e.g.
    ``inner.0.model.layers.3.mlp.down_proj``; the weights themselves are folded constants)."""
    import re

    names = []
    for node in model.graph.node:
        if node.op_type != "MatMul":
            continue
        scopes = next((p.value for p in node.metadata_props if p.key == "pkg.torch.onnx.name_scopes"), "")
        if re.search(pattern, scopes):
            names.append(node.name)
    if not names:
        raise ValueError(f"no MatMul of the graph comes from a module matching {pattern!r}")
    return names


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for package in ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime", "onnxscript"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out
