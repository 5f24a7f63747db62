"""Do FAISS + bm25s and Milvus return the same top 10 on the dev questions?

Usage::

    python benchmarks/store_parity_benchmark.py [--milvus-uri PATH.db | http://host:19530]
        [--cache FILE] [--out FILE.json]

Builds ``data/reports`` once with the configured embedder and chunker into the FAISS store
(vectors from ``--cache``, default a copy of ``var/embedding_cache.sqlite``, so nothing needs
embedding when it is warm), copies it into Milvus (Lite in a temporary folder unless
``--milvus-uri``) and compares, for every dev question: dense top 10 (FAISS flat against Milvus
FLAT), BM25 top 10 (bm25s with ``MixedLanguageTokenizer`` against Milvus's BM25 over jieba) and
the fused top 10 of ``HybridRetriever`` with the configured weights. Prints a Markdown summary
and writes JSON (default ``var/benchmarks/store_parity.json``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from index.embedding_cache import EmbeddingCache  # noqa: E402
from index.library_index import LibraryIndex  # noqa: E402
from index.store_config import StoreConfig  # noqa: E402
from reportqa.factory import make_embeddings, make_pipeline, make_retriever  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DATASET = REPO / "evals" / "datasets" / "reports_dev.jsonl"
K = 10


def overlap(a: list[int], b: list[int]) -> float:
    return len(set(a) & set(b)) / max(len(a), len(b), 1)


def compare(faiss_index: LibraryIndex, milvus_index: LibraryIndex, settings: Any, questions: list[dict]) -> list[dict]:
    embeddings = make_embeddings(settings)
    faiss_retriever, milvus_retriever = make_retriever(settings, faiss_index), make_retriever(settings, milvus_index)
    rows = []
    for item in questions:
        question = item["question"]
        vector = embeddings.encode_query(question)
        dense_f = faiss_index.dense_search(vector, K)[1].tolist()
        dense_m = milvus_index.dense_search(vector, K)[1].tolist()
        bm25_f = faiss_index.bm25_search(question, K)[1].tolist()
        bm25_m = milvus_index.bm25_search(question, K)[1].tolist()
        fused_f = [faiss_index.chunks.index(r.chunk) for r in faiss_retriever.retrieve(question, k=K)]
        fused_m = [milvus_index.chunks.index(r.chunk) for r in milvus_retriever.retrieve(question, k=K)]
        rows.append({
            "id": item["id"], "lang": item["lang"],
            "dense_identical": dense_f == dense_m, "dense_same_set": set(dense_f) == set(dense_m),
            "bm25_overlap": overlap(bm25_f, bm25_m), "bm25_identical": bm25_f == bm25_m,
            "fused_overlap": overlap(fused_f, fused_m), "fused_identical": fused_f == fused_m,
            "fused_top5_same_set": set(fused_f[:5]) == set(fused_m[:5]),
        })
    return rows


def summary(rows: list[dict]) -> str:
    lines = ["| questions | dense top 10 identical | BM25 top 10 identical | BM25 overlap@10 | fused top 10 identical "
             "| fused top 5 same set | fused overlap@10 |", "|---|---|---|---|---|---|---|"]
    for lang in ("zh", "en", None):
        part = [r for r in rows if lang is None or r["lang"] == lang]
        if not part:
            continue
        n = len(part)

        def share(key: str) -> str:
            return f"{sum(r[key] for r in part)}/{n}"

        def mean(key: str) -> str:
            return f"{sum(r[key] for r in part) / n:.3f}"

        lines.append(f"| {lang or 'all'} ({n}) | {share('dense_identical')} | {share('bm25_identical')} | "
                     f"{mean('bm25_overlap')} | {share('fused_identical')} | {share('fused_top5_same_set')} | "
                     f"{mean('fused_overlap')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--milvus-uri", default=None)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache to use (default: a copy of var's)")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "benchmarks" / "store_parity.json")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="parity-"))
    try:
        base = load_settings()
        cache_path = args.cache
        if cache_path is None:
            cache_path = work / "cache.sqlite"
            if base.embedding_cache_path.is_file():
                shutil.copy(base.embedding_cache_path, cache_path)
        settings = load_settings({"data_dir": str(work / "data")})
        with EmbeddingCache(cache_path) as cache:
            built = LibraryIndex.build(settings.index_dir, settings.library_dir, embeddings=make_embeddings(settings),
                                       pipeline=make_pipeline(settings), cache=cache, progress=False)
        print(f"built: {built.summary()}", file=sys.stderr)
        milvus = StoreConfig(store="milvus", milvus_uri=args.milvus_uri or str(work / "milvus.db"))
        copied = LibraryIndex.copy(settings.index_dir, to=milvus, dest=work / "milvus-index")
        questions = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = compare(built.index, copied, settings, questions)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"chunks": len(built.index), "rows": rows}, indent=2) + "\n")
        print(summary(rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
