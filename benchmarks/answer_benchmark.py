"""Measure the assistant on the dev set (evals/datasets/reports_dev.jsonl).

    python benchmarks/answer_benchmark.py calibrate            # refusal threshold + citation cosine
    python benchmarks/answer_benchmark.py run --backend extractive
    python benchmarks/answer_benchmark.py run --backend local --per-lang 10 --out var/bench_local.jsonl
    python benchmarks/answer_benchmark.py budget --configs 2x300,3x300,4x400 --time-items 4
    python benchmarks/answer_benchmark.py figure-context RUN_DIR [RUN_DIR ...]
    python benchmarks/answer_benchmark.py oracle --backend local --out var/oracle.jsonl
    python benchmarks/answer_benchmark.py overlap RUN_DIR [RUN_DIR ...]

``overlap`` calibrates ``AnswerabilityCheck(min_overlap=...)`` from finished ``reportqa eval`` runs
(no model): for every Chinese question, the best share of its content found in one sentence of the
passages it was shown, lowest first, marked unanswerable or answerable.

``oracle`` separates what retrieval loses from what the answer model loses: every answerable dev
item is answered twice by the same assistant, once as in real use and once with retrieval replaced
by an oracle that returns only the passages holding the item's evidence quotes (found among the
top 100 results). Key facts with oracle passages are what the chain can reach with perfect
retrieval, so a target above them needs a stronger answer model, not better retrieval.

``figure-context`` calibrates ``CitationChecker(min_figure_context=...)`` from finished
``reportqa eval`` runs (no model): for every answered Chinese claim stating a figure, the best
share of its character bigrams found in a passage sentence holding that figure, listed for
unanswerable items (misplaced figures) and answerable ones (faithful figures).

``budget`` chooses ``assistant.passages`` / ``assistant.passage_chars``: for each configuration it
reports, over the answerable dev items, the share of evidence quotes and of (Chinese) key facts
that are inside the passages the model is shown (an upper bound on what it can answer), the
prompt size, and — with ``--time-items`` — the local model's measured prompt tokens and time to
first token (``max_tokens=1``, system prefix cached as in real use).

``run`` reports: key facts present (loose match), citation precision (supported cited passages
overlapping an evidence quote), refusal rates on unanswerable vs answerable items, English answers
without untranslated Chinese, and latency (total, first token). Needs a built index
(``reportqa index build``). The local model is slow (~40 tok/s prompt reading): use --per-lang.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.language_check import has_untranslated_chinese  # noqa: E402
from evals.metrics import Evidence, Passage, citation_precision, key_fact_recall, percentile  # noqa: E402
from reportqa.factory import make_assistant, make_embeddings, make_retriever, open_index  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DEV_SET = REPO / "evals" / "datasets" / "reports_dev.jsonl"
# Questions the library has nothing on: what the weak-retrieval threshold is really for (the dev
# set's unanswerable items are deliberately on-topic, so retrieval alone cannot reject them).
OFF_TOPIC = [
    "今天巴黎的天气怎么样？", "如何做红烧肉？", "2022年世界杯冠军是哪个国家？", "量子色动力学中的渐近自由是什么？",
    "What is the capital of Australia?", "How do I bake sourdough bread?",
    "Who won the 2022 FIFA World Cup?", "Explain the rules of cricket.",
]


def load_items(path: Path, per_lang: int | None) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if per_lang is None:
        return items
    picked: list[dict[str, Any]] = []
    for lang in ("zh", "en"):
        mine = [i for i in items if i["lang"] == lang]
        # Keep the type mix: take items round-robin over types.
        by_type: dict[str, list] = {}
        for item in mine:
            by_type.setdefault(item["type"], []).append(item)
        queues = list(by_type.values())
        while len([i for i in picked if i["lang"] == lang]) < min(per_lang, len(mine)):
            for queue in queues:
                if queue and len([i for i in picked if i["lang"] == lang]) < per_lang:
                    picked.append(queue.pop(0))
    return picked


# --------------------------------------------------------------------------- calibration
def calibrate(args: argparse.Namespace) -> None:
    settings = load_settings({"data_dir": args.data_dir} if args.data_dir else None)
    retriever = make_retriever(settings, open_index(settings))
    items = load_items(DEV_SET, None)
    best = []
    for item in items:
        results = retriever.retrieve(item["question"], k=settings.assistant.passages)
        best.append(max((r.scores.get("dense", 0.0) for r in results), default=0.0))
    best = np.array(best)
    unanswerable = np.array([i["type"] == "unanswerable" for i in items])
    langs = np.array([i["lang"] for i in items])
    print("best dense cosine  answerable: p5=%.3f p50=%.3f min=%.3f   unanswerable: p50=%.3f min=%.3f max=%.3f" % (
        np.percentile(best[~unanswerable], 5), np.median(best[~unanswerable]), best[~unanswerable].min(),
        np.median(best[unanswerable]), best[unanswerable].min(), best[unanswerable].max()))
    for lang in ("zh", "en"):
        sel = langs == lang
        print(f"  {lang}: answerable min={best[sel & ~unanswerable].min():.3f} "
              f"unanswerable max={best[sel & unanswerable].max():.3f}")
    off = np.array([
        max((r.scores.get("dense", 0.0) for r in retriever.retrieve(q, k=settings.assistant.passages)), default=0.0)
        for q in OFF_TOPIC
    ])
    print("off-topic best dense: " + " ".join(f"{v:.3f}" for v in off))
    print("threshold  refused(unanswerable)  refused(answerable)  refused(off-topic)")
    for threshold in np.arange(0.20, 0.56, 0.05):
        refused = best < threshold
        print(f"  {threshold:.2f}     {refused[unanswerable].mean():6.1%}            {refused[~unanswerable].mean():6.1%}"
              f"             {np.mean(off < threshold):6.1%}")
    if args.cosine:
        calibrate_cosine(settings, items)


def calibrate_cosine(settings, items) -> None:
    """English answers vs their Chinese evidence quotes (true pairs) and other items' quotes."""
    embeddings = make_embeddings(settings)
    en = [i for i in items if i["lang"] == "en" and i["evidence"]]
    answers = embeddings.encode_documents([i["answer"] for i in en])
    quotes = [(k, q["quote"]) for k, item in enumerate(en) for q in item["evidence"]]
    sims = answers @ embeddings.encode_documents([q for _, q in quotes]).T
    true = np.array([sims[k, j] for j, (k, _) in enumerate(quotes)])
    false = np.array([sims[k, j] for j, (owner, _) in enumerate(quotes) for k in range(len(en)) if k != owner])
    print("cross-lingual cosine threshold   true pairs kept   mismatched pairs kept")
    for threshold in np.arange(0.30, 0.61, 0.05):
        print(f"  {threshold:.2f}                        {np.mean(true >= threshold):6.1%}          {np.mean(false >= threshold):6.1%}")


# --------------------------------------------------------------------------- answering
def run(args: argparse.Namespace) -> None:
    overrides: dict[str, Any] = {"assistant.backend": args.backend}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.passages:
        overrides["assistant.passages"] = args.passages
    if args.passage_chars:
        overrides["assistant.passage_chars"] = args.passage_chars
    settings = load_settings(overrides)
    assistant = make_assistant(settings)
    items = load_items(DEV_SET, args.per_lang)
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    rows = []
    for item in items:
        clock = time.perf_counter()
        answer = assistant.ask(item["question"])
        wall = time.perf_counter() - clock
        evidence = [Evidence(e["doc"], e["quote"]) for e in item["evidence"]]
        cited = [
            Passage(answer.passages[c.n - 1].chunk.doc_id, answer.passages[c.n - 1].chunk.text)
            for c in answer.citations if c.supported and c.n <= len(answer.passages)
        ]
        row = {
            "id": item["id"], "lang": item["lang"], "type": item["type"],
            "answerable": item["type"] != "unanswerable", "refused": answer.refused,
            "key_facts": key_fact_recall(answer.answer, item["key_facts"]) if item["key_facts"] and not answer.refused else (0.0 if item["key_facts"] else None),
            "citation_precision": citation_precision(cited, evidence) if evidence and not answer.refused else None,
            "untranslated": has_untranslated_chinese(answer.answer) if item["lang"] == "en" and not answer.refused else None,
            "unsupported": len(answer.unsupported),
            "total": answer.timings.get("total", wall), "first_token": answer.timings.get("first_token"),
            "answer": answer.answer,
        }
        rows.append(row)
        print(f"{item['id']} refused={row['refused']} facts={row['key_facts']} cp={row['citation_precision']} "
              f"t={row['total']:.2f}s ft={row['first_token'] or 0:.2f}s | {answer.answer[:80]!r}", flush=True)
        if out:
            out.write(json.dumps({**row, "full": answer.to_dict()}, ensure_ascii=False) + "\n")
            out.flush()
    summarize(rows, args.backend)


# --------------------------------------------------------------------------- passage budget
def budget(args: argparse.Namespace) -> None:
    from assistant.context_budget import ContextBudget
    from assistant.prompt import answer_messages
    from evals.metrics.retrieval import required_overlap, shares_span

    settings = load_settings({"data_dir": args.data_dir} if args.data_dir else None)
    retriever = make_retriever(settings, open_index(settings))
    items = [i for i in load_items(DEV_SET, None) if i["type"] != "unanswerable"]
    results = {i["id"]: retriever.retrieve(i["question"], k=10) for i in items}
    configs = []
    for config in args.configs.split(","):  # "5x300" or, with a score gap, "5x300g0.1"
        size, _, gap = config.partition("g")
        k, chars = (int(x) for x in size.split("x"))
        configs.append((k, chars, float(gap) if gap else None))
    model = None
    if args.time_items:
        from reportqa.factory import make_chat_model

        model = make_chat_model(settings, "local")
        timed = load_items(DEV_SET, None)
        timed = [i for i in items if i["lang"] == "zh"][: args.time_items // 2] + \
            [i for i in items if i["lang"] == "en"][: args.time_items - args.time_items // 2]
        model.invoke(answer_messages("zh", "热身", []), max_tokens=1)  # cache the system prefixes
        model.invoke(answer_messages("en", "warm up", []), max_tokens=1)
    print("passages x chars (score gap) | passages shown | evidence in prompt zh / en | zh key facts in prompt | "
          "shown passages holding evidence | measured prompt tokens p50 | first token p50 / max (s)")
    for k, chars, gap in configs:
        plan = ContextBudget(passages=k, passage_chars=chars, context_window=settings.assistant.context_window,
                             max_answer_tokens=settings.assistant.max_answer_tokens, max_score_gap=gap)
        covered: dict[str, list[float]] = {"zh": [], "en": []}
        facts, shown, useful = [], [], []
        for item in items:
            passages = plan.select(item["question"], results[item["id"]])
            evidence = item["evidence"]
            covered[item["lang"]].append(sum(
                any(p.chunk.doc_id == e["doc"] and shares_span(p.text, e["quote"], required_overlap(e["quote"]))
                    for p in passages)
                for e in evidence) / len(evidence))
            if item["lang"] == "zh":
                facts.append(key_fact_recall(" ".join(p.text for p in passages), item["key_facts"]))
            shown.append(len(passages))
            useful.append(statistics.fmean(
                any(p.chunk.doc_id == e["doc"] and shares_span(p.text, e["quote"], required_overlap(e["quote"]))
                    for e in evidence) for p in passages))
        line = (f"{k} x {chars:4d} ({gap if gap is not None else '-'})"
                f" | {statistics.fmean(shown):.2f} | {statistics.fmean(covered['zh']):.2f} / {statistics.fmean(covered['en']):.2f}"
                f" | {statistics.fmean(facts):.2f} | {statistics.fmean(useful):.2f}")
        if model is not None:
            tokens, firsts = [], []
            for item in timed:
                passages = plan.select(item["question"], results[item["id"]])
                messages = answer_messages(item["lang"], item["question"], passages, convert_numbers=True)
                clock = time.perf_counter()
                reply = model.invoke(messages, max_tokens=1)
                firsts.append(time.perf_counter() - clock)
                tokens.append((reply.usage_metadata or {}).get("input_tokens", 0))
            line += f"                 | {percentile(tokens, 50):.0f}   | {percentile(firsts, 50):.1f} / {max(firsts):.1f}"
        print(line, flush=True)


def figure_context(args: argparse.Namespace) -> None:
    from assistant.answerability import figure_context as context_scores
    from assistant.citations import split_claims

    by_type: dict[str, list[tuple[float, str]]] = {"unanswerable": [], "answerable": []}
    for run_dir in args.runs:
        for line in (Path(run_dir) / "results.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["lang"] != "zh" or record["refused"] or "error" in record:
                continue
            kind = "unanswerable" if record["type"] == "unanswerable" else "answerable"
            passages = [p["text"] for p in record["passages"]]
            for claim in split_claims(record["answer"].split("（原文")[0]):  # not the quoted source
                scores = context_scores(claim.text, passages, question=record["standalone_question"])
                by_type[kind].extend((score, f"{record['id']} {n}") for n, score in scores.items())
    for kind, rows in by_type.items():
        rows.sort()
        print(f"{kind}: {len(rows)} figures; lowest overlaps:",
              ", ".join(f"{score:.2f} ({label})" for score, label in rows[:8]) or "none")


# --------------------------------------------------------------------------- oracle retrieval
class _OracleRetriever:
    """Stands in for the retriever: only the results of ``retriever`` that hold an evidence quote."""

    def __init__(self, retriever, evidence: list[Evidence], *, pool: int = 100):
        from evals.metrics.retrieval import is_relevant

        self.retriever, self.evidence, self.pool, self._is_relevant = retriever, evidence, pool, is_relevant

    def retrieve(self, query: str, *, k: int | None = None):
        results = self.retriever.retrieve(query, k=self.pool)
        return [r for r in results
                if any(self._is_relevant(Passage(r.chunk.doc_id, r.chunk.text), e) for e in self.evidence)][: k or None]


def oracle(args: argparse.Namespace) -> None:
    overrides: dict[str, Any] = {"assistant.backend": args.backend}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    assistant = make_assistant(load_settings(overrides))
    retriever = assistant.retriever
    items = [i for i in load_items(DEV_SET, args.per_lang) if i["type"] != "unanswerable"]
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    rows = []
    for item in items:
        evidence = [Evidence(e["doc"], e["quote"]) for e in item["evidence"]]
        row = {"id": item["id"], "lang": item["lang"], "type": item["type"]}
        for mode in ("retrieved", "oracle"):
            assistant.retriever = retriever if mode == "retrieved" else _OracleRetriever(retriever, evidence)
            answer = assistant.ask(item["question"])
            row[mode] = {
                "refused": answer.refused,
                "key_facts": 0.0 if answer.refused else key_fact_recall(answer.answer, item["key_facts"]),
                "passages": len(answer.passages), "answer": answer.answer,
            }
        assistant.retriever = retriever
        rows.append(row)
        print(f"{item['id']} key facts retrieved={row['retrieved']['key_facts']:.2f} "
              f"oracle={row['oracle']['key_facts']:.2f} (oracle passages: {row['oracle']['passages']})", flush=True)
        if out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
    print(f"\n== {args.backend}: {len(rows)} answerable questions; key facts (refusals count 0) / refused")
    for lang in ("zh", "en", None):
        sel = [r for r in rows if lang is None or r["lang"] == lang]
        if not sel:
            continue
        print(f"[{lang or 'all'}] " + " | ".join(
            f"{mode}: {statistics.fmean(r[mode]['key_facts'] for r in sel):.3f} / "
            f"{statistics.fmean(r[mode]['refused'] for r in sel):.2f}" for mode in ("retrieved", "oracle")))


def overlap(args: argparse.Namespace) -> None:
    from assistant.answerability import AnswerabilityCheck, best_sentence_overlap

    threshold = AnswerabilityCheck().min_overlap
    for run_dir in args.runs:
        rows = []
        for line in (Path(run_dir) / "results.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["lang"] != "zh" or "error" in record:
                continue
            best = best_sentence_overlap(record["standalone_question"], [p["text"] for p in record["passages"]])
            rows.append((best, record["type"] == "unanswerable", record["id"]))
        rows.sort()
        below = [r for r in rows if r[0] < threshold]
        print(f"{run_dir}: {sum(u for _, u, _ in below)} unanswerable and {sum(not u for _, u, _ in below)} "
              f"answerable Chinese questions under min_overlap {threshold}; lowest:")
        print("  " + ", ".join(f"{b:.2f} ({i}, {'unanswerable' if u else 'answerable'})" for b, u, i in rows[:args.show]))


def mean(values) -> str:
    values = [float(v) for v in values if v is not None]
    return f"{statistics.fmean(values):.3f} (n={len(values)})" if values else "n/a"


def summarize(rows: list[dict[str, Any]], backend: str) -> None:
    print(f"\n== {backend}: {len(rows)} questions")
    for lang in ("zh", "en", None):
        sel = [r for r in rows if lang is None or r["lang"] == lang]
        ans = [r for r in sel if r["answerable"]]
        una = [r for r in sel if not r["answerable"]]
        print(f"[{lang or 'all'}] key facts (answerable): {mean(r['key_facts'] for r in ans)}"
              f" | citation precision: {mean(r['citation_precision'] for r in ans)}"
              f" | refused unanswerable: {mean(r['refused'] for r in una)}"
              f" | refused answerable: {mean(r['refused'] for r in ans)}")
    en = [r for r in rows if r["untranslated"] is not None]
    print(f"English answers without untranslated Chinese: {mean(not r['untranslated'] for r in en)}")
    totals = [r["total"] for r in rows]
    firsts = [r["first_token"] for r in rows if r["first_token"] is not None]
    print(f"latency total p50={percentile(totals, 50):.2f}s p90={percentile(totals, 90):.2f}s"
          + (f" | first token p50={percentile(firsts, 50):.2f}s p90={percentile(firsts, 90):.2f}s" if firsts else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="data dir holding the index (default ./var)")
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser("calibrate")
    cal.add_argument("--cosine", action="store_true", help="also calibrate the cross-lingual citation cosine (slow)")
    cal.set_defaults(func=calibrate)
    b = sub.add_parser("budget")
    b.add_argument("--configs", default="2x250,2x300,3x250,3x300,4x300,4x400",
                   help="comma-separated PASSAGESxCHARS, optionally with a score gap: 5x300g0.1")
    b.add_argument("--time-items", type=int, default=0, help="time the local model on this many items")
    b.set_defaults(func=budget)
    f = sub.add_parser("figure-context")
    f.add_argument("runs", nargs="+", help="reportqa eval run folders (holding results.jsonl)")
    f.set_defaults(func=figure_context)
    ov = sub.add_parser("overlap")
    ov.add_argument("runs", nargs="+", help="reportqa eval run folders (holding results.jsonl)")
    ov.add_argument("--show", type=int, default=10, help="how many of the lowest to list")
    ov.set_defaults(func=overlap)
    o = sub.add_parser("oracle")
    o.add_argument("--backend", choices=("local", "openai", "extractive"), default="local")
    o.add_argument("--per-lang", type=int, help="questions per language (keeps the type mix)")
    o.add_argument("--out", help="write one JSON line per question here")
    o.set_defaults(func=oracle)
    r = sub.add_parser("run")
    r.add_argument("--backend", choices=("local", "openai", "extractive"), default="extractive")
    r.add_argument("--per-lang", type=int, help="questions per language (keeps the type mix)")
    r.add_argument("--passages", type=int)
    r.add_argument("--passage-chars", type=int)
    r.add_argument("--out", help="write one JSON line per question here")
    r.set_defaults(func=run)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
