"""Quantisation designs of the EmbeddingGemma export against torch fp32: which keep cosine >= 0.99.

Usage (from the repository root)::

    # once: torch fp32 vectors of 200 evenly spaced real chunks and every suite question
    python benchmarks/quantization_benchmark.py reference --cache var/embedding_cache.sqlite --work DIR
    # once: the fp32 ONNX graph (the step `reportqa models export` runs before quantising)
    python benchmarks/quantization_benchmark.py graph --work DIR
    # each design: quantise the fp32 graph (skipped when DIR/<recipe>/model.onnx exists), embed the
    # same chunks and questions with ONNX Runtime and/or OpenVINO, compare with the torch vectors
    python benchmarks/quantization_benchmark.py compare --work DIR --recipes fp32,qint8,quint8 \
        --runtimes onnx,openvino [--threads 2] [--chunks 40 --questions 40]
    # a variant into the model cache, as `reportqa models export --quantization RECIPE` makes it
    python benchmarks/quantization_benchmark.py install --work DIR --recipe RECIPE

The recipes are ``reportqa.models_export.RECIPES`` (the one the export ships and the designs tried
against it). ``compare`` prints one row per recipe and runtime: min / 1st percentile / mean cosine
over chunks and questions, how many fall below 0.99, the file size and the seconds the embedding
took in this process (a rough speed figure only: ``embedder_benchmark.py speed`` measures speed).

``graph`` also checks that the graph kept EmbeddingGemma's bidirectional attention: the fp32 graph
must reproduce torch (cosine >= 0.9999), and changing the last word of a text must change the
vectors of the tokens before it (a causal graph would leave them as they were:
sentence-transformers issue #3725).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from embedder_benchmark import embedder, evenly, real_chunks, suite_items  # noqa: E402

from reportqa.models_export import GRAPH_NAME, RECIPES, export_fp32_graph, quantize  # noqa: E402

THRESHOLD = 0.99  # the agreement bar for switching the default


def sample_texts(work: Path, count: int = 200) -> tuple[list[str], list[str]]:
    """``count`` evenly spaced real chunks and every suite question, kept in ``work/texts.json`` so
    that every process of a comparison embeds the same texts (and ingests the reports once)."""
    saved = work / "texts.json"
    if saved.is_file():
        texts = json.loads(saved.read_text(encoding="utf-8"))
        if len(texts["chunks"]) == min(count, texts["library_chunks"]):
            return texts["chunks"], texts["questions"]
    library = [c.embedding_text() for c in real_chunks()]
    texts = {"library_chunks": len(library), "chunks": evenly(library, count),
             "questions": sorted({item["question"] for items in suite_items().values() for item in items})}
    work.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return texts["chunks"], texts["questions"]


def model_folder() -> Path:
    from reportqa.models import ModelRegistry
    from reportqa.settings import load_settings

    settings = load_settings()
    return ModelRegistry.from_settings(settings).resolve(settings.models.embedder)


# ----------------------------------------------------------------------------------- reference
def reference(args: argparse.Namespace) -> dict[str, Any]:
    from index.embedding_cache import EmbeddingCache, encode_documents_cached

    chunks, questions = sample_texts(args.work, args.chunks)
    emb = embedder("torch", threads=args.threads)
    started = time.perf_counter()
    cache_path = args.cache or args.work / "cache.sqlite"
    with EmbeddingCache(cache_path) as cache:
        docs, computed = encode_documents_cached(emb, chunks, cache, batch_size=64, progress=True)
    emb.batch_queries = False
    queries = np.stack([emb.encode_query(q) for q in tqdm(questions, desc="torch fp32 questions")])
    args.work.mkdir(parents=True, exist_ok=True)
    np.savez(args.work / "torch_fp32.npz", docs=docs, queries=queries, chunks=np.array(chunks),
             questions=np.array(questions))
    return {"chunks": len(chunks), "questions": len(questions), "chunks_embedded": computed,
            "seconds": round(time.perf_counter() - started, 1)}


# --------------------------------------------------------------------------------------- graph
def graph(args: argparse.Namespace) -> dict[str, Any]:
    target = args.work / "fp32" / GRAPH_NAME
    started = time.perf_counter()
    if not target.is_file():
        export_fp32_graph(model_folder(), target, threads=args.threads)
    report: dict[str, Any] = {"export_seconds": round(time.perf_counter() - started, 1)}
    report["bidirectional"] = bidirectional_check(target, threads=args.threads)
    return report


def bidirectional_check(model_file: Path, *, threads: int) -> dict[str, Any]:
    """Token states before the last token must depend on it: true of bidirectional attention only.
    The graph's output is the pooled sentence vector, so the check runs on a copy whose output is
    the transformer's last hidden state (the input of mean pooling)."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    model = onnx.load(str(model_file), load_external_data=False)
    pooled_input = _mean_pooling_input(model)
    model.graph.output.insert(0, onnx.helper.make_tensor_value_info(pooled_input, onnx.TensorProto.FLOAT, None))
    probe = model_file.parent / "bidirectional_probe.onnx"
    onnx.save(model, str(probe))  # same external data file beside it
    try:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(probe), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(model_folder() / "tokenizer.json"))
        states = []
        for text in ("title: none | text: The report counts 5G base stations in June",
                     "title: none | text: The report counts 5G base stations in July"):
            ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
            states.append(session.run([pooled_input], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0])
    finally:
        probe.unlink()
    before_last = slice(0, states[0].shape[0] - 2)  # every token before the changed word (and EOS)
    change = float(np.abs(states[0][before_last] - states[1][before_last]).max())
    return {"hidden_state": pooled_input, "max_change_before_the_changed_token": change,
            "bidirectional": change > 1e-3}


def _mean_pooling_input(model) -> str:
    """The tensor the graph pools: the first ReduceSum/ReduceMean's input's producer chain starts at
    the transformer's last hidden state, i.e. the output of the last RMSNorm (a Mul by the norm weight)
    before pooling multiplies by the mask."""
    producers = {out: node for node in model.graph.node for out in node.output}
    for node in model.graph.node:
        if node.op_type in ("ReduceSum", "ReduceMean"):
            mul = producers.get(node.input[0])
            if mul is not None and mul.op_type == "Mul":
                for name in mul.input:
                    source = producers.get(name)
                    if source is not None and source.op_type not in ("Cast", "Expand", "Unsqueeze"):
                        return name
    raise SystemExit("mean pooling not found in the graph")


# ------------------------------------------------------------------------------------- compare
def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Each recipe and runtime embeds the texts (vectors kept in ``work/vectors/``, so a later run
    only compares), then the vectors are compared with the torch reference (waited for if a
    ``reference`` run is still making it)."""
    all_chunks, all_questions = chunks, questions = sample_texts(args.work)
    # --chunks/--questions: an evenly spaced subset for screening (a design below 0.99 there fails)
    chunk_rows = evenly(list(range(len(chunks))), args.chunks or len(chunks))
    question_rows = evenly(list(range(len(questions))), args.questions or len(questions))
    chunks, questions = [chunks[i] for i in chunk_rows], [questions[i] for i in question_rows]
    report: dict[str, Any] = {"chunks": len(chunks), "questions": len(questions), "threads": args.threads,
                              "rows": []}
    measured = [(recipe, runtime, embed_variant(args, recipe, runtime, chunks, questions))
                for recipe in args.recipes for runtime in args.runtimes]
    while not (args.work / "torch_fp32.npz").is_file():
        time.sleep(30)
    ref = np.load(args.work / "torch_fp32.npz")
    if [str(t) for t in ref["chunks"]] != all_chunks or [str(q) for q in ref["questions"]] != all_questions:
        raise SystemExit("torch_fp32.npz holds other texts than texts.json: run reference again")
    ref_docs, ref_queries = ref["docs"][chunk_rows], ref["queries"][question_rows]
    for recipe, runtime, row in measured:
        saved = np.load(row.pop("vectors"))
        doc_cos = np.sum(saved["docs"] * ref_docs, axis=1)
        query_cos = np.sum(saved["queries"] * ref_queries, axis=1)
        both = np.concatenate([doc_cos, query_cos])
        row.update(chunks_min=round(float(doc_cos.min()), 4), chunks_mean=round(float(doc_cos.mean()), 4),
                   queries_min=round(float(query_cos.min()), 4), queries_mean=round(float(query_cos.mean()), 4),
                   p1=round(float(np.percentile(both, 1)), 4), below=int((both < THRESHOLD).sum()), n=int(both.size))
        report["rows"].append(row)
        print(json.dumps(row), flush=True)
    print("\n| recipe | runtime | MB | chunks min / mean | questions min / mean | p1 | below 0.99 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in report["rows"]:
        print(f"| {r['recipe']} | {r['runtime']} | {r['size_mb']:.0f} | {r['chunks_min']:.4f} / {r['chunks_mean']:.4f} "
              f"| {r['queries_min']:.4f} / {r['queries_mean']:.4f} | {r['p1']:.4f} | {r['below']} of {r['n']} |")
    return report


def embed_variant(args: argparse.Namespace, recipe: str, runtime: str, chunks: list[str],
                  questions: list[str]) -> dict[str, Any]:
    """One recipe's vectors through one runtime (quantised first if its graph is not there yet)."""
    from index.embeddings import ExportedEmbeddings

    graph = args.work / "fp32" / GRAPH_NAME
    target = graph if recipe == "fp32" else args.work / recipe / GRAPH_NAME
    made = 0.0
    if not target.is_file():
        started = time.perf_counter()
        quantize(graph, target, RECIPES[recipe])
        made = time.perf_counter() - started
    size = sum(p.stat().st_size for p in target.parent.iterdir() if p.is_file() and p.suffix in (".onnx", ".data"))
    row: dict[str, Any] = {"recipe": recipe, "runtime": runtime, "size_mb": round(size / 1e6, 1),
                           "quantize_seconds": round(made, 1)}
    vectors = args.work / "vectors" / f"{recipe}-{runtime}-{len(chunks)}-{len(questions)}.npz"
    if vectors.is_file():
        return {**row, **json.loads(vectors.with_suffix(".json").read_text(encoding="utf-8")), "vectors": vectors}
    if runtime == "torch":  # the baseline's time on the same texts (its vectors are the reference)
        emb = embedder("torch", threads=args.threads, embedder_batch_size=args.batch_size)
    else:
        emb = ExportedEmbeddings(target, model_folder(), name="probe", fingerprint=recipe, runtime=runtime,
                                 quantization=recipe, threads=args.threads, batch_size=args.batch_size)
    emb.batch_queries = False
    emb.encode_documents(chunks[:1])
    started, cpu = time.perf_counter(), time.process_time()
    docs = emb.encode_documents(chunks)
    timing = {"doc_seconds": round(time.perf_counter() - started, 1),
              "doc_cpu_seconds": round(time.process_time() - cpu, 1), "load_average": os.getloadavg()}
    queries = emb._normalised(emb._encode_queries(questions), len(questions))
    vectors.parent.mkdir(parents=True, exist_ok=True)
    np.savez(vectors, docs=docs, queries=queries)
    vectors.with_suffix(".json").write_text(json.dumps(timing), encoding="utf-8")
    print(f"{recipe} {runtime}: embedded {json.dumps(timing)}", flush=True)
    return {**row, **timing, "vectors": vectors}


# ------------------------------------------------------------------------------------- install
def install(args: argparse.Namespace) -> dict[str, Any]:
    """Put a measured variant into the model cache as ``reportqa models export --quantization RECIPE``
    would (same marker and sha256), without exporting the fp32 graph again."""
    import shutil
    import tempfile

    from reportqa.factory import weights_sha256
    from reportqa.models import ModelRegistry
    from reportqa.models_export import install_export
    from reportqa.settings import load_settings

    settings = load_settings()
    registry = ModelRegistry.from_settings(settings)
    spec, folder = registry.get(settings.models.embedder), registry.resolve(settings.models.embedder)
    staged = Path(tempfile.mkdtemp(prefix="reportqa-install-", dir=args.work))
    try:
        graph = staged / GRAPH_NAME
        if args.recipe == "fp32":
            quantize(args.work / "fp32" / GRAPH_NAME, graph, RECIPES["fp32"])  # the weights inline
        else:
            shutil.copy(args.work / args.recipe / GRAPH_NAME, graph)
        done = install_export(graph, models_dir=registry.models_dir, name=spec.name, quantization=args.recipe,
                              source_sha256=weights_sha256(settings, registry, spec, folder))
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return {"path": str(done.path), "sha256": done.sha256, "recipe": args.recipe}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {"reference": reference, "graph": graph, "compare": compare, "install": install}
    for name in commands:
        p = sub.add_parser(name)
        p.add_argument("--work", type=Path, required=True, help="graphs, variants and reference vectors")
        p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
        p.add_argument("--out", type=Path, default=None)
        if name == "reference":
            p.add_argument("--chunks", type=int, default=200)
            p.add_argument("--cache", type=Path, default=None, help="embedding cache holding torch's vectors")
        if name == "install":
            p.add_argument("--recipe", required=True, choices=sorted(RECIPES))
        if name == "compare":
            p.add_argument("--recipes", type=lambda s: [r for r in s.split(",") if r], default=["fp32"])
            p.add_argument("--runtimes", type=lambda s: [r for r in s.split(",") if r], default=["onnx"],
                           help="onnx, openvino; torch (with recipe fp32) times torch fp32 on the same texts")
            p.add_argument("--batch-size", type=int, default=16)
            p.add_argument("--chunks", type=int, default=None, help="an evenly spaced subset of the 200 (screening)")
            p.add_argument("--questions", type=int, default=None, help="an evenly spaced subset of the questions")
    args = parser.parse_args(argv)
    if args.command == "compare":
        unknown = [r for r in args.recipes if r != "fp32" and r not in RECIPES]
        if unknown:
            parser.error(f"unknown recipes {unknown}; known: fp32, {', '.join(RECIPES)}")
    report = commands[args.command](args)
    report.update(command=args.command, cpu_count=os.cpu_count(), load_average=os.getloadavg(),
                  at=time.strftime("%Y-%m-%d %H:%M:%S"))
    out = args.out or args.work / f"quantization_{args.command}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
