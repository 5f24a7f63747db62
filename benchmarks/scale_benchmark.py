"""Dense and keyword search at 10k / 100k / 1M chunks on one machine, with synthetic data.

Usage::

    nice -n 19 python benchmarks/scale_benchmark.py [--sizes 10000,100000,1000000]
        [--configs flat,hnsw,hnsw-sq,ivf,milvus-flat,milvus-hnsw,bm25] [--queries 200]
        [--time-limit 1200] [--build-limit 900] [--centres 1000] [--parents 0]
        [--hnsw-m 32] [--hnsw-ef-construction 80] [--ef-search 16,32,...] [--nprobe 4,8,...]
        [--threads 1] [--work DIR] [--out FILE.json] [--log FILE]

Data: unit 768-d vectors drawn around ``--centres`` random unit centres (default 1,000; a centre
plus Gaussian noise of the same norm, so that neighbours have cosines of 0.4-0.6 as in a real
embedding space, where plain uniform random vectors would have none and make every approximate
index look bad). With as many IVF lists as centres (sqrt(n) lists at 1M) k-means finds the
centres and IVF is exact; more centres than lists (e.g. 100,000) put topics across list borders,
a harder case. With ``--parents P`` the topic centres themselves gather around P subjects
(sibling topics at cosine ~0.5, their chunks ~0.25): nested, as real embeddings are, where
independent topics give an index nothing to route by between them.
Queries are fresh draws from the same mixture (not corpus rows). Texts for BM25 are Zipf-drawn
two-character "words" (120 tokens per chunk, vocabulary of 60,000).

Every (size, configuration) runs in its own child process, so its peak memory (``ru_maxrss``)
is its own and at most one index is in memory at a time. The child is killed after
``--time-limit`` seconds (default 20 minutes); a killed build is reported with how far it got.

Configurations:

* ``flat``: FAISS ``IndexIDMap2(IndexFlatIP)``, today's dense index (exact: it is the ground truth).
* ``hnsw``: FAISS ``IndexHNSWFlat`` (``--hnsw-m``, ``--hnsw-ef-construction``; default 32 and 80),
  built by ``add`` in blocks of 10,000 rows, efSearch swept (``--ef-search``).
* ``hnsw-sq``: FAISS ``IndexHNSWSQ`` (8-bit scalar quantised vectors in the graph: a quarter of
  the memory), the same parameters, trained on the first block.
* ``ivf``: FAISS ``IndexIVFFlat`` (nlist = sqrt(n), trained on 32 rows per list, 10 k-means
  iterations), nprobe swept.
* ``milvus-flat`` / ``milvus-hnsw``: Milvus Lite (``pymilvus[milvus-lite]``) with a FLAT or HNSW
  (M=32, efConstruction=80) index, through ``MilvusClient`` exactly as ``index.milvus_store`` uses it.
* ``bm25``: bm25s over pre-tokenised ids (build, memory, top-10 search), plus the time of our
  jieba tokenizer on 2,000 texts so that tokenising n chunks can be extrapolated.

Reported per configuration: build seconds (wall and CPU), peak RSS, size on disk, single-query
search p50/p95 (k=10, wall and CPU) and recall@10 against exact search for every sweep point;
the load average at the start and end of each configuration. A child's progress (rows added,
rows per CPU second) goes to ``--log`` as it builds, so a long build can be extrapolated early.
``--threads`` sets FAISS's OpenMP threads for the build (searches always run on one thread, as
``index.dense_index`` runs a single query). Prints Markdown and writes JSON
(default ``var/benchmarks/scale.json``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DIM = 768
CENTRES = 1000
PARENTS = 0  # --parents replaces it: 0, topics independent of each other
BLOCK = 10_000  # rows generated per random block: the data never needs to be in memory twice
K = 10
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80  # --hnsw-m / --hnsw-ef-construction replace them
EF_SEARCH = (16, 32, 64, 128, 256)  # --ef-search replaces it
BUILD_THREADS = 1  # --threads replaces it
NPROBE = (4, 8, 16, 32, 64)
NPROBE_SWEEP = NPROBE  # --nprobe replaces it
BM25_TOKENS, BM25_VOCAB = 120, 60_000


# ----------------------------------------------------------------------------- synthetic data
@functools.cache
def _centres(count: int) -> np.ndarray:
    # Cached: drawn once per process, not once per block (50,000 centres are 38M draws).
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((count, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    if PARENTS:
        # Topics of a subject (--parents): each centre a parent plus noise of the same norm, so
        # sibling topics have cosines ~0.5 and their chunks ~0.25, unrelated ones ~0 (real
        # embeddings are nested like this; isotropic topics leave an index no route to follow).
        parents = rng.standard_normal((PARENTS, DIM)).astype(np.float32)
        parents /= np.linalg.norm(parents, axis=1, keepdims=True)
        centres = parents[np.arange(count) % PARENTS] + centres
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    return centres


def block(index: int, rows: int = BLOCK, *, seed: int = 1000) -> np.ndarray:
    """Rows ``[index*BLOCK, index*BLOCK+rows)`` of the synthetic corpus (the same every run)."""
    rng = np.random.default_rng(seed + index)
    centres = _centres(CENTRES)
    noise = rng.standard_normal((rows, DIM)).astype(np.float32) / np.sqrt(DIM)
    out = centres[rng.integers(0, CENTRES, rows)] + noise
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def corpus_blocks(n: int):
    for b in range((n + BLOCK - 1) // BLOCK):
        rows = min(BLOCK, n - b * BLOCK)
        yield b * BLOCK, block(b, rows)


def queries(count: int) -> np.ndarray:
    return block(0, count, seed=999_999)


class ExactTopK:
    """Exact top-K ids of the queries over the rows seen so far, block by block (memory: one
    block). A FAISS child feeds it the blocks it adds, so a build stopped at its limit is still
    searched against the truth over the rows it holds, at no cost of generating them again."""

    def __init__(self, q: np.ndarray):
        self.q = q
        self.scores = np.full((len(q), K), -np.inf, dtype=np.float32)
        self.ids = np.full((len(q), K), -1, dtype=np.int64)

    def add(self, start: int, rows: np.ndarray) -> None:
        scores = self.q @ rows.T
        ids = np.broadcast_to(np.arange(start, start + len(rows)), scores.shape)
        all_scores = np.concatenate([self.scores, scores], axis=1)
        all_ids = np.concatenate([self.ids, ids], axis=1)
        top = np.argsort(-all_scores, axis=1, kind="stable")[:, :K]
        self.scores = np.take_along_axis(all_scores, top, axis=1)
        self.ids = np.take_along_axis(all_ids, top, axis=1)


def ground_truth(n: int, q: np.ndarray) -> np.ndarray:
    """Exact top-K ids by streaming the corpus."""
    exact = ExactTopK(q)
    for start, rows in corpus_blocks(n):
        exact.add(start, rows)
    return exact.ids


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / K for f, t in zip(found, truth)]))


def percentiles(seconds: list[float], prefix: str = "") -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {f"{prefix}p50_ms": round(float(np.percentile(ms, 50)), 3),
            f"{prefix}p95_ms": round(float(np.percentile(ms, 95)), 3)}


def disk_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def rss_mb() -> float:
    """Resident memory now (Linux), to tell the data's share of a peak from the index's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def timed_searches(search, q: np.ndarray) -> tuple[list[np.ndarray], dict[str, float]]:
    search(q[0])  # warm-up
    found, seconds, cpu = [], [], []
    for row in q:
        started, cpu_started = time.perf_counter(), time.process_time()
        ids = search(row)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        found.append(np.asarray(ids))
    # CPU time next to wall time: on a shared, niced box the wall time is mostly waiting for a core.
    return found, {**percentiles(seconds), **percentiles(cpu, "cpu_")}


# ------------------------------------------------------------------------------ configurations
def run_faiss(kind: str, n: int, q: np.ndarray, work: Path, build_limit: float) -> dict[str, Any]:
    import faiss

    faiss.omp_set_num_threads(BUILD_THREADS)
    started, cpu_started = time.perf_counter(), time.process_time()
    if kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    elif kind in ("hnsw", "hnsw-sq"):
        if kind == "hnsw":
            graph = faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        else:
            graph = faiss.IndexHNSWSQ(DIM, faiss.ScalarQuantizer.QT_8bit, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            graph.train(block(0))
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index = faiss.IndexIDMap2(graph)
    else:
        nlist = max(16, int(np.sqrt(n)))
        quantizer = faiss.IndexFlatIP(DIM)
        ivf = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.niter = 10
        sample = np.concatenate([rows for _, rows in corpus_blocks(min(n, 32 * nlist))])
        ivf.train(sample)
        del sample
        index = faiss.IndexIDMap2(ivf)
    exact, stopped = ExactTopK(q), None
    for start, rows in corpus_blocks(n):
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if start and start % (10 * BLOCK) == 0:
            log(f"{kind} n={n}: {start:,} rows in {elapsed:.0f} s wall, {cpu:.0f} CPU s "
                f"({start / max(cpu, 1e-9):.0f} rows per CPU s), load {load()}")
        if elapsed > build_limit:
            stopped = partial(index.ntotal, n, elapsed, cpu)  # then searched as far as it got
            break
        index.add_with_ids(rows, np.arange(start, start + len(rows), dtype=np.int64))
        cpu_before = time.process_time()
        exact.add(start, rows)
        cpu_started += time.process_time() - cpu_before  # the truth is not the build's cost
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    truth = exact.ids
    path = work / f"{kind}-{n}.faiss"
    faiss.write_index(index, str(path))
    result: dict[str, Any] = {"build_s": round(build, 2), "build_cpu_s": round(build_cpu, 2),
                              "disk_mb": round(disk_bytes(path) / 2**20, 1), "threads": BUILD_THREADS}
    if kind.startswith("hnsw"):
        result.update(hnsw_m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION)
    if stopped is not None:
        result.update(stopped, searched_rows=int(index.ntotal))
    path.unlink()
    faiss.omp_set_num_threads(1)  # one query at a time, on one thread, as DenseIndex searches
    sweep = []
    settings = {"flat": [None], "hnsw": EF_SEARCH, "hnsw-sq": EF_SEARCH, "ivf": NPROBE_SWEEP}[kind]
    for value in settings:
        if kind.startswith("hnsw"):
            faiss.downcast_index(index.index).hnsw.efSearch = value
        elif kind == "ivf":
            faiss.extract_index_ivf(index).nprobe = value
        found, latency = timed_searches(lambda row: index.search(row[None, :], K)[1][0], q)
        sweep.append({"param": value, "recall@10": round(recall(found, truth), 4), **latency})
        log(f"{kind} n={n}: param {value}: {sweep[-1]}")
    result["sweep"] = sweep
    return result


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S ") + message, file=sys.stderr, flush=True)


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def partial(rows: int, n: int, seconds: float, cpu: float) -> dict[str, Any]:
    """A build stopped at its time limit: how far it got, and a linear extrapolation to ``n``
    (a lower bound for HNSW, whose insertion cost grows with log n)."""
    return {"partial": True, "rows_built": int(rows), "seconds": round(seconds, 1), "cpu_s": round(cpu, 1),
            "rows_per_s": round(rows / seconds, 1), "build_s_extrapolated": round(seconds * n / max(rows, 1), 0),
            "build_cpu_s_extrapolated": round(cpu * n / max(rows, 1), 0)}


def run_milvus(kind: str, n: int, q: np.ndarray, truth: np.ndarray, work: Path, build_limit: float) -> dict[str, Any]:
    from pymilvus import DataType, MilvusClient

    path = work / f"milvus-{kind}-{n}.db"
    client = MilvusClient(str(path))
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=DIM)
    params = client.prepare_index_params()
    if kind == "flat":
        params.add_index("dense", index_type="FLAT", metric_type="IP")
    else:
        params.add_index("dense", index_type="HNSW", metric_type="IP",
                         params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
    started, cpu_started = time.perf_counter(), time.process_time()
    client.create_collection("bench", schema=schema, index_params=params)
    inserted = 0
    for start, rows in corpus_blocks(n):
        if time.perf_counter() - started > build_limit:
            client.close()
            shutil.rmtree(path, ignore_errors=True)
            return partial(inserted, n, time.perf_counter() - started, time.process_time() - cpu_started)
        client.insert("bench", [{"id": start + i, "dense": row} for i, row in enumerate(rows)])
        inserted += len(rows)
        if inserted % (5 * BLOCK) == 0:
            cpu = time.process_time() - cpu_started
            log(f"milvus-{kind} n={n}: {inserted:,} rows in {time.perf_counter() - started:.0f} s wall, "
                f"{cpu:.0f} CPU s, load {load()}")
    inserting = time.process_time() - cpu_started
    client.flush("bench")
    client.load_collection("bench")  # Lite builds the index here
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    result: dict[str, Any] = {"build_s": round(build, 2), "build_cpu_s": round(build_cpu, 2), "rows": inserted,
                              "insert_cpu_s": round(inserting, 2),
                              "disk_mb": round(disk_bytes(path) / 2**20, 1)}
    sweep = []
    for value in ([None] if kind == "flat" else EF_SEARCH):
        search_params = {"metric_type": "IP", **({"params": {"ef": value}} if value else {})}

        def search(row):
            hits = client.search("bench", data=[row], anns_field="dense", limit=K, search_params=search_params)
            return [h["id"] for h in hits[0]]

        found, latency = timed_searches(search, q)
        sweep.append({"param": value, "recall@10": round(recall(found, truth), 4), **latency})
        log(f"milvus-{kind} n={n}: param {value}: {sweep[-1]}")
    result["sweep"] = sweep
    client.close()
    shutil.rmtree(path, ignore_errors=True)
    return result


def synthetic_tokens(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    # Zipf-like word frequencies, as in text: a few very common words, a long tail of rare ones.
    weights = 1.0 / np.arange(1, BM25_VOCAB + 1) ** 1.05
    weights /= weights.sum()
    rows = rng.choice(BM25_VOCAB, size=(n, BM25_TOKENS), p=weights).astype(np.int32)  # one draw: fast
    return list(rows)  # row views of one array, not n separate allocations


def run_bm25(n: int, q: np.ndarray, truth: np.ndarray, work: Path) -> dict[str, Any]:
    import bm25s

    sys.path.insert(0, str(REPO))
    from index.mixed_language_tokenizer import MixedLanguageTokenizer

    started = time.perf_counter()
    docs = synthetic_tokens(n)
    generate = time.perf_counter() - started
    vocab = {f"w{i}": i for i in range(BM25_VOCAB)}
    before_build = rss_mb()
    log(f"bm25 n={n}: {n:,} token lists generated in {generate:.0f} s, RSS {before_build} MB, load {load()}")
    started, cpu_started = time.perf_counter(), time.process_time()
    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenization.Tokenized(ids=docs, vocab=vocab), show_progress=False)
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # The index held for searching: bm25s's sparse matrix of precomputed scores (CSC arrays).
    held = sum(v.nbytes for v in bm25.scores.values() if isinstance(v, np.ndarray))
    log(f"bm25 n={n}: built in {build:.0f} s wall, {build_cpu:.0f} CPU s, peak RSS {peak_rss_mb()} MB, load {load()}")
    path = work / f"bm25-{n}"
    bm25.save(path, allow_pickle=False, show_progress=False)
    disk = disk_bytes(path)
    shutil.rmtree(path, ignore_errors=True)
    del docs
    rng = np.random.default_rng(11)
    seconds, cpu = [], []
    for _ in range(len(q)):
        words = rng.integers(0, 5000, 4).tolist()  # 4 words of moderate frequency per question
        started, cpu_started = time.perf_counter(), time.process_time()
        scores = bm25.get_scores_from_ids(words)  # what BM25Index.scores does: every chunk scored
        np.argpartition(-scores, K)[:K]
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    # Our jieba tokenizer on chunk-sized Chinese text (the real library's first report, repeated).
    tokenizer = MixedLanguageTokenizer()
    sample = next((REPO / "data" / "reports").glob("*.txt"), None)
    text = sample.read_text(encoding="utf-8") if sample else "研发投入增长百分之二十 revenue grew " * 40
    pieces = [text[i : i + 350] for i in range(0, max(len(text) - 350, 1), 350)][:2000] or [text[:350]]
    tokenizer(pieces[0])
    started = time.process_time()  # CPU time: wall time on a loaded box was 20x more
    for piece in pieces:
        tokenizer(piece)
    per_text = (time.process_time() - started) / len(pieces)
    return {"generate_s": round(generate, 2), "build_s": round(build, 2), "build_cpu_s": round(build_cpu, 2),
            "rss_before_build_mb": before_build, "index_arrays_mb": round(held / 2**20, 1),
            "disk_mb": round(disk / 2**20, 1), **percentiles(seconds), **percentiles(cpu, "cpu_"),
            "tokenize_cpu_ms_per_chunk": round(per_text * 1000, 3),
            "tokenize_cpu_s_estimated": round(per_text * n, 1)}


# ------------------------------------------------------------------------------------- driver
def child(config: str, n: int, queries_path: Path, truth_path: Path, work: Path, build_limit: float) -> dict[str, Any]:
    import faiss

    # One thread unless --threads: on a shared 2-core box OpenMP's spinning threads made a 10k
    # flat query 7x slower (24 ms against 3.3 ms p50) and a 10k HNSW build take 180 s.
    faiss.omp_set_num_threads(1)
    q, truth = np.load(queries_path), np.load(truth_path)
    log(f"{config} n={n}: start, load {load()}")
    if config in ("flat", "hnsw", "hnsw-sq", "ivf"):
        result = run_faiss(config, n, q, work, build_limit)
    elif config.startswith("milvus-"):
        result = run_milvus(config.removeprefix("milvus-"), n, q, truth, work, build_limit)
    elif config == "bm25":
        result = run_bm25(n, q, truth, work)
    else:
        raise ValueError(f"unknown configuration {config!r}")
    result["peak_rss_mb"] = peak_rss_mb()
    log(f"{config} n={n}: done, load {load()}")
    return result


def main(argv: list[str] | None = None) -> int:
    global CENTRES, PARENTS, NPROBE_SWEEP, HNSW_M, HNSW_EF_CONSTRUCTION, EF_SEARCH, BUILD_THREADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--configs", default="flat,hnsw,ivf,milvus-flat,milvus-hnsw,bm25")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--build-limit", type=float, default=900.0,
                        help="seconds a build may take; a longer one stops and is extrapolated")
    parser.add_argument("--time-limit", type=float, default=1500.0, help="seconds per configuration, all in")
    # Options a child needs too (forwarded to it as given):
    shared = [("--nprobe", ",".join(map(str, NPROBE)), "IVF nprobe values to sweep"),
              ("--ef-search", ",".join(map(str, EF_SEARCH)), "HNSW efSearch values to sweep"),
              ("--hnsw-m", str(HNSW_M), "HNSW links per node (M)"),
              ("--hnsw-ef-construction", str(HNSW_EF_CONSTRUCTION), "HNSW efConstruction"),
              ("--threads", str(BUILD_THREADS), "FAISS OpenMP threads while building"),
              ("--centres", str(CENTRES), "topics the synthetic vectors gather around"),
              ("--parents", str(PARENTS), "subjects the topics gather around (0: none)")]
    for flag, default, help_text in shared:
        parser.add_argument(flag, default=default, help=help_text)
    parser.add_argument("--work", type=Path, default=None, help="scratch dir (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "benchmarks" / "scale.json")
    parser.add_argument("--log", type=Path, default=None, help="children's progress lines (default: stderr)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    CENTRES, PARENTS = int(args.centres), int(args.parents)
    NPROBE_SWEEP = tuple(int(v) for v in args.nprobe.split(","))
    EF_SEARCH = tuple(int(v) for v in args.ef_search.split(","))
    HNSW_M, HNSW_EF_CONSTRUCTION = int(args.hnsw_m), int(args.hnsw_ef_construction)
    BUILD_THREADS = int(args.threads)
    if args.child:
        config, n, qp, tp, work = args.child
        print(json.dumps(child(config, int(n), Path(qp), Path(tp), Path(work), args.build_limit)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="scale-", dir=args.work))
    q = queries(args.queries)
    qp = work / "queries.npy"
    np.save(qp, q)
    forwarded = [item for flag, _, _ in shared for item in (flag, str(getattr(args, flag[2:].replace("-", "_"))))]
    results: list[dict[str, Any]] = []
    for n in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        # FAISS children compute their own truth as they add rows; Milvus needs it from here.
        milvus = [c for c in args.configs.split(",") if c.startswith("milvus-")]
        truth = ground_truth(n, q) if milvus else np.zeros((len(q), K), dtype=np.int64)
        tp = work / f"truth-{n}.npy"
        np.save(tp, truth)
        log(f"n={n}: exact ground truth in {time.perf_counter() - started:.1f} s")
        for config in args.configs.split(","):
            command = [sys.executable, __file__, "--build-limit", str(args.build_limit), *forwarded,
                       "--child", config, str(n), str(qp), str(tp), str(work)]
            started = time.perf_counter()
            row: dict[str, Any] = {"n": n, "config": config, "load_before": load()}
            progress = args.log.open("a") if args.log else None
            try:
                done = subprocess.run(command, stdout=subprocess.PIPE, stderr=progress, text=True,
                                      timeout=args.time_limit,
                                      env={**os.environ, "OMP_NUM_THREADS": args.threads})  # Milvus Lite's FAISS too
                if done.returncode == 0:
                    row.update(json.loads(done.stdout.strip().splitlines()[-1]))
                else:
                    row["error"] = f"exit {done.returncode} (see the progress log)"
            except subprocess.TimeoutExpired:
                row["error"] = f"stopped after the {args.time_limit:.0f} s limit"
            finally:
                if progress:
                    progress.close()
            row["wall_s"] = round(time.perf_counter() - started, 1)
            row["load_after"] = load()
            results.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            for leftover in work.glob("milvus-*"):
                shutil.rmtree(leftover, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "centres": CENTRES,
                                    "parents": PARENTS, "queries": args.queries, "results": results}, indent=2) + "\n")
    print(markdown(results))
    shutil.rmtree(work, ignore_errors=True)
    return 0


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| n | configuration | load 1/5/15 min, start -> end | build s (CPU s) | peak RSS MB | disk MB | param "
             "| recall@10 | p50 ms (CPU) | p95 ms (CPU) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        head = (f"| {row['n']:,} | {row['config']} | {row.get('load_before', '-')} -> {row.get('load_after', '-')} "
                f"| {row.get('build_s', '-')} ({row.get('build_cpu_s', '-')}) "
                f"| {row.get('peak_rss_mb', '-')} | {row.get('disk_mb', '-')} ")
        if "error" in row:
            lines.append(head + f"| {row['error']} | | | |")
        elif row.get("partial") and "sweep" not in row:
            lines.append(head + f"| stopped: {row['rows_built']:,} rows in {row['seconds']} s ({row['cpu_s']} CPU s); "
                                f"full build >= {row['build_cpu_s_extrapolated']} CPU s (extrapolated) | | | |")
        elif row["config"] == "bm25":
            lines.append(head + f"| tokenising: {row['tokenize_cpu_s_estimated']} CPU s (est.) | - | {row['p50_ms']} "
                                f"({row.get('cpu_p50_ms', '-')}) | {row['p95_ms']} ({row.get('cpu_p95_ms', '-')}) |")
        else:
            if row.get("partial"):  # stopped at its limit: searched over the rows it holds
                head = head.replace(f"| {row['config']} |", f"| {row['config']}, stopped at {row['rows_built']:,} rows "
                                    f"(full build ~{row['build_cpu_s_extrapolated']} CPU s, linear) |", 1)
            for point in row["sweep"]:
                lines.append(head + f"| {point['param'] or '-'} | {point['recall@10']} | {point['p50_ms']} "
                                    f"({point.get('cpu_p50_ms', '-')}) | {point['p95_ms']} ({point.get('cpu_p95_ms', '-')}) |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
