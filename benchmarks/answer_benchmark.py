"""Measurements behind the answer pipeline's settings, on the dev set (never the test set).

    python benchmarks/answer_benchmark.py select [--set KEY=VALUE ...]   # evidence selection
    python benchmarks/answer_benchmark.py gate                            # refusal threshold
    python benchmarks/answer_benchmark.py oracle --backend local          # the model's own ceiling
    python benchmarks/answer_benchmark.py units                           # Recall@k of chunks ranked by their best unit

``select`` runs the extractive pipeline and reports, per language, how often the selected units
hold the gold evidence (span level: the words a citation would carry), how many of them do, the
characters selected, and the key facts of the extractive answer. ``--set select.max_units=4``
overrides any stage setting, so a sweep is a shell loop. ``gate`` prints the best answer-unit
cosine of answerable and unanswerable items and the refusal rates each threshold would give.
``oracle`` composes answers from the gold evidence sentences alone (units cut from the gold
quotes' sentences), which bounds what better selection could give the model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.metrics import Evidence, Passage, key_fact_recall  # noqa: E402
from evals.metrics.retrieval import is_relevant  # noqa: E402
from reportqa.factory import make_assistant, open_index  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DEV = REPO / "evals" / "datasets" / "reports_dev.jsonl"


def load_items(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def overrides(pairs: list[str]) -> dict[str, Any]:
    """``select.max_units=4`` -> ``{"assistant.select": {"max_units": 4}}``."""
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        stage, _, name = key.partition(".")
        out.setdefault(f"assistant.{stage}", {})[name] = json.loads(raw)
    return out


def gold(item: dict[str, Any]) -> list[Evidence]:
    return [Evidence(doc=e["doc"], quote=e["quote"]) for e in item["evidence"]]


def mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")


# ----------------------------------------------------------------------------------- select
def select(args: argparse.Namespace) -> None:
    """One table per combination of the ``--sweep`` values (models load once)."""
    import itertools

    axes = [(key, [json.loads(v) for v in values.split(",")])
            for key, _, values in (s.partition("=") for s in args.sweep)]
    for combination in itertools.product(*[values for _, values in axes]) if axes else [()]:
        sets = list(args.set) + [f"{key}={json.dumps(v)}" for (key, _), v in zip(axes, combination)]
        select_once(args, sets)


def select_once(args: argparse.Namespace, sets: list[str]) -> None:
    settings = load_settings({"data_dir": args.data_dir, **overrides(sets)})
    assistant = make_assistant(settings, "extractive")
    rows = []
    for item in load_items(args.dataset):
        started = time.perf_counter()
        answer = assistant.preview(item["question"], item.get("history", []))
        elapsed = time.perf_counter() - started
        evidence = gold(item)
        units = [Passage(doc_id=e.unit.doc_id, text=e.unit.text) for e in answer.evidence]
        row = {"id": item["id"], "lang": item["lang"], "type": item["type"], "refused": answer.refused,
               "seconds": elapsed, "chars": sum(len(e.unit.text) for e in answer.evidence)}
        if evidence:
            row["found"] = mean(any(is_relevant(u, g) for u in units) for g in evidence)
            row["precision"] = mean(any(is_relevant(u, g) for g in evidence) for u in units) if units else 0.0
            row["key_facts"] = 0.0 if answer.refused else key_fact_recall(answer.answer, item["key_facts"])
        rows.append(row)
        if args.verbose and evidence and row["found"] < 1:
            print(f"  {item['id']} found {row['found']:.2f}: {[e.unit.text[:40] for e in answer.evidence]}")
    print(f"settings: {json.dumps(overrides(sets), ensure_ascii=False)}")
    print("| lang | evidence in selection | selected units holding evidence | key facts | chars | answerable refused | unanswerable refused | p50 s |")
    print("|---|---|---|---|---|---|---|---|")
    for lang in ("zh", "en", "all"):
        part = [r for r in rows if lang in (r["lang"], "all")]
        answerable = [r for r in part if "found" in r]
        unanswerable = [r for r in part if "found" not in r]
        print(f"| {lang} | {mean(r['found'] for r in answerable):.3f} | {mean(r['precision'] for r in answerable):.3f} "
              f"| {mean(r['key_facts'] for r in answerable):.3f} | {mean(r['chars'] for r in answerable):.0f} "
              f"| {mean(r['refused'] for r in answerable):.3f} | {mean(r['refused'] for r in unanswerable):.3f} "
              f"| {statistics.median(r['seconds'] for r in part):.3f} |")


# ------------------------------------------------------------------------------------- gate
def gate(args: argparse.Namespace) -> None:
    settings = load_settings({"data_dir": args.data_dir,
                              "assistant.gate": {"refuse_below": -1.0, "min_unit_cosine": -1.0}})
    assistant = make_assistant(settings, "extractive")
    from assistant.stages.refusal_gate import _ASKS_FOR_FIGURE, states_a_figure

    best: dict[bool, list[tuple[float, bool]]] = {True: [], False: []}
    for item in load_items(args.dataset):
        answer = assistant.preview(item["question"], item.get("history", []))
        cosine = max((e.cosine for e in answer.evidence if e.role == "answer"), default=-1.0)
        question = answer.standalone_question
        figure_missing = bool(_ASKS_FOR_FIGURE.search(question)) and not states_a_figure(question, answer.evidence)
        best[bool(item["evidence"])].append((cosine, figure_missing))
    for label, values in (("answerable", best[True]), ("unanswerable", best[False])):
        print(f"{label}: n={len(values)} best unit cosine " + " ".join(f"{v:.3f}" for v, _ in sorted(values))
              + f"; asks for a figure its evidence lacks: {sum(m for _, m in values)}")
    print("| min_unit_cosine | unanswerable refused | answerable refused | with the figure rule: unanswerable | answerable |")
    print("|---|---|---|---|---|")
    for threshold in [x / 100 for x in range(40, 62, 2)]:
        print(f"| {threshold:.2f} | {mean(v < threshold for v, _ in best[False]):.3f} | {mean(v < threshold for v, _ in best[True]):.3f} "
              f"| {mean(v < threshold or m for v, m in best[False]):.3f} | {mean(v < threshold or m for v, m in best[True]):.3f} |")


# ----------------------------------------------------------------------------------- oracle
def oracle(args: argparse.Namespace) -> None:
    """The composer over the gold evidence only: the sentences of the gold quotes, as units."""
    from assistant.answer import Evidence as Unit
    from assistant.answer_state import AnswerState
    from assistant.answer_text import render_answer
    from assistant.stages import ClaimVerifier
    from ingest.evidence_units import EvidenceUnit
    from ingest.sentence_splitter import split_sentences

    settings = load_settings({"data_dir": args.data_dir})
    assistant = make_assistant(settings, args.backend)
    index = open_index(settings)
    composer = next(s for s in assistant.pipeline.stages if s.name == "compose")
    verifier = ClaimVerifier()
    rows = []
    for item in load_items(args.dataset):
        if not item["evidence"]:
            continue
        units = []
        for e in item["evidence"]:
            text = index.document_text(e["doc"])
            squashed_quote = "".join(e["quote"].split())
            for s, t in split_sentences(text):
                if squashed_quote[:12] in "".join(text[s:t].split()) or "".join(text[s:t].split())[:12] in squashed_quote:
                    units.append(Unit(n=len(units) + 1, unit=EvidenceUnit(f"{e['doc']}:{s}-{t}", e["doc"], s, t, text[s:t], "sentence"),
                                      doc_title=e["doc"], page=None, score=1.0, cosine=1.0))
        state = AnswerState(question=item["question"], language=item["lang"], standalone=item["question"], evidence=units[:6])
        started = time.perf_counter()
        for _ in composer.stream(state):
            pass
        verifier.run(state)
        elapsed = time.perf_counter() - started
        text = "" if state.refusal else render_answer(state.claims, state.evidence)
        rows.append({"lang": item["lang"], "key_facts": key_fact_recall(text, item["key_facts"]) if text else 0.0,
                     "refused": state.refusal is not None, "seconds": elapsed})
        if args.verbose:
            print(f"{item['id']} {rows[-1]['key_facts']:.2f} {text[:160]!r}")
    print(f"backend {args.backend}, gold evidence sentences as the only units")
    print("| lang | items | key facts | refused | p50 s |")
    print("|---|---|---|---|---|")
    for lang in ("zh", "en", "all"):
        part = [r for r in rows if lang in (r["lang"], "all")]
        print(f"| {lang} | {len(part)} | {mean(r['key_facts'] for r in part):.3f} | {mean(r['refused'] for r in part):.3f} "
              f"| {statistics.median(r['seconds'] for r in part):.1f} |")


# ------------------------------------------------------------------------------------ units
def units(args: argparse.Namespace) -> None:
    """Recall@1/5 of the retriever's chunk order against chunks re-ranked by their best unit."""
    import numpy as np

    from evals.metrics.retrieval import relevance_matrix, recall_at_k
    from reportqa.factory import make_embeddings, make_retriever

    settings = load_settings({"data_dir": args.data_dir})
    index = open_index(settings)
    retriever = make_retriever(settings, index)
    embeddings = make_embeddings(settings)
    store = index.evidence
    table: dict[str, dict[str, list[float]]] = {}
    for item in load_items(args.dataset):
        if not item["evidence"]:
            continue
        results = retriever.retrieve(item["question"], k=args.k)
        query = embeddings.encode_query(item["question"]).reshape(-1)
        best = []
        for r in results:
            rows = [i for i in store.in_chunk(r.chunk) if store.units[i].answerable]
            best.append(float(np.max(store.vectors[rows] @ query)) if rows else -1.0)
        reranked = [results[i] for i in np.argsort(-np.asarray(best), kind="stable")]
        evidence = gold(item)
        for name, ranking in (("chunks", results), ("best unit", reranked)):
            matrix = relevance_matrix([Passage(r.chunk.doc_id, r.chunk.text) for r in ranking], evidence)
            for k in (1, 5):
                table.setdefault(f"{name} R@{k}", {}).setdefault(item["lang"], []).append(recall_at_k(matrix, k))
    print("| ranking | zh | en |")
    print("|---|---|---|")
    for key, per_lang in table.items():
        print(f"| {key} | {mean(per_lang.get('zh', [])):.3f} | {mean(per_lang.get('en', [])):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=DEV)
    parser.add_argument("--data-dir", default="var")
    parser.add_argument("--verbose", "-v", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("select")
    s.add_argument("--set", action="append", default=[], metavar="STAGE.KEY=JSON")
    s.add_argument("--sweep", action="append", default=[], metavar="STAGE.KEY=V1,V2,...")
    s.set_defaults(func=select)
    sub.add_parser("gate").set_defaults(func=gate)
    o = sub.add_parser("oracle")
    o.add_argument("--backend", default="local", choices=("local", "openai", "extractive"))
    o.set_defaults(func=oracle)
    u = sub.add_parser("units")
    u.add_argument("--k", type=int, default=10)
    u.set_defaults(func=units)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
