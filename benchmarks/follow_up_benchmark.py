"""Follow-up questions against their self-contained twins.

    python benchmarks/follow_up_benchmark.py gap RUN_FOLLOW_UPS RUN_TWINS [--suite-twins FILE]
    python benchmarks/follow_up_benchmark.py preview [--data-dir DIR] [--repeat N] [--limit N]

``gap`` pairs each follow-up item (an item with ``history``) answered in the run folder
``RUN_FOLLOW_UPS`` with its twin answered in ``RUN_TWINS`` (two ``reportqa eval`` runs, same
back-end; they may be one folder) and prints mean key-fact recall and Recall@5 of both, overall
and per language, and the gap. The twin is ``meta.twin`` when the follow-up names it, else the
item of the twins' suite without history whose evidence quotes are the same. Items named
``meta.self_contained`` (a self-contained question asked mid-chat) are shown apart as well.

``preview`` times ``Assistant.preview`` (the instant extractive answer) on the dev follow-ups and
on their twins asked as first questions, interleaved in one run, and prints p50/p95 per group
and per stage. As in a chat, a follow-up's earlier turns are asked first (untimed), so the
previous turn's query vector is cached as it would be in the UI. Tuning uses dev suites only,
never the frozen test suite.
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

from evals.metrics.latency import percentile  # noqa: E402

DEV = REPO / "evals" / "datasets" / "reports_dev.jsonl"
DEV_FOLLOW_UPS = REPO / "evals" / "datasets" / "reports_dev_followups.jsonl"


def load_items(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_suite(run: Path) -> Path:
    """The suite file a run folder was made from (``run.json``), relative paths from the repo."""
    suite = Path(json.loads((run / "run.json").read_text(encoding="utf-8"))["suite"])
    return suite if suite.is_absolute() else REPO / suite


def quotes(item: dict[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((e["doc"], "".join(e["quote"].split())) for e in item.get("evidence", []))


def twins_of(follow_ups: list[dict[str, Any]], candidates: list[dict[str, Any]]) -> dict[str, str]:
    """``follow-up id -> twin id`` (follow-ups without a twin are left out)."""
    by_quotes = {}
    for item in candidates:
        if not item.get("history") and item.get("evidence"):
            by_quotes.setdefault((item["lang"], quotes(item)), item["id"])
    ids = {item["id"] for item in candidates}
    out = {}
    for item in follow_ups:
        twin = (item.get("meta") or {}).get("twin") or by_quotes.get((item["lang"], quotes(item)))
        if twin in ids:
            out[item["id"]] = twin
    return out


def records(run: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows if "error" not in r}


def mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")


def gap(args: argparse.Namespace) -> None:
    follow_run, twin_run = Path(args.follow_ups), Path(args.twins)
    follow_items = [i for i in load_items(run_suite(follow_run)) if i.get("history")]
    twin_suite = Path(args.suite_twins) if args.suite_twins else run_suite(twin_run)
    twin_items = load_items(twin_suite)
    if twin_suite != run_suite(follow_run):
        twin_items += [i for i in load_items(run_suite(follow_run)) if not i.get("history")]
    pairs = twins_of(follow_items, twin_items)
    answered_f, answered_t = records(follow_run), records(twin_run)
    rows = [(answered_f[f], answered_t[t]) for f, t in pairs.items() if f in answered_f and t in answered_t]
    missing = len(follow_items) - len(rows)
    self_contained = {i["id"] for i in follow_items if (i.get("meta") or {}).get("self_contained")}

    def score(record, metric):
        return record["scores"].get(metric, 0.0)

    print(f"follow-ups {follow_run} vs twins {twin_run}: {len(rows)} pairs"
          + (f" ({missing} follow-ups left out: not answered, or no answered twin)" if missing else ""))
    print(f"| group | n | key facts follow-up | key facts twin | gap | Recall@5 follow-up | Recall@5 twin |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    groups = [("all", rows), *[(lang, [r for r in rows if r[0]["lang"] == lang]) for lang in ("zh", "en")]]
    if self_contained:
        groups += [("dependent", [r for r in rows if r[0]["id"] not in self_contained]),
                   ("self-contained mid-chat", [r for r in rows if r[0]["id"] in self_contained])]
    for name, group in groups:
        if not group:
            continue
        kf_f, kf_t = mean(score(f, "key_fact_recall") for f, _ in group), mean(score(t, "key_fact_recall") for _, t in group)
        r5_f, r5_t = mean(score(f, "recall@5") for f, _ in group), mean(score(t, "recall@5") for _, t in group)
        print(f"| {name} | {len(group)} | {kf_f:.3f} | {kf_t:.3f} | {kf_f - kf_t:+.3f} | {r5_f:.3f} | {r5_t:.3f} |")
    if args.items:
        for f, t in rows:
            print(f"{f['id']} {score(f, 'key_fact_recall'):.2f} vs {t['id']} {score(t, 'key_fact_recall'):.2f}"
                  f"  | {f['standalone_question']}")


def preview(args: argparse.Namespace) -> None:
    from reportqa.factory import make_assistant
    from reportqa.settings import load_settings

    settings = load_settings({"data_dir": args.data_dir} if args.data_dir else None)
    assistant = make_assistant(settings, "extractive")
    follow_items = [i for i in load_items(DEV_FOLLOW_UPS) if i.get("history")]
    dev = {i["id"]: i for i in load_items(DEV)}
    pairs = twins_of(follow_items, list(dev.values()))
    if args.limit:  # every n-th pair, so both languages stay in
        keep = [item["id"] for item in follow_items if item["id"] in pairs][:: max(1, len(pairs) // args.limit)][: args.limit]
        pairs = {k: pairs[k] for k in keep}
    assistant.preview(follow_items[0]["question"])  # load everything once
    queries = {s.name: s for s in assistant.pipeline.stages}["select"].embeddings._queries
    times: dict[str, list[float]] = {"follow-up": [], "first question": []}
    stages: dict[str, dict[str, list[float]]] = {g: {} for g in times}
    for _ in range(args.repeat):
        for item in follow_items:
            if item["id"] not in pairs:
                continue
            twin = dev[pairs[item["id"]]]
            for group, question, history in (("follow-up", item["question"], item["history"]),
                                             ("first question", twin["question"], ())):
                # Every timed question is new to the embedder (its query-vector cache is emptied);
                # the chat so far is asked first, untimed, as the UI would have.
                queries.clear()
                for n in range(len(history)):
                    assistant.preview(history[n]["q"], history[:n])
                started = time.perf_counter()
                answer = assistant.preview(question, history)
                times[group].append(time.perf_counter() - started)
                for stage, seconds in answer.timings.items():
                    stages[group].setdefault(stage, []).append(seconds)
    print(f"Assistant.preview, extractive, {args.repeat} x {len(pairs)} pairs, interleaved")
    print("| group | n | p50 s | p95 s | max s |")
    print("| --- | --- | --- | --- | --- |")
    for group, values in times.items():
        print(f"| {group} | {len(values)} | {percentile(values, 50):.3f} | {percentile(values, 95):.3f} | {max(values):.3f} |")
    print("\np95 per stage (s):")
    names = [s for s in ("resolve", "retrieve", "select", "gate", "compose", "verify") if s in stages["follow-up"]]
    print("| group | " + " | ".join(names) + " |")
    print("| --- | " + " | ".join("---" for _ in names) + " |")
    for group in times:
        print(f"| {group} | " + " | ".join(f"{percentile(stages[group].get(s, [0.0]), 95):.3f}" for s in names) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gap", help="key facts of follow-ups against their twins, from two eval runs")
    g.add_argument("follow_ups")
    g.add_argument("twins")
    g.add_argument("--suite-twins", help="suite holding the twins (default: the twins run's suite)")
    g.add_argument("--items", action="store_true", help="list every pair")
    g.set_defaults(func=gap)
    p = sub.add_parser("preview", help="time the instant answer of follow-ups against first questions")
    p.add_argument("--data-dir")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--limit", type=int, help="time only N pairs (every n-th)")
    p.set_defaults(func=preview)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
