"""Embedder backends against torch fp32: agreement, recall, speed, and how far from the hardware.

Usage (from the repository root; every backend other than torch needs ``reportqa models export``)::

    python benchmarks/embedder_benchmark.py quality [--backends torch,onnx,openvino] [--cache FILE]
        [--cosine-chunks 200] [--speed-chunks 64] [--out FILE.json]
    python benchmarks/embedder_benchmark.py peak [--backends torch,onnx] [--threads N]
    python benchmarks/embedder_benchmark.py build [--backends torch,onnx]
    python benchmarks/embedder_benchmark.py batches [--backends torch] [--sizes 1,4,8,20] [--threads-list 2,1]

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
import hashlib
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
from tqdm import tqdm

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


def fresh_query(emb, question: str) -> np.ndarray:
    """``encode_query`` past the embedder's memory of recent queries: the model runs every time."""
    with emb._queries_lock:
        emb._queries.clear()
    return emb.encode_query(question)


def evenly(items: list[Any], count: int) -> list[Any]:
    return [items[i] for i in np.linspace(0, len(items) - 1, min(count, len(items))).astype(int)]


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
        inputs = hashlib.sha256("\n".join(texts + questions).encode("utf-8")).hexdigest()
        for backend in args.backends:
            saved = args.vectors_dir / backend if args.vectors_dir else None
            if saved is not None and (saved / "row.json").is_file():  # measured by an earlier run
                row = json.loads((saved / "row.json").read_text(encoding="utf-8"))
                if row.get("inputs") != inputs:
                    raise SystemExit(f"{saved} holds vectors of other chunks or questions: remove it")
                vectors[backend] = {"docs": np.load(saved / "docs.npy"), "queries": np.load(saved / "queries.npy")}
            else:
                row, vectors[backend] = measure_backend(args, backend, texts, questions, sample, cache_path)
                row["inputs"] = inputs
                if saved is not None:
                    saved.mkdir(parents=True, exist_ok=True)
                    np.save(saved / "docs.npy", vectors[backend]["docs"])
                    np.save(saved / "queries.npy", vectors[backend]["queries"])
                    (saved / "row.json").write_text(json.dumps(row), encoding="utf-8")
            docs, queries = vectors[backend]["docs"], vectors[backend]["queries"]
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
            torch_row = report["backends"]["torch"]
            if "chunks_per_second" in row and "chunks_per_second" in torch_row:
                row["speed_ratio_vs_torch"] = round(row["chunks_per_second"] / torch_row["chunks_per_second"], 2)
                row["query_p50_ratio_vs_torch"] = round(row["query_p50_ms"] / torch_row["query_p50_ms"], 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def measure_backend(args: argparse.Namespace, backend: str, texts: list[str], questions: list[str],
                    sample: list[int], cache_path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """One backend's chunk and question vectors (cached chunk vectors are reused), its speed on
    fresh embeddings (``--speed-chunks``) and in-process determinism (``--determinism-chunks``)."""
    emb = embedder(backend)
    row: dict[str, Any] = {"name": emb.name, "fingerprint": emb.fingerprint[:12],
                           "quantization": emb.quantization, "batch_size": getattr(emb, "batch_size", None),
                           "threads": getattr(emb, "threads", None)}
    emb.encode_documents(texts[:1])  # load the model outside the timing
    if args.speed_chunks:
        speed = evenly(texts, args.speed_chunks)
        started = time.perf_counter()
        emb.encode_documents(speed)
        row["speed_seconds"] = round(time.perf_counter() - started, 2)
        row["chunks_per_second"] = round(len(speed) / row["speed_seconds"], 2)
        timings = []
        for question in questions[:40]:
            started = time.perf_counter()
            fresh_query(emb, question)
            timings.append(time.perf_counter() - started)
        row["query_p50_ms"] = round(1000 * percentile(timings, 50), 1)
        row["query_p95_ms"] = round(1000 * percentile(timings, 95), 1)
    with EmbeddingCache(cache_path) as cache:
        wanted = texts if args.recall else [texts[i] for i in sample]
        found, computed = encode_documents_cached(emb, wanted, cache, batch_size=64, progress=True)
    docs = found if args.recall else np.zeros((len(texts), found.shape[1]), dtype=np.float32)
    if not args.recall:
        docs[sample] = found
    row["chunks_embedded"] = computed
    queries = np.stack([emb.encode_query(q) for q in tqdm(questions, desc=f"{backend} questions")])
    if args.determinism_chunks:
        n = args.determinism_chunks
        again_docs = emb.encode_documents([texts[i] for i in sample[:n]])
        again_queries = np.stack([fresh_query(emb, q) for q in questions[: n // 2]])
        row["determinism_max_abs_diff"] = float(max(np.abs(again_docs - docs[sample[:n]]).max(),
                                                    np.abs(again_queries - queries[: n // 2]).max()))
    return row, {"docs": docs, "queries": queries}


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
# The GEMM kinds a recipe's MatMuls run on (reportqa.models_export.RECIPES), and their ONNX graphs.
PEAK_KINDS = ("fp32", "u8s8", "u8u8", "block_int8")


def peak_kind(quantization: str) -> str:
    """Which measured peak an embedder's MatMuls can reach: fp32 for fp32 graphs, else the int8
    kernel its recipe uses (u8 x s8 weights, u8 x u8 weights, or blockwise s8 x s8)."""
    from reportqa.models_export import RECIPES

    recipe = RECIPES.get(quantization)
    if recipe is None:
        return "fp32"
    if recipe.kind == "blockwise":
        return "block_int8" if recipe.accuracy_level == 4 else "fp32"
    return "u8u8" if recipe.weight_type == "QUInt8" else "u8s8"


def _gemm_graph(m: int, k: int, n: int, kind: str, rng) -> tuple[bytes, dict[str, np.ndarray]]:
    """One (m x k) @ (k x n) with the weight as a constant, as in the model (ONNX Runtime packs it
    once), and the input feed."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if kind in ("u8s8", "u8u8"):
        weight = (rng.integers(-127, 127, (k, n), dtype=np.int8) if kind == "u8s8"
                  else rng.integers(0, 255, (k, n), dtype=np.uint8))
        a = helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])
        y = helper.make_tensor_value_info("y", TensorProto.INT32, [m, n])
        node = helper.make_node("MatMulInteger", ["a", "b"], ["y"])
        feed = {"a": rng.integers(0, 255, (m, k), dtype=np.uint8)}
    else:
        weight = rng.standard_normal((k, n), dtype=np.float32)
        a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
        feed = {"a": rng.standard_normal((m, k), dtype=np.float32)}
    model = helper.make_model(helper.make_graph([node], "gemm", [a], [y], [numpy_helper.from_array(weight, "b")]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if kind == "block_int8":  # MatMulNBits, 8-bit weights in blocks of 32, int8 activations per block
        from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

        quantizer = MatMulNBitsQuantizer(model, algo_config=DefaultWeightOnlyQuantConfig(
            block_size=32, is_symmetric=True, bits=8, accuracy_level=4, op_types_to_quantize=("MatMul",)))
        quantizer.process()
        model = quantizer.model.model
    return model.SerializeToString(), feed


def _time(fn, seconds: float) -> tuple[float, float]:
    """Wall and process CPU seconds per call of ``fn``."""
    fn()
    runs, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        fn()
        runs += 1
    return (time.perf_counter() - started) / runs, (time.process_time() - cpu) / runs


def gemm_peaks(threads: int, m: int = 2048, k: int = 768, n: int = 1152, seconds: float = 3.0) -> dict[str, float]:
    """GFLOP/s (int8: giga multiply-adds x 2 per s) of one GEMM of EmbeddingGemma's MLP shape
    (tokens x hidden x intermediate), per kind of ``PEAK_KINDS`` through ONNX Runtime, and numpy's
    fp32 GEMM, on ``threads`` threads. ``<kind>_per_cpu_second`` divides by the CPU time the process
    got instead of wall time: on a shared machine wall time mostly measures the other jobs, and with
    one thread this is the kernel's speed on one core."""
    import onnxruntime as ort
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    flops = 2.0 * m * k * n
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    out = {}
    for kind in PEAK_KINDS:
        graph, feed = _gemm_graph(m, k, n, kind, rng)
        session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        wall, cpu = _time(lambda: session.run(None, feed), seconds)
        out[kind], out[f"{kind}_per_cpu_second"] = round(flops / wall / 1e9, 1), round(flops / cpu / 1e9, 1)
    a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
    with threadpool_limits(threads):
        wall, cpu = _time(lambda: a @ b, seconds)
    out["numpy_fp32"], out["numpy_fp32_per_cpu_second"] = round(flops / wall / 1e9, 1), round(flops / cpu / 1e9, 1)
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
        kind = peak_kind(emb.quantization)
        report["backends"][backend] = {"chunks_per_second": round(rate, 2), "achieved_gflops": round(achieved, 1),
                                       "fraction_of_peak": round(achieved / peaks[kind], 3), "peak_used": kind}
        print(f"{backend}: {report['backends'][backend]}", flush=True)
    return report


# --------------------------------------------------------------------------------------- build
def build(args: argparse.Namespace) -> dict[str, Any]:
    """First-start build per backend: nothing of that backend in the embedding cache. With
    ``--cache FILE`` the vectors are kept there afterwards (each backend under its own key), so
    that ``speed --cache FILE`` builds its indexes without embedding again."""
    from index.library_index import LibraryIndex

    report: dict[str, Any] = {"backends": {}}
    for backend in args.backends:
        work = Path(tempfile.mkdtemp(prefix="reportqa-build-bench-"))
        try:
            settings = load_settings({"data_dir": str(work / "var"), "models.embedder_backend": backend})
            emb = make_embeddings(settings)
            emb.encode_documents(["warm-up"])  # a first start loads the model too, but both backends do
            pipeline = make_pipeline(settings)
            cache_path = Path(args.cache) if args.cache else settings.embedding_cache_path
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            with EmbeddingCache(cache_path) as cache:
                if cache.count(emb.cache_key):
                    raise SystemExit(f"{cache_path} already holds {backend} vectors: not a first start")
                started, cpu = time.perf_counter(), time.process_time()
                result = LibraryIndex.build(settings.index_dir, settings.library_dir, embeddings=emb,
                                            pipeline=pipeline, cache=cache, progress=False)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                embedded = cache.count(emb.cache_key)
            evidence = getattr(result.index, "evidence", None)
            report["backends"][backend] = {
                "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "chunks": len(result.index),
                "texts_embedded": embedded, "evidence_units": len(evidence) if evidence is not None else 0,
                "texts_per_second": round(embedded / seconds, 2), "load_average": os.getloadavg()}
            print(f"{backend}: {report['backends'][backend]}", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if "torch" in report["backends"]:
        for row in report["backends"].values():
            row["speedup_vs_torch"] = round(report["backends"]["torch"]["seconds"] / row["seconds"], 2)
    return report


# --------------------------------------------------------------------------------------- speed
def speed(args: argparse.Namespace) -> dict[str, Any]:
    """Backends measured in turns: each round runs every backend once (the order rotates), so a
    change of load on the shared machine hits all of them; ratios are taken within a round."""
    from tokenizers import Tokenizer

    from index.library_index import LibraryIndex
    from reportqa.factory import make_retriever, open_index
    from reportqa.models import ModelRegistry

    base = load_settings()
    threads = args.threads or base.models.threads
    folder = ModelRegistry.from_settings(base).resolve(base.models.embedder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    dense_weights = sum(d["in_features"] * d["out_features"] for d in (
        json.loads((sub / "config.json").read_text(encoding="utf-8")) for sub in sorted(folder.glob("*_Dense"))))
    texts = evenly([c.embedding_text() for c in real_chunks()], args.speed_chunks)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    lengths = [len(e.ids) for e in tokenizer.encode_batch(["title: none | text: " + t for t in texts])]
    flops = sum(flops_per_text(config, dense_weights, n) for n in lengths)  # the whole sample
    questions = evenly(sorted({i["question"] for items in suite_items().values() for i in items}), args.queries)
    work = Path(tempfile.mkdtemp(prefix="reportqa-speed-bench-"))
    report: dict[str, Any] = {"threads": threads, "sample_chunks": len(texts), "mean_tokens": round(mean(lengths), 1),
                              "gflops_per_chunk": round(flops / len(texts) / 1e9, 3), "queries": len(questions),
                              "rounds": [], "backends": {}}
    try:
        searchers = {}
        for backend in args.backends:
            settings = load_settings({"data_dir": str(work / backend), "models.embedder_backend": backend,
                                      "models.threads": threads})
            if args.cache:
                settings.embedding_cache_path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(args.cache, settings.embedding_cache_path)
            emb = make_embeddings(settings)
            borrowed = args.borrow_vectors and backend != "torch"
            if borrowed:
                borrow_vectors(settings.embedding_cache_path, emb.cache_key,
                               make_embeddings(load_settings({"models.embedder_backend": "torch"})).cache_key)
            with EmbeddingCache(settings.embedding_cache_path) as cache:
                started = time.perf_counter()
                LibraryIndex.build(settings.index_dir, settings.library_dir, embeddings=emb,
                                   pipeline=make_pipeline(settings), cache=cache, progress=True)
                built = time.perf_counter() - started
            retriever = make_retriever(settings, open_index(settings))
            emb.encode_documents(texts[:2])  # models loaded and warm before any timing
            retriever.retrieve(questions[0])
            searchers[backend] = (emb, retriever)
            report["backends"][backend] = {"name": emb.name, "quantization": emb.quantization,
                                           "index_build_seconds": round(built, 1),
                                           "index_vectors": "torch's (timing only)" if borrowed else "its own"}
        for number in range(args.rounds):
            row: dict[str, Any] = {"peak_gflops": gemm_peaks(threads, seconds=1.0), "load_average": os.getloadavg()}
            order = args.backends[number % len(args.backends):] + args.backends[: number % len(args.backends)]
            for backend in order:
                emb, retriever = searchers[backend]
                started, cpu = time.perf_counter(), time.process_time()
                emb.encode_documents(texts)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                query_ms, search_ms = [], []
                for question in questions:
                    started = time.perf_counter()
                    fresh_query(emb, question)
                    query_ms.append(1000 * (time.perf_counter() - started))
                for question in questions:
                    with emb._queries_lock:
                        emb._queries.clear()
                    started = time.perf_counter()
                    retriever.retrieve(question)
                    search_ms.append(1000 * (time.perf_counter() - started))
                peak = row["peak_gflops"][peak_kind(emb.quantization)]
                row[backend] = {"chunks_per_second": round(len(texts) / seconds, 3),
                                "cpu_seconds_per_chunk": round(cpu / len(texts), 3),
                                "achieved_gflops": round(flops / seconds / 1e9, 2),
                                "fraction_of_peak": round(flops / seconds / 1e9 / peak, 4),
                                "query_p50_ms": round(percentile(query_ms, 50), 1),
                                "search_p50_ms": round(percentile(search_ms, 50), 1),
                                "query_ms": [round(v, 1) for v in query_ms], "search_ms": [round(v, 1) for v in search_ms]}
            report["rounds"].append(row)
            print(f"round {number + 1}: " + json.dumps({b: {k: v for k, v in row[b].items() if not k.endswith("_ms")
                                                            or "p50" in k} for b in order}), flush=True)
        for backend, summary in report["backends"].items():
            rows = [r[backend] for r in report["rounds"]]
            summary.update(
                chunks_per_second=float(np.median([r["chunks_per_second"] for r in rows])),
                cpu_seconds_per_chunk=float(np.median([r["cpu_seconds_per_chunk"] for r in rows])),
                fraction_of_peak=float(np.median([r["fraction_of_peak"] for r in rows])),
                query_p50_ms=round(percentile([v for r in rows for v in r["query_ms"]], 50), 1),
                query_p95_ms=round(percentile([v for r in rows for v in r["query_ms"]], 95), 1),
                search_p50_ms=round(percentile([v for r in rows for v in r["search_ms"]], 50), 1),
                search_p95_ms=round(percentile([v for r in rows for v in r["search_ms"]], 95), 1))
            if "torch" in report["backends"]:  # ratios within each round, then their median
                torch_rows = [r["torch"] for r in report["rounds"]]
                summary["doc_speed_vs_torch"] = round(float(np.median(
                    [r["chunks_per_second"] / t["chunks_per_second"] for r, t in zip(rows, torch_rows)])), 2)
                summary["query_p50_vs_torch"] = round(float(np.median(
                    [r["query_p50_ms"] / t["query_p50_ms"] for r, t in zip(rows, torch_rows)])), 3)
                summary["search_p50_vs_torch"] = round(float(np.median(
                    [r["search_p50_ms"] / t["search_p50_ms"] for r, t in zip(rows, torch_rows)])), 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def borrow_vectors(cache_path: Path, key: str, source_key: str) -> None:
    """File ``source_key``'s cached vectors under ``key`` too, so an index for a backend can be built
    without embedding the library with it: for timing searches only (a search costs the same
    whatever the stored values; recall is measured by ``quality`` on each backend's own vectors)."""
    import sqlite3

    with sqlite3.connect(cache_path) as db:
        db.execute("INSERT OR IGNORE INTO embeddings SELECT ?, text_sha256, dimension, vector FROM embeddings "
                   "WHERE fingerprint = ?", (key, source_key))


# --------------------------------------------------------------------------------- determinism
def vectors(args: argparse.Namespace) -> dict[str, Any]:
    """One process's vectors of a fixed sample (used by ``determinism``, in a child process)."""
    texts = evenly([c.embedding_text() for c in real_chunks()], args.speed_chunks)
    questions = evenly(sorted({i["question"] for items in suite_items().values() for i in items}), 16)
    emb = embedder(args.backends[0])
    np.save(args.vectors_out, np.concatenate([emb.encode_documents(texts),
                                              np.stack([fresh_query(emb, q) for q in questions])]))
    return {"backend": args.backends[0], "texts": len(texts), "questions": len(questions)}


def determinism(args: argparse.Namespace) -> dict[str, Any]:
    """The same sample embedded by two separate processes per backend: are the vectors identical?"""
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="reportqa-determinism-"))
    report: dict[str, Any] = {"backends": {}}
    try:
        for backend in args.backends:
            runs = []
            for run in range(2):
                out = work / f"{backend}-{run}.npy"
                subprocess.run([sys.executable, __file__, "vectors", "--backends", backend, "--speed-chunks",
                                str(args.speed_chunks), "--vectors-out", str(out), "--out", str(work / "v.json")],
                               check=True, stdout=subprocess.DEVNULL)
                runs.append(np.load(out))
            report["backends"][backend] = {"vectors": int(runs[0].shape[0]),
                                           "identical": bool(np.array_equal(runs[0], runs[1])),
                                           "max_abs_diff": float(np.abs(runs[0] - runs[1]).max())}
            print(f"{backend}: {report['backends'][backend]}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def batches(args: argparse.Namespace) -> dict[str, Any]:
    """Cost per question of encoding ``--questions`` dev questions in calls of each batch size:
    wall and CPU seconds (this process, all threads), per backend and torch thread count. What a
    burst of simultaneous chats costs the server at least (benchmarks/README.md, "Load")."""
    import torch

    questions = [item["question"] for item in suite_items()["dev"]][: args.questions]
    rows = []
    for backend in args.backends:
        emb = embedder(backend)
        emb._encode_query_batch(questions[:2])  # load and warm up
        for threads in args.threads_list:
            torch.set_num_threads(threads)
            for size in args.sizes:
                wall, cpu = time.perf_counter(), time.process_time()
                for start in range(0, len(questions), size):
                    emb._encode_query_batch(questions[start : start + size])
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                rows.append({"backend": backend, "threads": threads, "batch": size,
                             "wall_s_per_question": round(wall / len(questions), 4),
                             "cpu_s_per_question": round(cpu / len(questions), 4)})
                print(f"| {backend} | {threads} | {size} | {rows[-1]['wall_s_per_question']:.3f} | "
                      f"{rows[-1]['cpu_s_per_question']:.3f} |", flush=True)
    return {"questions": len(questions), "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {"quality": quality, "peak": peak, "build": build, "speed": speed, "determinism": determinism,
                "vectors": vectors, "batches": batches}
    for name in commands:
        p = sub.add_parser(name)
        p.add_argument("--backends", default="torch,onnx", type=lambda s: [b for b in s.split(",") if b])
        p.add_argument("--out", type=Path, default=None)
        p.add_argument("--speed-chunks", type=int, default=64)
        if name in ("quality", "speed", "build"):
            p.add_argument("--cache", type=Path, default=None,
                           help="embedding cache: to start from (quality, speed: copied) or to keep (build)")
        if name == "speed":
            p.add_argument("--rounds", type=int, default=3)
            p.add_argument("--queries", type=int, default=40, help="questions timed per round and backend")
            p.add_argument("--borrow-vectors", action="store_true",
                           help="index the other backends with torch's cached vectors (search timing only)")
        if name == "vectors":
            p.add_argument("--vectors-out", type=Path, required=True)
        if name == "quality":
            p.add_argument("--cosine-chunks", type=int, default=200)
            p.add_argument("--determinism-chunks", type=int, default=32, help="re-embedded in the same process (0: skip)")
            p.add_argument("--vectors-dir", type=Path, default=None,
                           help="keep each backend's vectors here; a later run reuses them instead of embedding")
            p.add_argument("--questions", type=int, default=None, help="at most this many questions (evenly spaced)")
            p.add_argument("--no-recall", dest="recall", action="store_false",
                           help="skip recall (embeds only the cosine sample; recall needs every chunk and question)")
        if name == "batches":
            p.add_argument("--questions", type=int, default=40)
            p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 8, 20])
            p.add_argument("--threads-list", type=lambda s: [int(x) for x in s.split(",")], default=[2, 1])
        if name in ("peak", "speed"):
            p.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    report = commands[args.command](args)
    report.update(command=args.command, cpu_count=os.cpu_count(), load_average=os.getloadavg(),
                  at=time.strftime("%Y-%m-%d %H:%M:%S"))
    out = args.out or REPO / "var" / "benchmarks" / f"embedder_{args.command}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
