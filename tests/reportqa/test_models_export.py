"""Quantisation recipes on a small graph: each writes one loadable file that computes what the fp32
graph computes (within its quantisation error), and ``only`` picks MatMuls by traced module path."""

from __future__ import annotations

import numpy as np
import pytest

from reportqa.models_export import RECIPES, Recipe, quantize


def _graph(folder, *, external: bool):
    """x @ W1 (module "...layers.0.mlp.up_proj") @ W2 (module "...layers.0.self_attn.o_proj")."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal((64, 64), dtype=np.float32), rng.standard_normal((64, 32), dtype=np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="node_linear_1"),
             helper.make_node("MatMul", ["h", "w2"], ["y"], name="node_linear_2")]
    for node, scope in zip(nodes, ("inner.0.model.layers.0.mlp.up_proj", "inner.0.model.layers.0.self_attn.o_proj")):
        entry = node.metadata_props.add()
        entry.key, entry.value = "pkg.torch.onnx.name_scopes", str(["", "inner", scope])
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 32])],
                              [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    path = folder / "graph" / "model.onnx"
    path.parent.mkdir(parents=True)
    onnx.save(model, str(path), save_as_external_data=external, location="model.onnx.data", size_threshold=0)
    return path


def _run(path, x):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


@pytest.mark.parametrize("recipe", ["fp32", "qint8", "qint8-rr-matmul", "quint8-gateup", "int8-block32"])
def test_each_recipe_writes_one_file_that_computes_the_same(tmp_path, recipe):
    source = _graph(tmp_path, external=True)
    target = tmp_path / recipe / "model.onnx"
    quantize(source, target, RECIPES[recipe])
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.onnx"]  # weights inline, no leftovers
    assert not (source.parent / "model-inferred.onnx").exists()
    x = np.random.default_rng(1).standard_normal((8, 64), dtype=np.float32)
    expected, got = _run(source, x), _run(target, x)
    cosine = np.sum(expected * got, axis=1) / np.linalg.norm(expected, axis=1) / np.linalg.norm(got, axis=1)
    assert cosine.min() > (0.999999 if recipe == "fp32" else 0.95), cosine


def test_only_quantizes_the_matmuls_of_matching_modules(tmp_path):
    import onnx

    source = _graph(tmp_path, external=False)
    target = tmp_path / "mlp" / "model.onnx"
    quantize(source, target, Recipe(weight_type="QUInt8", only=r"\.mlp\."))
    ops = [node.op_type for node in onnx.load(str(target)).graph.node]
    assert "MatMulInteger" in ops and ops.count("MatMul") == 1  # up_proj quantised, o_proj left in fp32
    with pytest.raises(ValueError, match="no MatMul of the graph comes from a module matching"):
        quantize(source, tmp_path / "none" / "model.onnx", Recipe(only=r"\.down_proj"))
