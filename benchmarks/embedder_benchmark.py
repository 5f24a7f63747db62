"""Embedder backends against torch fp32: agreement, recall, speed, and how far from the hardware.

Usage (from the repository root; every backend other than torch needs ``reportqa models export``)::

    python benchmarks/embedder_benchmark.py quality [--backends torch,onnx,openvino] [--cache FILE]
        [--cosine-chunks 200] [--speed-chunks 64] [--out FILE.json]
    python benchmarks/embedder_benchmark.py peak [--backends torch,onnx] [--threads N]
    python benchmarks/embedder_benchmark.py build [--backends torch,onnx]

``quality`` (torch fp32 is the baseline of every ratio, measured in the same run):

1. Cosine between each backend's vectors and torch's for ``--cosine-chunks`` real chunks of the
   bundled reports (evenly spaced) and every question of the dev, held-out and test suites.
2. Recall@1/5/10 of dense-only retrieval over all chunks, per suite and language, with
   ``evals.metrics.retrieval``'s relevance rule (dense only isolates the embedder).
3. Determinism: 32 chunks and 16 questions embedded twice, largest absolute difference.
4. Speed: ``--speed-chunks`` chunks embedded without cache (chunks/s, ratio to torch), and the
   warm query-embedding p50/p95 over 40 questions.

Chunk vectors may come from an embedding cache (``--cache``, read only: a copy is used) so torch
does not re-embed what it embedded before; speed is always measured on fresh embeddings.

``peak`` measures this CPU's fp32 and int8 GEMM throughput with ONNX Runtime (``MatMul`` and
``MatMulInteger`` on the shapes of EmbeddingGemma's layers, same thread count) and numpy's fp32
GEMM, counts the embedder's FLOPs per chunk (linear layers and attention, from the model config and
the real chunks' token counts), and reports the fraction of the matching peak each backend reaches.

``build`` times a fresh clone's first-start build of the bundled reports for each backend (empty
embedding cache, temporary data dir), chunks plus evidence units when the pipeline has them.

Prints Markdown and writes JSON (default ``var/benchmarks/embedder_<command>.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.metrics.latency import percentile  # noqa: E402
from evals.metrics.retrieval import Evidence, Passage, retrieval_scores  # noqa: E402
from index.embedding_cache import EmbeddingCache, encode_documents_cached  # noqa: E402
from reportqa.factory import make_embeddings, make_pipeline  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

SUITES = {name: REPO / "evals" / "datasets" / f"reports_{name}.jsonl" for name in ("dev", "heldout", "test")}
KS = (1, 5, 10)


def embedder(backend: str, **models: Any):
    settings = load_settings({"models.embedder_backend": backend, **{f"models.{k}": v for k, v in models.items()}})
    return make_embeddings(settings)


def real_chunks() -> list[Any]:
    settings = load_settings()
    pipeline = make_pipeline(settings)
    chunks = []
    for path in sorted(pipeline.discover(settings.library_dir)):
        chunks.extend(pipeline.run(path).chunks)
    return chunks


def suite_items() -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, path in SUITES.items():
        if path.is_file():
            items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            out[name] = [item for item in items if item.get("question")]
    return out


# ------------------------------------------------------------------------------------- quality
def quality(args: argparse.Namespace) -> dict[str, Any]:
    chunks = real_chunks()
    texts = [c.embedding_text() for c in chunks]
    suites = suite_items()
    questions = sorted({item["question"] for items in suites.values() for item in items})
    if args.questions:
        questions = questions[:: max(1, len(questions) // args.questions)][: args.questions]
    step = max(1, len(texts) // args.cosine_chunks)
    sample = list(range(0, len(texts), step))[: args.cosine_chunks]
    work = Path(tempfile.mkdtemp(prefix="reportqa-embedder-bench-"))
    report: dict[str, Any] = {"chunks": len(texts), "questions": len(questions), "cosine_chunks": len(sample),
                              "backends": {}}
    try:
        cache_path = work / "cache.sqlite"
        if args.cache and Path(args.cache).is_file():
            shutil.copy(args.cache, cache_path)
        vectors: dict[str, dict[str, np.ndarray]] = {}
        for backend in args.backends:
            emb = embedder(backend)
            row: dict[str, Any] = {"name": emb.name, "fingerprint": emb.fingerprint[:12],
                                   "quantization": emb.quantization, "batch_size": getattr(emb, "batch_size", None),
                                   "threads": getattr(emb, "threads", None)}
            # Speed first, on fresh embeddings of the same texts for every backend.
            speed = [texts[i] for i in np.linspace(0, len(texts) - 1, args.speed_chunks).astype(int)]
            emb.encode_documents(speed[:2])  # load the model outside the timing
            started = time.perf_counter()
            emb.encode_documents(speed)
            row["speed_seconds"] = round(time.perf_counter() - started, 2)
            row["chunks_per_second"] = round(len(speed) / row["speed_seconds"], 2)
            timings = []
            for question in questions[:40]:
                started = time.perf_counter()
                emb.encode_query(question)
                timings.append(time.perf_counter() - started)
            row["query_p50_ms"] = round(1000 * percentile(timings, 50), 1)
            row["query_p95_ms"] = round(1000 * percentile(timings, 95), 1)
            # Vectors for agreement and recall (cached chunk vectors are reused).
            with EmbeddingCache(cache_path) as cache:
                wanted = texts if args.recall else [texts[i] for i in sample]
                found, computed = encode_documents_cached(emb, wanted, cache, batch_size=64, progress=True)
            docs = found if args.recall else np.zeros((len(texts), found.shape[1]), dtype=np.float32)
            if not args.recall:
                docs[sample] = found
            row["chunks_embedded"] = computed
            queries = emb.encode_documents([]) if not questions else np.stack([emb.encode_query(q) for q in questions])
            vectors[backend] = {"docs": docs, "queries": queries}
            again_docs = emb.encode_documents([texts[i] for i in sample[:32]])
            again_queries = np.stack([emb.encode_query(q) for q in questions[:16]])
            row["determinism_max_abs_diff"] = float(max(np.abs(again_docs - docs[sample[:32]]).max(),
                                                        np.abs(again_queries - queries[:16]).max()))
            if args.recall:
                row["recall"] = recall(suites, chunks, docs, {q: v for q, v in zip(questions, queries)})
            report["backends"][backend] = row
            print(f"{backend}: {json.dumps({k: v for k, v in row.items() if k != 'recall'})}", flush=True)
        base = vectors.get("torch")
        for backend, row in report["backends"].items():
            if base is None or backend == "torch":
                continue
            doc_cos = np.sum(vectors[backend]["docs"][sample] * base["docs"][sample], axis=1)
            query_cos = np.sum(vectors[backend]["queries"] * base["queries"], axis=1)
            both = np.concatenate([doc_cos, query_cos])
            row["cosine"] = {"chunks_min": float(doc_cos.min()), "chunks_mean": float(doc_cos.mean()),
                             "queries_min": float(query_cos.min()), "queries_mean": float(query_cos.mean()),
                             "all_p1": float(np.percentile(both, 1)), "n": int(both.size)}
            row["speed_ratio_vs_torch"] = round(row["chunks_per_second"] / report["backends"]["torch"]["chunks_per_second"], 2)
            row["query_p50_ratio_vs_torch"] = round(row["query_p50_ms"] / report["backends"]["torch"]["query_p50_ms"], 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def recall(suites, chunks, docs: np.ndarray, query_vectors: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, items in suites.items():
        per_lang: dict[str, list[dict[str, float]]] = {}
        for item in items:
            if not item.get("evidence"):
                continue  # unanswerable: nothing to find
            scores = docs @ query_vectors[item["question"]]
            top = np.argsort(-scores, kind="stable")[: max(KS)]
            passages = [Passage(doc_id=chunks[i].doc_id, text=chunks[i].text) for i in top]
            evidence = [Evidence(doc=e["doc"], quote=e["quote"]) for e in item["evidence"]]
            per_lang.setdefault(item["lang"], []).append(retrieval_scores(passages, evidence, ks=KS))
        out[name] = {lang: {"n": len(rows), **{f"recall@{k}": round(mean(r[f"recall@{k}"] for r in rows), 4)
                                               for k in KS}}
                     for lang, rows in sorted(per_lang.items())}
    return out


# ---------------------------------------------------------------------------------------- peak
def _gemm_graph(m: int, k: int, n: int, integer: bool):
    import onnx
    from onnx import TensorProto, helper

    if integer:
        a = helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])
        b = helper.make_tensor_value_info("b", TensorProto.INT8, [k, n])
        y = helper.make_tensor_value_info("y", TensorProto.INT32, [m, n])
        node = helper.make_node("MatMulInteger", ["a", "b"], ["y"])
    else:
        a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])
        b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [k, n])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
    model = helper.make_model(helper.make_graph([node], "gemm", [a, b], [y]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return onnx._serialize(model) if hasattr(onnx, "_serialize") else model.SerializeToString()


def _time(fn, seconds: float = 3.0) -> float:
    fn()
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        runs += 1
    return (time.perf_counter() - started) / runs


def gemm_peaks(threads: int, m: int = 2048, k: int = 768, n: int = 1152) -> dict[str, float]:
    """GFLOP/s of one GEMM of EmbeddingGemma's MLP shape (tokens x hidden x intermediate)."""
    import onnxruntime as ort
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    flops = 2.0 * m * k * n
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    out = {}
    for name, integer in (("onnxruntime_fp32", False), ("onnxruntime_int8", True)):
        session = ort.InferenceSession(_gemm_graph(m, k, n, integer), options, providers=["CPUExecutionProvider"])
        if integer:
            feed = {"a": rng.integers(0, 255, (m, k), dtype=np.uint8), "b": rng.integers(-127, 127, (k, n), dtype=np.int8)}
        else:
            feed = {"a": rng.standard_normal((m, k), dtype=np.float32), "b": rng.standard_normal((k, n), dtype=np.float32)}
        out[name] = round(flops / _time(lambda: session.run(None, feed)) / 1e9, 1)
    a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
    with threadpool_limits(threads):
        out["numpy_fp32"] = round(flops / _time(lambda: a @ b) / 1e9, 1)
    return out


def flops_per_text(config: dict[str, Any], dense_weights: int, tokens: int) -> float:
    """Forward FLOPs of EmbeddingGemma-like models for one text of ``tokens`` tokens."""
    h, inter, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    q = config["num_attention_heads"] * config["head_dim"]
    kv = config["num_key_value_heads"] * config["head_dim"]
    linear = layers * (h * q + 2 * h * kv + q * h + 3 * h * inter)  # q, k, v, o, gate/up/down
    window = min(tokens, config.get("sliding_window") or tokens)
    attention = layers * 2 * q * tokens * window  # QK^T and AV (sliding layers see at most the window)
    return 2.0 * (linear * tokens + attention + dense_weights)


def peak(args: argparse.Namespace) -> dict[str, Any]:
    from tokenizers import Tokenizer

    from reportqa.models import ModelRegistry

    settings = load_settings()
    threads = args.threads or settings.models.threads
    folder = ModelRegistry.from_settings(settings).resolve(settings.models.embedder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    dense_weights = 0
    for sub in sorted(folder.glob("*_Dense")):
        dense = json.loads((sub / "config.json").read_text(encoding="utf-8"))
        dense_weights += dense["in_features"] * dense["out_features"]
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    texts = [c.embedding_text() for c in real_chunks()]
    lengths = [len(e.ids) for e in tokenizer.encode_batch(["title: none | text: " + t for t in texts])]
    per_chunk = mean(flops_per_text(config, dense_weights, n) for n in lengths)
    peaks = gemm_peaks(threads)
    report: dict[str, Any] = {"threads": threads, "chunks": len(texts), "mean_tokens": round(mean(lengths), 1),
                              "gflops_per_chunk": round(per_chunk / 1e9, 3), "peak_gflops": peaks, "backends": {}}
    speed = [texts[i] for i in np.linspace(0, len(texts) - 1, args.speed_chunks).astype(int)]
    for backend in args.backends:
        emb = embedder(backend, threads=threads)
        emb.encode_documents(speed[:2])
        started = time.perf_counter()
        emb.encode_documents(speed)
        rate = len(speed) / (time.perf_counter() - started)
        achieved = rate * per_chunk / 1e9
        ref = peaks["onnxruntime_int8"] if emb.quantization == "qint8" else peaks["onnxruntime_fp32"]
        report["backends"][backend] = {"chunks_per_second": round(rate, 2), "achieved_gflops": round(achieved, 1),
                                       "fraction_of_peak": round(achieved / ref, 3),
                                       "peak_used": "int8" if emb.quantization == "qint8" else "fp32"}
        print(f"{backend}: {report['backends'][backend]}", flush=True)
    return report


# --------------------------------------------------------------------------------------- build
def build(args: argparse.Namespace) -> dict[str, Any]:
    from index.library_index import LibraryIndex

    report: dict[str, Any] = {"backends": {}}
    for backend in args.backends:
        work = Path(tempfile.mkdtemp(prefix="reportqa-build-bench-"))
        try:
            settings = load_settings({"data_dir": str(work / "var"), "models.embedder_backend": backend})
            emb = make_embeddings(settings)
            emb.encode_documents(["warm-up"])  # a first start loads the model too, but both backends do
            pipeline = make_pipeline(settings)
            with EmbeddingCache(settings.embedding_cache_path) as cache:
                started = time.perf_counter()
                result = LibraryIndex.build(settings.index_dir, settings.library_dir, embeddings=emb,
                                            pipeline=pipeline, cache=cache, progress=False)
                seconds = time.perf_counter() - started
                embedded = cache.count(emb.cache_key)
            evidence = getattr(result.index, "evidence", None)
            report["backends"][backend] = {
                "seconds": round(seconds, 1), "chunks": len(result.index), "texts_embedded": embedded,
                "evidence_units": len(evidence) if evidence is not None else 0,
                "texts_per_second": round(embedded / seconds, 2)}
            print(f"{backend}: {report['backends'][backend]}", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if "torch" in report["backends"]:
        for row in report["backends"].values():
            row["speedup_vs_torch"] = round(report["backends"]["torch"]["seconds"] / row["seconds"], 2)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("quality", "peak", "build"):
        p = sub.add_parser(name)
        p.add_argument("--backends", default="torch,onnx", type=lambda s: [b for b in s.split(",") if b])
        p.add_argument("--out", type=Path, default=None)
        p.add_argument("--speed-chunks", type=int, default=64)
        if name == "quality":
            p.add_argument("--cosine-chunks", type=int, default=200)
            p.add_argument("--cache", type=Path, default=None, help="embedding cache to start from (copied)")
            p.add_argument("--questions", type=int, default=None, help="at most this many questions (evenly spaced)")
            p.add_argument("--no-recall", dest="recall", action="store_false",
                           help="skip recall (embeds only the cosine sample; recall needs every chunk and question)")
        if name == "peak":
            p.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    report = {"quality": quality, "peak": peak, "build": build}[args.command](args)
    report.update(command=args.command, cpu_count=os.cpu_count(), load_average=os.getloadavg(),
                  at=time.strftime("%Y-%m-%d %H:%M:%S"))
    out = args.out or REPO / "var" / "benchmarks" / f"embedder_{args.command}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
