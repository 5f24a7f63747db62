"""Do FAISS + bm25s and Milvus return the same top 10 on the dev questions?

Usage::

    python benchmarks/store_parity_benchmark.py [--milvus-uri PATH.db | http://host:19530]
        [--cache FILE] [--out FILE.json]

``--bm25-only`` runs just the BM25 decomposition (``bm25_decomposition``: Milvus Lite's scorer
in this process over our tokens and over its analyzer's, no collection), in seconds.

Builds ``data/reports`` once with the configured embedder and chunker into the FAISS store
(vectors from ``--cache``, default a copy of ``var/embedding_cache.sqlite``, so nothing needs
embedding when it is warm), copies it into Milvus (Lite in a temporary folder unless
``--milvus-uri``) and compares, for every dev question: dense top 10 (FAISS flat against Milvus
FLAT), BM25 top 10 (bm25s with ``MixedLanguageTokenizer`` against Milvus's BM25 over jieba) and
the fused top 10 of ``HybridRetriever`` with the configured weights, and Recall@1/@5 of that
retriever on each store (the answerable questions; ``evals.metrics.retrieval``'s relevance
rule), so that the cost of switching stores is a number. Every difference gets a
measured explanation (``explain_dense`` / ``explain_bm25`` / ``explain_fused``): equal cosines
in another order or at rank 10, another query tokenisation (our tokenizer against Milvus's
analyzer, both run on the question), or other BM25 scores for the same tokens. Prints a Markdown
summary and writes JSON (default ``var/benchmarks/store_parity.json``).
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

from evals.metrics.retrieval import Evidence, Passage, retrieval_scores  # noqa: E402
from index.embedding_cache import EmbeddingCache  # noqa: E402
from index.library_index import LibraryIndex  # noqa: E402
from index.store_config import StoreConfig  # noqa: E402
from reportqa.factory import make_embeddings, make_pipeline, make_retriever  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DATASET = REPO / "evals" / "datasets" / "reports_dev.jsonl"
K = 10
RECALL_KS = (1, 5)
TIE = 1e-5  # cosines this close are equal: float32 sums in another order differ by ~1e-7
# BM25 scores this close (relative to the best) are equal: bm25s sums float32, Milvus Lite float64.
BM25_TIE = 1e-4


def overlap(a: list[int], b: list[int]) -> float:
    return len(set(a) & set(b)) / max(len(a), len(b), 1)


def explain_dense(faiss_index: LibraryIndex, vector: Any, faiss: tuple, milvus: tuple) -> dict | None:
    """Why two dense top-k lists differ, measured with FAISS's exact cosines of both lists."""
    (scores_f, ids_f), (scores_m, ids_m) = faiss, milvus
    if ids_f == ids_m:
        return None
    union = sorted(set(ids_f) | set(ids_m))
    exact = dict(zip(union, faiss_index.dense_scores(vector, union).tolist()))
    score_gap = max(abs(exact[p] - s) for p, s in zip(ids_m, scores_m))  # Milvus's cosine vs FAISS's
    only = set(ids_f) ^ set(ids_m)
    tenth = scores_f[-1]
    if only and all(abs(exact[p] - tenth) <= TIE for p in only):
        kind = "tie at rank 10"
    elif not only and all(abs(exact[a] - exact[b]) <= TIE for a, b in zip(ids_f, ids_m) if a != b):
        kind = "equal cosines in another order"
    else:
        kind = "different neighbours"
    return {"kind": kind, "max_cosine_gap": score_gap, "only_in_one": sorted(only)}


def query_tokens(faiss_index: LibraryIndex, milvus_index: LibraryIndex, question: str) -> tuple[list, list | None]:
    """The question as each store's keyword search sees it (Milvus: its analyzer, run by the server)."""
    from index.milvus_store import analyzer_params, client_for, keyword_text

    ours = faiss_index._vectors.tokenizer.tokenize(question)
    text, uri = keyword_text(question), milvus_index.manifest.store["uri"]
    if uri.endswith(".db"):  # Milvus Lite does not serve run_analyzer: run the analyzer it runs
        from milvus_lite.analyzer.factory import create_analyzer

        return ours, create_analyzer(analyzer_params()).tokenize(text)
    try:
        result = client_for(uri).run_analyzer(text, analyzer_params())
    except Exception as exc:  # a server without run_analyzer
        print(f"run_analyzer: {exc}", file=sys.stderr)
        return ours, None
    tokens = result[0] if result and isinstance(result[0], list) else result
    return ours, [getattr(t, "token", t) for t in tokens]


def chunk_token_agreement(faiss_index: LibraryIndex) -> str:
    """How many chunk texts Milvus Lite's analyzer cuts into exactly our tokens (texts as stored)."""
    from milvus_lite.analyzer.factory import create_analyzer

    from index.milvus_store import analyzer_params, keyword_text

    analyzer, ours = create_analyzer(analyzer_params()), faiss_index._vectors.tokenizer
    texts = [c.embedding_text() for c in faiss_index.chunks]
    same = sum(analyzer.tokenize(keyword_text(t)) == ours.tokenize(t) for t in texts)
    return f"chunk texts tokenised alike by both sides: {same}/{len(texts)}"


def bm25_decomposition(faiss_index: LibraryIndex, questions: list[dict], depths: tuple[int, ...]) -> str:
    """BM25 differences taken apart without a Milvus server: Milvus Lite's own scorer
    (``SparseInvertedIndex``, with our k1 and b) over (a) our tokens and (b) the tokens of the
    analyzer the store configures, with and without its symbol stop words, against bm25s; how
    many questions get bm25s's exact top ``depth`` (equal scores in library order, as
    ``LibraryIndex.bm25_search`` orders them)."""
    from milvus_lite.analyzer.factory import create_analyzer
    from milvus_lite.analyzer.hash import term_to_id
    from milvus_lite.analyzer.sparse import compute_tf
    from milvus_lite.index.sparse_inverted import SparseInvertedIndex

    from index.bm25_index import B, K1
    from index.milvus_store import _SYMBOL_TOKENS, analyzer_params, keyword_text

    ours = faiss_index._vectors.tokenizer
    params = analyzer_params()
    without = {**params, "filter": [f if isinstance(f, str) else
                                    {**f, "stop_words": sorted(set(f["stop_words"]) - _SYMBOL_TOKENS)}
                                    for f in params["filter"]]}
    texts = [c.embedding_text() for c in faiss_index.chunks]

    def analysed(analyzer):
        return lambda text: analyzer.tokenize(keyword_text(text))

    variants = {"Lite's scorer, our tokens": ours.tokenize,
                "Lite's scorer, the store's analyzer": analysed(create_analyzer(params)),
                "Lite's scorer, the analyzer without symbol stop words": analysed(create_analyzer(without))}
    lines = ["| BM25 against bm25s | " + " | ".join(f"top {d} identical" for d in depths) + " | questions that differ |",
             "|---|" + "---|" * len(depths) + "---|"]
    for name, tokenize in variants.items():
        scorer = SparseInvertedIndex(k1=K1, b=B)
        scorer.build([compute_tf([term_to_id(t) for t in tokenize(text)]) for text in texts])
        cells, differ = [], set()
        for depth in depths:
            same = 0
            for item in questions:
                ids, distances = scorer.search([compute_tf([term_to_id(t) for t in tokenize(item["question"])])], depth)
                found = [(round(-float(d), 4), int(i)) for i, d in zip(ids[0], distances[0]) if i >= 0 and d != 0]
                got = [i for _, i in sorted(found, key=lambda f: (-f[0], f[1]))]
                if got == faiss_index.bm25_search(item["question"], depth)[1].tolist():
                    same += 1
                else:
                    differ.add(item["id"])
            cells.append(f"{same}/{len(questions)}")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {', '.join(sorted(differ)) or '-'} |")
    return "\n".join(lines)


def explain_bm25(faiss_index: LibraryIndex, milvus_index: LibraryIndex, question: str, faiss: list, milvus: list) -> dict | None:
    """Why two BM25 top-k lists differ: the tokens each side made of the question, and each side's
    score of every chunk in either list."""
    if faiss == milvus:
        return None
    ours, theirs = query_tokens(faiss_index, milvus_index, question)
    union = sorted(set(faiss) | set(milvus))
    scores_f = faiss_index.bm25_scores(question, union)
    scores_m = milvus_index.bm25_scores(question, union)
    top = max(float(scores_f.max(initial=0)), 1e-9)
    relative_gap = float(abs(scores_f - scores_m).max(initial=0)) / top
    extra = sorted(set(theirs) - set(ours)) if theirs is not None else None
    missing = sorted(set(ours) - set(theirs)) if theirs is not None else None
    score_of = dict(zip(union, scores_f.tolist()))
    last = score_of[faiss[-1]] if faiss else 0.0
    only = set(faiss) ^ set(milvus)
    if theirs is not None and (extra or missing):
        kind = "other query tokens"
    elif relative_gap > BM25_TIE:
        kind = "other scores for the same tokens"
    elif only and all(abs(score_of[p] - last) <= BM25_TIE * top for p in only):
        kind = "equal scores at the last rank"  # which of them make the cut is the store's choice
    else:
        kind = "equal scores in another order"
    return {"kind": kind, "tokens_only_milvus": extra, "tokens_only_ours": missing,
            "max_relative_score_gap": round(relative_gap, 4)}


def explain_fused(dense: dict | None, bm25: dict | None, weight: float) -> str:
    """Why two fused top-10 lists differ, from the differences of the candidate lists fused
    (``candidates`` deep, not only their top 10)."""
    if weight == 0:
        return "dense only (BM25 weight 0 for this language): " + (dense["kind"] if dense else "?")
    causes = ([f"dense candidates: {dense['kind']}"] if dense else []) + (
        [f"BM25 candidates: {bm25['kind']}"] if bm25 else [])
    return "; ".join(causes) or "fusion alone (candidate lists identical)"


def recall(item: dict, chunks: list) -> dict[str, float] | None:
    """Recall@1/@5 of ``chunks`` (best first) for a dev item; ``None`` for an unanswerable one."""
    if not item["evidence"]:
        return None
    scores = retrieval_scores([Passage(doc_id=c.doc_id, text=c.text) for c in chunks],
                              [Evidence(doc=e["doc"], quote=e["quote"]) for e in item["evidence"]], ks=RECALL_KS)
    return {f"recall@{k}": scores[f"recall@{k}"] for k in RECALL_KS}


def compare(faiss_index: LibraryIndex, milvus_index: LibraryIndex, settings: Any, questions: list[dict]) -> list[dict]:
    embeddings = make_embeddings(settings)
    faiss_retriever, milvus_retriever = make_retriever(settings, faiss_index), make_retriever(settings, milvus_index)
    rows = []
    for item in questions:
        question = item["question"]
        vector = embeddings.encode_query(question)
        # The retriever fuses `candidates` from each side: compare that deep, report the top 10.
        depth = max(K, faiss_retriever.candidates)
        deep_sf, deep_f = (a.tolist() for a in faiss_index.dense_search(vector, depth))
        deep_sm, deep_m = (a.tolist() for a in milvus_index.dense_search(vector, depth))
        dense_sf, dense_f, dense_sm, dense_m = deep_sf[:K], deep_f[:K], deep_sm[:K], deep_m[:K]
        bm25_deep_f = faiss_index.bm25_search(question, depth)[1].tolist()
        bm25_deep_m = milvus_index.bm25_search(question, depth)[1].tolist()
        bm25_f, bm25_m = bm25_deep_f[:K], bm25_deep_m[:K]
        fused_f = [faiss_index.chunks.index(r.chunk) for r in faiss_retriever.retrieve(question, k=K)]
        fused_m = [milvus_index.chunks.index(r.chunk) for r in milvus_retriever.retrieve(question, k=K)]
        dense_why = explain_dense(faiss_index, vector, (dense_sf, dense_f), (dense_sm, dense_m))
        bm25_why = explain_bm25(faiss_index, milvus_index, question, bm25_f, bm25_m)
        weight = faiss_retriever.bm25_weight(question)
        fused_why = None
        if fused_f != fused_m:
            fused_why = explain_fused(explain_dense(faiss_index, vector, (deep_sf, deep_f), (deep_sm, deep_m)),
                                      explain_bm25(faiss_index, milvus_index, question, bm25_deep_f, bm25_deep_m),
                                      weight)
        rows.append({
            "id": item["id"], "lang": item["lang"], "bm25_weight": weight,
            "dense_why": dense_why, "bm25_why": bm25_why, "fused_why": fused_why,
            "dense_identical": dense_f == dense_m, "dense_same_set": set(dense_f) == set(dense_m),
            "bm25_overlap": overlap(bm25_f, bm25_m), "bm25_identical": bm25_f == bm25_m,
            "fused_overlap": overlap(fused_f, fused_m), "fused_identical": fused_f == fused_m,
            "fused_top5_same_set": set(fused_f[:5]) == set(fused_m[:5]),
            "recall_faiss": recall(item, [faiss_index.chunks[p] for p in fused_f]),
            "recall_milvus": recall(item, [milvus_index.chunks[p] for p in fused_m]),
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
    lines += ["", "| difference | explanation (measured) | questions |", "|---|---|---|"]
    for what, key in (("dense", "dense_why"), ("BM25", "bm25_why"), ("fused", "fused_why")):
        counts: dict[str, list[str]] = {}
        for row in rows:
            why = row[key]
            if why:
                counts.setdefault(why if isinstance(why, str) else why["kind"], []).append(row["id"])
        for kind, ids in sorted(counts.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"| {what} | {kind} | {len(ids)}: {', '.join(ids[:6])}{' …' if len(ids) > 6 else ''} |")
    lines += ["", "| retriever Recall (answerable) | FAISS @1 | Milvus @1 | FAISS @5 | Milvus @5 |", "|---|---|---|---|---|"]
    for lang in ("zh", "en", None):
        part = [r for r in rows if (lang is None or r["lang"] == lang) and r["recall_faiss"] is not None]
        if part:
            cells = [f"{sum(r[f'recall_{store}'][f'recall@{k}'] for r in part) / len(part):.3f}"
                     for k in RECALL_KS for store in ("faiss", "milvus")]
            lines.append(f"| {lang or 'all'} ({len(part)}) | " + " | ".join(cells) + " |")
    tokens: dict[str, int] = {}
    for row in rows:
        for token in (row["bm25_why"] or {}).get("tokens_only_milvus") or []:
            tokens[token] = tokens.get(token, 0) + 1
    if tokens:
        common = sorted(tokens.items(), key=lambda kv: -kv[1])[:12]
        lines.append("\nQuery tokens only Milvus's analyzer makes (questions): "
                     + ", ".join(f"{t!r} ({n})" for t, n in common))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--milvus-uri", default=None)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache to use (default: a copy of var's)")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "benchmarks" / "store_parity.json")
    parser.add_argument("--bm25-only", action="store_true",
                        help="only the BM25 decomposition (Lite's scorer in this process, no Milvus collection)")
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
        questions = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
        depths = (K, make_retriever(settings, built.index).candidates)
        if args.bm25_only:
            print(bm25_decomposition(built.index, questions, depths) + "\n\n" + chunk_token_agreement(built.index))
            return 0
        milvus = StoreConfig(store="milvus", milvus_uri=args.milvus_uri or str(work / "milvus.db"))
        copied = LibraryIndex.copy(settings.index_dir, to=milvus, dest=work / "milvus-index")
        rows = compare(built.index, copied, settings, questions)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"chunks": len(built.index), "rows": rows}, indent=2) + "\n")
        print(summary(rows))
        if milvus.milvus_uri.endswith(".db"):
            print("\n" + bm25_decomposition(built.index, questions, depths) + "\n\n" + chunk_token_agreement(built.index))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
