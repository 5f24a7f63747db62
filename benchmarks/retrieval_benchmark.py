"""Retrieval quality, index build/update cost and search latency on the dev set.

Usage::

    python benchmarks/retrieval_benchmark.py [--out FILE.json] [--warm-cache | --cache FILE]
        [--chunk-sizes 250/60,350/80,500/100] [--bm25-zh-weights 0,0.3,0.5,0.7,1]
        [--rrf-ks 20,60] [--candidates 10,30,100] [--quality-only]

Steps (all in a temporary data dir, the real ``var/`` is never touched):

1. For each chunking (the configured one first), a full build of ``data/reports``. The first
   is cold (empty embedding cache) unless ``--warm-cache`` copies the configured cache or
   ``--cache`` names a cache file to use and grow (so a sweep embeds each chunking once).
2. Quality per chunking: Recall@1/5/10, Hit@5 and MRR@10 per language on the answerable dev
   questions (``evals/datasets/reports_dev.jsonl``) for dense only (the baseline of every
   ratio), RRF with equal weights, and language-weighted RRF for every Chinese BM25 weight x
   rrf_k x candidates asked for. Relevance is ``evals.metrics.retrieval``'s rule (same
   document, and a common substring of min(20, 60 % of the quote) characters after NFKC
   folding and whitespace removal).
3. Latency (configured settings; skipped with ``--quality-only``): warm ``retrieve()`` p50/p95
   over the dev questions, next to the raw ``encode_query`` time measured in the same run
   (ratios remove machine speed).
4. Incremental updates (idem): with nothing changed (no source may be read again), then change
   one report (its text is edited), then add one report; the number of chunks re-embedded is
   reported and checked against the chunks that changed.

Prints a Markdown summary and writes the JSON (default ``var/benchmarks/retrieval.json``).
"""

from __future__ import annotations

import argparse
import json
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
from index.embedding_cache import EmbeddingCache  # noqa: E402
from index.embeddings.base import VectorEmbeddings  # noqa: E402
from index.hybrid_retriever import HybridRetriever  # noqa: E402
from index.library_index import LibraryIndex  # noqa: E402
from reportqa.factory import make_embeddings, make_pipeline  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DATASET = REPO / "evals" / "datasets" / "reports_dev.jsonl"
KS = (1, 5, 10)


class MemoQueries(VectorEmbeddings):
    """Embeds each question once across the fusion variants (quality runs only, not latency)."""

    def __init__(self, inner: VectorEmbeddings):
        super().__init__(name=inner.name, fingerprint=inner.fingerprint)
        self.inner = inner
        self._memo: dict[str, np.ndarray] = {}

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def _encode_documents(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_documents(texts)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            if text not in self._memo:
                self._memo[text] = self.inner.encode_query(text)
        return np.stack([self._memo[t] for t in texts])


def variants(settings, zh_weights, rrf_ks, candidates) -> dict[str, dict[str, Any]]:
    """The fusion variants to score: dense only (the baseline every ratio refers to), plain
    RRF, and language-weighted RRF for every Chinese BM25 weight x rrf_k x candidates asked for
    (English BM25 keeps the configured weight)."""
    en = settings.retrieval.bm25_weight_en
    out: dict[str, dict[str, Any]] = {
        "dense only": {"bm25_weight_zh": 0.0, "bm25_weight_en": 0.0},
        "RRF equal weights": {"bm25_weight_zh": 1.0, "bm25_weight_en": 1.0},
    }
    for zh in zh_weights:
        for rrf_k in rrf_ks:
            for depth in candidates:
                out[f"RRF zh {zh:g} en {en:g} k{rrf_k} c{depth}"] = {
                    "bm25_weight_zh": zh, "bm25_weight_en": en, "rrf_k": rrf_k, "candidates": depth}
    return out


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _chunkings(text: str, settings) -> list[tuple[int, int]]:
    """``350/80,500`` -> [(350, 80), (500, overlap at the configured overlap/size ratio)]."""
    ratio = settings.ingest.chunk_overlap / settings.ingest.chunk_size
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        size, _, overlap = part.partition("/")
        out.append((int(size), int(overlap) if overlap else round(int(size) * ratio)))
    return out


def load_items() -> list[dict[str, Any]]:
    items = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [item for item in items if item["evidence"]]  # unanswerable items have no evidence


def evaluate(retriever: HybridRetriever, items: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    per_lang: dict[str, list[dict[str, float]]] = {}
    for item in items:
        results = retriever.retrieve(item["question"], k=max(KS))
        passages = [Passage(doc_id=r.chunk.doc_id, text=r.chunk.text) for r in results]
        evidence = [Evidence(doc=e["doc"], quote=e["quote"]) for e in item["evidence"]]
        scores = retrieval_scores(passages, evidence, ks=KS)
        per_lang.setdefault(item["lang"], []).append(scores)
        per_lang.setdefault("all", []).append(scores)
    keys = [f"recall@{k}" for k in KS] + ["hit@5", f"mrr@{max(KS)}"]
    return {lang: {"n": len(rows), **{key: mean(r[key] for r in rows) for key in keys}}
            for lang, rows in sorted(per_lang.items())}


def latency(retriever: HybridRetriever, embeddings: VectorEmbeddings, items) -> dict[str, Any]:
    questions = [item["question"] for item in items]
    retriever.retrieve(questions[0])  # warm-up: model, jieba and FAISS are loaded before timing
    embed, search = [], []
    for question in questions:
        start = time.perf_counter()
        embeddings.encode_query(question)
        embed.append(time.perf_counter() - start)
        start = time.perf_counter()
        retriever.retrieve(question)
        search.append(time.perf_counter() - start)
    row = {"n": len(questions)}
    for name, values in (("embed_query", embed), ("search", search)):
        for q in (50, 95):
            row[f"{name}_p{q}_ms"] = round(1000 * percentile(values, q), 2)
    row["search_over_embed_p50"] = round(row["search_p50_ms"] / row["embed_query_p50_ms"], 3)
    row["search_over_embed_p95"] = round(row["search_p95_ms"] / row["embed_query_p95_ms"], 3)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "var" / "benchmarks" / "retrieval.json")
    parser.add_argument("--warm-cache", action="store_true",
                        help="start from a copy of the configured embedding cache (build time is then not cold)")
    parser.add_argument("--cache", type=Path, default=None, metavar="FILE",
                        help="use and grow this embedding cache file (e.g. a copy of var's) so that a sweep "
                             "embeds each chunking once across runs")
    parser.add_argument("--chunk-sizes", default=None, metavar="SIZE[/OVERLAP],...",
                        help="chunkings to compare, e.g. 250/60,350/80,500/100 (default: the configured one)")
    parser.add_argument("--bm25-zh-weights", default=None, metavar="W,...",
                        help="Chinese BM25 weights to sweep, e.g. 0,0.3,0.5,0.7,1 (default: the configured one)")
    parser.add_argument("--rrf-ks", default=None, metavar="K,...", help="RRF k values to sweep (default: configured)")
    parser.add_argument("--candidates", default=None, metavar="N,...",
                        help="per-ranking candidate depths to sweep (default: configured)")
    parser.add_argument("--quality-only", action="store_true",
                        help="skip the latency and incremental-update measurements (sweeps)")
    args = parser.parse_args(argv)

    base = load_settings()
    configured = (base.ingest.chunk_size, base.ingest.chunk_overlap)
    chunkings = _chunkings(args.chunk_sizes, base) if args.chunk_sizes else [configured]
    # The configured chunking goes first: it is the one whose build time, latency and updates are
    # measured, and with a cold cache its build is then really cold.
    chunkings = [configured] * (configured in chunkings or not args.quality_only) + [
        c for c in chunkings if c != configured]
    zh_weights = _floats(args.bm25_zh_weights) if args.bm25_zh_weights else [base.retrieval.bm25_weight_zh]
    rrf_ks = _ints(args.rrf_ks) if args.rrf_ks else [base.retrieval.rrf_k]
    depths = _ints(args.candidates) if args.candidates else [base.retrieval.candidates]

    work = Path(tempfile.mkdtemp(prefix="reportqa-bench-"))
    try:
        library = work / "reports"
        shutil.copytree(base.library_dir, library)
        settings = load_settings({"data_dir": str(work / "var"), "library_dir": str(library)})
        settings.data_dir.mkdir(parents=True)
        if args.warm_cache and base.embedding_cache_path.is_file():
            shutil.copy(base.embedding_cache_path, settings.embedding_cache_path)
        embeddings = make_embeddings(settings)
        # One cache for every chunking of the run (and of later runs with --cache).
        cache = EmbeddingCache(args.cache or settings.embedding_cache_path)
        report: dict[str, Any] = {"embedder": embeddings.name, "dataset": str(DATASET.relative_to(REPO)),
                                  "retrieval": settings.retrieval.model_dump(),
                                  "ingest": settings.ingest.model_dump(), "runs": []}
        items = load_items()
        memo = MemoQueries(embeddings)
        fusions = variants(settings, zh_weights, rrf_ks, depths)
        measured = None
        for number, (size, overlap) in enumerate(chunkings):
            run_settings = load_settings({"data_dir": str(work / f"var-{size}-{overlap}"),
                                          "library_dir": str(library), "ingest.chunk_size": size,
                                          "ingest.chunk_overlap": overlap})
            pipeline = make_pipeline(run_settings)
            build = LibraryIndex.build(run_settings.index_dir, library, embeddings=embeddings,
                                       pipeline=pipeline, cache=cache, progress=True)
            index = build.index
            chunk_chars = [len(c.text) for c in index.chunks]
            run: dict[str, Any] = {
                "chunk_size": size, "chunk_overlap": overlap,
                "build": {"cold_cache": not (args.warm_cache or args.cache) and number == 0, "seconds": round(build.seconds, 2),
                          "documents": len(index.manifest.documents), "chunks": len(index),
                          "mean_chunk_chars": round(mean(chunk_chars), 1),
                          "chunks_embedded": build.chunks_embedded,
                          "chunks_per_second": round(build.chunks_embedded / build.seconds, 3)},
            }
            options = {"k": max(KS), "candidates": settings.retrieval.candidates, "rrf_k": settings.retrieval.rrf_k}
            run["quality"] = {name: evaluate(HybridRetriever(index=index, embeddings=memo, **{**options, **fusion}),
                                             items)
                              for name, fusion in fusions.items()}
            report["runs"].append(run)
            if (size, overlap) == configured and not args.quality_only:
                measured = (run_settings, pipeline, index)
            else:
                index.close()
        if measured is not None:  # last, because the update test edits the library
            run_settings, pipeline, index = measured
            shipped = HybridRetriever(index=index, embeddings=embeddings, **options,
                                      bm25_weight_zh=settings.retrieval.bm25_weight_zh,
                                      bm25_weight_en=settings.retrieval.bm25_weight_en)
            report["latency"] = latency(shipped, embeddings, items)
            report["updates"] = updates(run_settings, library, embeddings, pipeline, cache)
            index.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(markdown(report))
    print(f"\nJSON written to {args.out}")
    return 0


def updates(settings, library: Path, embeddings, pipeline, cache) -> dict[str, Any]:
    """Time an update with nothing changed, after editing one report and after adding one;
    check what got read and embedded."""
    out: dict[str, Any] = {}
    same = LibraryIndex.update(settings.index_dir, library, embeddings=embeddings, pipeline=pipeline,
                               cache=cache, progress=False)
    out["nothing_changed"] = {"seconds": round(same.seconds, 2), "chunks_embedded": same.chunks_embedded,
                              "not_read": len(same.not_read),
                              "ok": same.chunks_embedded == 0 and not same.written
                              and len(same.not_read) == len(list(library.glob("*.txt")))}
    before = LibraryIndex.open(settings.index_dir)
    known = {c.embedding_text() for c in before.chunks}
    target = sorted(library.glob("*.txt"))[-1]
    # Edit the middle of the report: one paragraph changes, the rest must come from the cache.
    text = target.read_text(encoding="utf-8")
    cut = text.index("\n", len(text) // 2)
    target.write_text(text[:cut] + "\n本段为基准测试插入的修订说明，用于检验增量更新。\n" + text[cut:], encoding="utf-8")
    changed = LibraryIndex.update(settings.index_dir, library, embeddings=embeddings, pipeline=pipeline,
                                  cache=cache, progress=False)
    new_texts = {c.embedding_text() for c in changed.index.chunks if c.doc_id == target.stem} - known
    out["change_one_report"] = {"doc_id": target.stem, "seconds": round(changed.seconds, 2),
                                "chunks_embedded": changed.chunks_embedded,
                                "chunks_with_new_text": len(new_texts),
                                "doc_chunks": sum(c.doc_id == target.stem for c in changed.index.chunks),
                                "ok": changed.chunks_embedded == len(new_texts) and changed.changed == [target.stem]}
    # A new report: the smallest one under a new id and title, so none of its chunk texts
    # (title > section, then text) is in the cache yet.
    source = min(library.glob("*.txt"), key=lambda p: p.stat().st_size)
    added_path = library / "900_benchmark_added.txt"
    shutil.copy(source, added_path)
    (library / "900_benchmark_added.meta.json").write_text(
        json.dumps({"title": "基准测试新增报告"}, ensure_ascii=False), encoding="utf-8")
    added = LibraryIndex.update(settings.index_dir, library, embeddings=embeddings, pipeline=pipeline,
                                cache=cache, progress=False)
    added_chunks = sum(c.doc_id == added_path.stem for c in added.index.chunks)
    out["add_one_report"] = {"doc_id": added_path.stem, "seconds": round(added.seconds, 2),
                             "chunks_embedded": added.chunks_embedded, "doc_chunks": added_chunks,
                             "ok": added.chunks_embedded == added_chunks and added.added == [added_path.stem]}
    return out


def markdown(report: dict[str, Any]) -> str:
    lines = [f"## Retrieval benchmark ({report['embedder']}, {report['dataset']})", ""]
    for run in report["runs"]:
        b = run["build"]
        lines.append(f"Chunks {run['chunk_size']}/{run['chunk_overlap']}: build "
                     f"({'cold' if b['cold_cache'] else 'warm'} cache) {b['seconds']} s for "
                     f"{b['documents']} documents / {b['chunks']} chunks (mean {b['mean_chunk_chars']} chars; "
                     f"{b['chunks_embedded']} embedded, {b['chunks_per_second']} chunks/s)")
    for name, u in report.get("updates", {}).items():
        if "not_read" in u:
            lines.append(f"Update, {name.replace('_', ' ')}: {u['seconds']} s, {u['not_read']} sources not read again, "
                         f"{u['chunks_embedded']} chunks embedded (check {'ok' if u['ok'] else 'FAILED'})")
            continue
        lines.append(f"Update, {name.replace('_', ' ')}: {u['seconds']} s, {u['chunks_embedded']} chunks embedded "
                     f"(report has {u['doc_chunks']} chunks; check {'ok' if u['ok'] else 'FAILED'})")
    lines += ["", "Ratios are against dense only on the same chunks, measured in the same run.", "",
              "| chunks | variant | lang | n | R@1 | R@5 | R@10 | Hit@5 | MRR@10 | R@5 / dense | MRR / dense |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        baseline = run["quality"]["dense only"]
        for name, by_lang in run["quality"].items():
            for lang, m in by_lang.items():
                d = baseline[lang]
                lines.append(
                    f"| {run['chunk_size']}/{run['chunk_overlap']} | {name} | {lang} | {m['n']} | "
                    f"{m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['recall@10']:.3f} | {m['hit@5']:.3f} | "
                    f"{m['mrr@10']:.3f} | {m['recall@5'] / d['recall@5']:.3f} | {m['mrr@10'] / d['mrr@10']:.3f} |")
    if "latency" in report:
        lt = report["latency"]
        lines += ["", "| warm latency (n={}) | p50 ms | p95 ms |".format(lt["n"]), "|---|---|---|",
                  f"| embed_query (baseline) | {lt['embed_query_p50_ms']} | {lt['embed_query_p95_ms']} |",
                  f"| retrieve (shipped fusion) | {lt['search_p50_ms']} | {lt['search_p95_ms']} |",
                  f"| ratio retrieve / embed_query | {lt['search_over_embed_p50']} | {lt['search_over_embed_p95']} |"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
