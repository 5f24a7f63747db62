"""Measurements behind the answer pipeline's settings, on the dev set (never the test set).

    python benchmarks/answer_benchmark.py select [--set KEY=VALUE ...]   # evidence selection
    python benchmarks/answer_benchmark.py gate                            # refusal threshold
    python benchmarks/answer_benchmark.py cosines [--also SUITE]          # each item's best unit cosine, sorted
    python benchmarks/answer_benchmark.py oracle --backend local          # the model's own ceiling
    python benchmarks/answer_benchmark.py units                           # Recall@k of chunks ranked by their best unit
    python benchmarks/answer_benchmark.py rank [--query-prompt TEXT] [--unit-title]  # unit ranking P@1/P@3
    python benchmarks/answer_benchmark.py check [--top 3] [--refused]    # the local model's yes/no on the top units
    python benchmarks/answer_benchmark.py show QUESTION ... [--set ...]   # the evidence chosen and the gate's reason
    python benchmarks/answer_benchmark.py numerals                        # units that gain a figure written in characters
    python benchmarks/answer_benchmark.py monotone RUN                    # model answers with fewer claims than the preview
    python benchmarks/answer_benchmark.py claims RUN --out DIR [--set ...]  # a Chinese model run's claims under other compose settings

``select`` runs the extractive pipeline and reports, per language, how often the selected units
hold the gold evidence (span level: the words a citation would carry), how many of them do, the
characters selected, and the key facts of the extractive answer. ``--set select.max_units=4``
overrides any stage setting, so a sweep is a shell loop. ``gate`` prints the best answer-unit
cosine of answerable and unanswerable items and the refusal rates each threshold would give.
``oracle`` composes answers from the gold evidence sentences alone (units cut from the gold
quotes' sentences), which bounds what better selection could give the model. ``claims`` needs no
model: from a local run made with ``compose.quote_uncited`` on (the default: every unit quoted), it writes the
run its Chinese answers would be under other ``compose`` settings (the lead is the same, since
decoding is greedy), for ``reportqa eval compare RUN DIR``.
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
# The refusal gate with every test off: the selector's evidence for every item, to judge the tests on.
OPEN_GATE = {"refuse_below": -1.0, "min_unit_cosine": -1.0, "min_unit_cosine_cross_lingual": -1.0,
             "min_unit_cosine_open": -1.0, "require_answer_type": False, "require_asked_years": False, "require_named_terms": False}


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


def gate_state(answer):
    """The state the gate reads, rebuilt from an answer of the pipeline with the gate open."""
    from assistant.answer_state import AnswerState

    return AnswerState(question=answer.question, language=answer.language, standalone=answer.standalone_question,
                       results=list(answer.passages), evidence=list(answer.evidence))


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
        if not part:
            continue
        answerable = [r for r in part if "found" in r]
        unanswerable = [r for r in part if "found" not in r]
        print(f"| {lang} | {mean(r['found'] for r in answerable):.3f} | {mean(r['precision'] for r in answerable):.3f} "
              f"| {mean(r['key_facts'] for r in answerable):.3f} | {mean(r['chars'] for r in answerable):.0f} "
              f"| {mean(r['refused'] for r in answerable):.3f} | {mean(r['refused'] for r in unanswerable):.3f} "
              f"| {statistics.median(r['seconds'] for r in part):.3f} |")


# ------------------------------------------------------------------------------------- gate
def gate(args: argparse.Namespace) -> None:
    """Refusal rates per language of the gate at each unit-cosine bar, with and without the
    value tests (answer type, asked years), from one pass of the pipeline with the gate open."""
    from assistant.stages.refusal_gate import RefusalGate

    settings = load_settings({"data_dir": args.data_dir, "assistant.gate": OPEN_GATE})
    assistant = make_assistant(settings, "extractive")
    defaults = RefusalGate.Config()
    rows = []  # (lang, answerable, answer)
    for item in load_items(args.dataset):
        rows.append((item["lang"], bool(item["evidence"]), assistant.preview(item["question"], item.get("history", []))))

    def refused(answer, **config) -> bool:
        return RefusalGate(RefusalGate.Config(refuse_below=defaults.refuse_below, **config)).run(gate_state(answer)).refusal is not None

    for lang in ("zh", "en"):
        part = [(a, answer) for language, a, answer in rows if language == lang]
        print(f"\n{lang}: answerable n={sum(a for a, _ in part)}, unanswerable n={sum(not a for a, _ in part)}")
        print("| unit cosine bar | cosine only: unanswerable refused | answerable refused "
              "| with the value tests: unanswerable refused | answerable refused |")
        print("|---|---|---|---|---|")
        for bar in [x / 100 for x in range(40, 66, 2)]:
            cells = []
            for values in (False, True):
                config = {"min_unit_cosine": bar, "min_unit_cosine_cross_lingual": bar, "min_unit_cosine_open": bar,
                          "require_answer_type": values, "require_asked_years": values, "require_named_terms": values}
                cells.append(mean(refused(answer, **config) for a, answer in part if not a))
                cells.append(mean(refused(answer, **config) for a, answer in part if a))
            print(f"| {bar:.2f} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
        tests = ("require_answer_type", "require_asked_years", "require_named_terms")
        for test in tests:  # each value test on its own, the cosine bars off
            config = {"min_unit_cosine": -1.0, "min_unit_cosine_cross_lingual": -1.0, "min_unit_cosine_open": -1.0,
                      **{t: t == test for t in tests}}
            print(f"{test} alone: unanswerable refused {sum(refused(answer, **config) for a, answer in part if not a)}, "
                  f"answerable refused {sum(refused(answer, **config) for a, answer in part if a)}")
        config = {}
        print(f"defaults ({defaults.min_unit_cosine} same language, {defaults.min_unit_cosine_open} for open questions, "
              f"{defaults.min_unit_cosine_cross_lingual} across): "
              f"unanswerable refused {mean(refused(answer, **config) for a, answer in part if not a):.3f}, "
              f"answerable refused {mean(refused(answer, **config) for a, answer in part if a):.3f}")


# ---------------------------------------------------------------------------------- gatefit
GATE_FEATURES = ("same", "cross", "dense", "lexical", "value", "year", "name", "open", "english")


def gate_features(assistant, item: dict[str, Any]) -> tuple[list[float], bool]:
    """The gate's signals for one question, from the pipeline with the gate open: best answer-unit
    cosine in the question's language and across, best chunk cosine, best lexical overlap of a
    unit with the question, which value tests fail, whether any value test applies, language."""
    from assistant.answer_type import asked_years, expected_types
    from assistant.similarity import lexical_overlap
    from assistant.stages.refusal_gate import CLOSENESS_ROLES, RefusalGate
    from ingest.language import detect_language

    answer = assistant.preview(item["question"], item.get("history", []))
    question = answer.standalone_question or item["question"]
    close = [e for e in answer.evidence if e.role in CLOSENESS_ROLES]
    same = max([e.cosine for e in close if detect_language(e.text) == item["lang"]], default=0.0)
    cross = max([e.cosine for e in close if detect_language(e.text) != item["lang"]], default=0.0)
    dense = max([r.scores.get("dense", 0.0) for r in answer.passages], default=0.0)
    lexical = max([lexical_overlap(question, e.text) for e in close], default=0.0)
    tests = ("require_answer_type", "require_asked_years", "require_named_terms")
    fails = []
    for test in tests:
        config = {**OPEN_GATE, **{t: t == test for t in tests}}
        fails.append(float(RefusalGate(RefusalGate.Config(**config)).failed_test(gate_state(answer)) is not None))
    is_open = float(not (expected_types(question) or asked_years(question)))
    refused_now = RefusalGate().run(gate_state(answer)).refusal is not None
    return [same, cross, dense, lexical, *fails, is_open, float(item["lang"] == "en")], refused_now


def gatefit(args: argparse.Namespace) -> None:
    """Could one learned decision over the gate's signals part answerable from unanswerable better
    than the gate's hand-set bars? A logistic regression over :data:`GATE_FEATURES`, fitted on
    ``--train`` sets, its bar set on them so that at most ``--max-false`` of their answerable
    questions are refused; each set reports the gate's defaults against it. Each training set is
    also scored by a fit on the other training sets (out of sample)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    assistant = make_assistant(load_settings({"data_dir": args.data_dir, "assistant.gate": OPEN_GATE}), "extractive")
    data = {}
    for path in [*args.train, *args.report]:
        data[path.stem] = [(*gate_features(assistant, item), bool(item["evidence"])) for item in load_items(path)]

    def fit(stems):
        rows = [r for s in stems for r in data[s]]
        x = np.array([r[0] for r in rows])
        y = np.array([not r[2] for r in rows])  # 1 = unanswerable
        model = make_pipeline(StandardScaler(), LogisticRegression(C=args.c, class_weight="balanced", max_iter=1000))
        model.fit(x, y)
        p = model.predict_proba(x)[:, 1]
        answerable = np.sort(p[~y])
        bar = answerable[min(len(answerable) - 1, int(np.floor(len(answerable) * (1 - args.max_false))))]  # refuse p > bar
        return model, float(bar)

    def rates(rows, refused):
        cells = []
        for answerable in (False, True):
            part = [f for f, r in zip(refused, rows) if r[2] is answerable]
            cells.append(f"{mean(part):.3f} ({sum(part)}/{len(part)})")
        return cells

    train = [p.stem for p in args.train]
    model, bar = fit(train)
    coefficients = model[-1].coef_[0]
    print("features (standardised coefficients; positive = towards refusal): "
          + ", ".join(f"{n} {c:+.2f}" for n, c in zip(GATE_FEATURES, coefficients)))
    print(f"fitted on {', '.join(train)}; refuses when P(unanswerable) > {bar:.3f}\n")
    print("| set | fit | gate defaults: unanswerable refused | answerable refused | learned: unanswerable refused | answerable refused |")
    print("|---|---|---|---|---|---|")
    for stem, rows in data.items():
        fits = [("all training sets", model, bar)]
        if stem in train and len(train) > 1:
            fits.append(("the other training sets", *fit([t for t in train if t != stem])))
        for name, m, b in fits:
            learned = list(m.predict_proba(np.array([r[0] for r in rows]))[:, 1] > b)
            print(f"| {stem} | {name} | {' | '.join(rates(rows, [r[1] for r in rows]))} | {' | '.join(rates(rows, learned))} |")


# ---------------------------------------------------------------------------------- cosines
def cosines(args: argparse.Namespace) -> None:
    """Every item's best cosine of an answer unit or list item (as the gate reads them: an item is
    as close as its lead), in the question's language and across, sorted per
    language and by whether a value test (answer type, asked years) checks the question: where
    answerable and unanswerable items part is where a cosine bar belongs."""
    from assistant.answer_type import asked_years, expected_types
    from assistant.stages.refusal_gate import CLOSENESS_ROLES
    from ingest.language import detect_language

    assistant = make_assistant(load_settings({"data_dir": args.data_dir, "assistant.gate": OPEN_GATE}), "extractive")
    rows = []
    for path in [args.dataset, *args.also]:
        for item in load_items(path):
            answer = assistant.preview(item["question"], item.get("history", []))
            question = answer.standalone_question or item["question"]
            best = {True: -1.0, False: -1.0}  # same language?
            for e in answer.evidence:
                if e.role in CLOSENESS_ROLES:
                    same = detect_language(e.text) == item["lang"]
                    best[same] = max(best[same], e.cosine)
            rows.append((item["lang"], bool(expected_types(question) or asked_years(question)), max(best.values()),
                         best[True], best[False], item["id"], path.stem, bool(item["evidence"]), item["type"]))
    for lang in ("zh", "en"):
        for checked in (False, True):
            print(f"\n{lang}, {'checked by a value test' if checked else 'open (no value test)'}")
            print("| item | set | answerable | type | same language | across |\n|---|---|---|---|---|---|")
            for _, _, _, same, across, item_id, stem, answerable, kind in sorted(r for r in rows if r[:2] == (lang, checked)):
                print(f"| {item_id} | {stem} | {'yes' if answerable else 'no'} | {kind} "
                      f"| {same if same > -1 else float('nan'):.3f} | {across if across > -1 else float('nan'):.3f} |")


# ------------------------------------------------------------------------------------- show
def show(args: argparse.Namespace) -> None:
    """For each question: the evidence the selector chooses (role, dense cosine, score, kind) with
    the gate open, and the reason the gate gives (its defaults with any ``--set gate.…``)."""
    from assistant.stages.refusal_gate import RefusalGate

    sets = overrides(args.set)
    gate = RefusalGate(RefusalGate.config_from_dict(sets.get("assistant.gate", {})))
    settings = load_settings({"data_dir": args.data_dir, **sets, "assistant.gate": OPEN_GATE})
    assistant = make_assistant(settings, "extractive")
    for question in args.questions:
        answer = assistant.preview(question)
        print(f"{question}\n  gate: {gate.run(gate_state(answer)).refusal or 'answers'}")
        for e in answer.evidence:
            print(f"  [{e.n}] {e.role:7s} cosine {e.cosine:.3f} score {e.score:.3f} {e.unit.kind}: {e.unit.text[:60]}")


# ---------------------------------------------------------------------------------- numerals
def numerals(args: argparse.Namespace) -> None:
    """How many answer units of the index state a figure only once numbers written in characters
    are read (``ingest.numbers.arabic_numerals``), and how many gain one beside their digits."""
    import re

    from index.evidence_store import EvidenceStore
    from ingest.numbers import arabic_numerals

    settings = load_settings({"data_dir": args.data_dir})
    units = [u for u in EvidenceStore.load(settings.index_dir).units if u.answerable]
    digits = [set(re.findall(r"\d+", u.text)) for u in units]
    read = [set(re.findall(r"\d+", arabic_numerals(u.text))) for u in units]
    only = sum(bool(r) and not d for d, r in zip(digits, read))
    beside = sum(bool(d) and bool(r - d) for d, r in zip(digits, read))
    print(f"{len(units)} answer units: {only + beside} gain a figure ({only} had none in digits, {beside} had digits too)")


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
    answerable = [item for item in load_items(args.dataset) if item["evidence"]]
    if args.limit:  # the first N of each language
        answerable = [i for lang in ("zh", "en") for i in [i for i in answerable if i["lang"] == lang][: args.limit]]
    for item in answerable:
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


# ----------------------------------------------------------------------------------- claims
def claims(args: argparse.Namespace) -> None:
    """The Chinese answers of a local run made with every unit quoted, re-derived with the units
    ``ModelComposer`` would show after the same lead under ``--set compose.…``; written to
    ``--out`` as a run of its own."""
    import shutil

    from assistant.answer import Claim
    from assistant.answer import Evidence as Unit
    from assistant.answer_state import AnswerState
    from assistant.answer_text import render_answer
    from assistant.stages import ModelComposer
    from ingest.evidence_units import EvidenceUnit
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    sets = overrides(args.set).get("assistant.compose", {})
    composer = ModelComposer(FakeListChatModel(responses=[""]), ModelComposer.config_from_dict(sets))  # never called
    store = open_index(load_settings({"data_dir": args.data_dir})).evidence
    run, out = Path(args.run), Path(args.out)
    if out.resolve() == run.resolve():
        raise SystemExit("--out must be another folder than the run it is derived from")
    made_with = json.loads((run / "run.json").read_text(encoding="utf-8")).get("settings", {}).get("assistant", {})
    if str(made_with.get("compose", {}).get("quote_uncited", True)).lower() == "false":
        raise SystemExit(f"{run} was made with compose.quote_uncited=false: its answers lack the unquoted units")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(run, out)
    records, changed = [], 0
    for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        lead = next((c for c in record.get("claims") or [] if c["kind"] == "lead"), None)
        if record["lang"] == "zh" and lead is not None and not record["refused"]:
            evidence = []
            for c in record["citations"]:
                rows = store.in_span(c["doc_id"], c["start"], c["end"])  # a joined span: its first unit's place
                first = store.units[rows[0]] if rows else None
                unit = EvidenceUnit(f"{c['doc_id']}:{c['start']}-{c['end']}", c["doc_id"], c["start"], c["end"], c["span"],
                                    first.kind if first else "sentence", lead=first.lead if first else None,
                                    paragraph=first.paragraph if first else -1)
                evidence.append(Unit(n=c["n"], unit=unit, doc_title=c["doc_title"], page=None, score=0.0, cosine=0.0,
                                     role="item" if unit.lead else "answer"))
            state = AnswerState(question=record["question"], language="zh", evidence=evidence)
            kept = {e.n for e in composer.claimed_units(state, Claim(lead["text"], tuple(lead["citations"]), "lead"))}
            new = [c for c in record["claims"] if c["kind"] == "lead" or set(c["citations"]) <= kept]
            changed += len(new) < len(record["claims"])
            record["claims"] = new
            record["citations"] = [c for c in record["citations"] if c["n"] in kept | set(lead["citations"])]
            record["answer"] = render_answer([Claim(c["text"], tuple(c["citations"]), c["kind"]) for c in new], evidence)
        records.append(json.dumps(record, ensure_ascii=False))
    (out / "results.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    print(f"{out}: {changed} of {len(records)} answers show fewer units; compare with `reportqa eval compare {run} {out}`")


# --------------------------------------------------------------------------------- monotone
def monotone(args: argparse.Namespace) -> None:
    """Answers of a model run (``reportqa eval ... --out RUN``) with fewer supported claims than
    the extractive preview the same question gets now (leads not counted)."""
    settings = load_settings({"data_dir": args.data_dir})
    assistant = make_assistant(settings, "extractive")
    records = [json.loads(line) for line in (Path(args.run) / "results.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    compared, fewer = 0, []
    for record in records:
        if record["refused"]:
            continue
        preview = assistant.preview(record["question"], record.get("history") or [])
        if preview.refused:
            continue
        compared += 1
        shown = sum(c.kind != "lead" for c in preview.claims)
        final = sum(c["kind"] != "lead" for c in record["claims"])
        if final < shown:
            fewer.append(f"{record['id']} ({shown} -> {final})")
    print(f"{args.run}: {len(fewer)} of {compared} answers have fewer supported claims than their preview"
          + (f": {', '.join(fewer)}" if fewer else ""))


# ------------------------------------------------------------------------------------ units
def units(args: argparse.Namespace) -> None:
    """Recall@1/5 of the retriever's chunk order against chunks re-ranked by their best unit, and
    against the two orders fused by reciprocal rank."""
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
        by_unit = np.argsort(-np.asarray(best), kind="stable")
        reranked = [results[i] for i in by_unit]
        # Reciprocal-rank fusion of the two orders (k = 60, as the retriever fuses dense and BM25).
        unit_rank = {int(i): r for r, i in enumerate(by_unit, start=1)}
        fused = sorted(range(len(results)), key=lambda i: -(1 / (60 + i + 1) + 1 / (60 + unit_rank[i])))
        evidence = gold(item)
        for name, ranking in (("chunks", results), ("best unit", reranked), ("fused", [results[i] for i in fused])):
            matrix = relevance_matrix([Passage(r.chunk.doc_id, r.chunk.text) for r in ranking], evidence)
            for k in (1, 5):
                table.setdefault(f"{name} R@{k}", {}).setdefault(item["lang"], []).append(recall_at_k(matrix, k))
    print("| ranking | zh | en |")
    print("|---|---|---|")
    for key, per_lang in table.items():
        print(f"| {key} | {mean(per_lang.get('zh', [])):.3f} | {mean(per_lang.get('en', [])):.3f} |")


# ------------------------------------------------------------------------------------- rank
def scored_units(assistant, question: str):
    """``(state, candidates, units, question, scores, dense)``: the selector's scoring of the
    units of the chunks retrieved for ``question``, as the preview pipeline computes it."""
    resolve, retrieve, select = assistant.preview_pipeline.stages[:3]
    state = retrieve.run(resolve.run(assistant._state(question, [])))
    candidates = select.candidates(state)
    units = [c[0] for c in candidates]
    standalone = state.standalone or state.question
    scores, dense = select.score(standalone, units, [c[1] for c in candidates], [c[2] for c in candidates])
    return state, candidates, units, standalone, scores, dense


def rank(args: argparse.Namespace) -> None:
    """How often the selector's best answer unit (P@1), and its top three (P@3), hold gold
    evidence: the ceiling of span precision for a selection of that size. ``--query-prompt``
    embeds the question with another EmbeddingGemma task prompt ("task: question answering |
    query: "); ``--unit-title`` re-embeds each candidate unit with its section (or report) as the
    document prompt's title, as an index built that way would."""
    import numpy as np

    settings = load_settings({"data_dir": args.data_dir})
    assistant = make_assistant(settings, "extractive")
    select = assistant.preview_pipeline.stages[2]
    model = select.embeddings.model
    titled: dict[str, np.ndarray] = {}
    table: dict[str, list[tuple[float, float]]] = {}
    hyde = {}
    for path in args.hyde:
        hyde.update({row["id"]: row["hyde"] for row in load_items(path)})
    for item in load_items(args.dataset):
        if not item["evidence"] or item.get("history"):
            continue
        state, candidates, units, question, scores, dense = scored_units(assistant, item["question"])
        if hyde:
            text = hyde[item["id"]]
            h = (np.asarray(select.embeddings.encode_documents([text]))[0] if args.hyde_as == "document"
                 else np.asarray(select.embeddings.encode_query(text)).reshape(-1))
            vectors = np.stack([c[1] for c in candidates]).astype(np.float32)
            scores = scores - args.hyde_weight * dense + args.hyde_weight * (vectors @ h.astype(np.float32))
        if args.query_prompt or args.unit_title:
            if args.unit_title:
                titles = {r.chunk.doc_id: r.chunk.doc_title for r in state.results}
                missing = [u for u in units if u.unit_id not in titled]
                texts = [f"title: {(u.section or titles.get(u.doc_id) or 'none')[-80:]} | text: {u.text}" for u in missing]
                for u, v in zip(missing, model.encode(texts, normalize_embeddings=True, prompt="") if texts else []):
                    titled[u.unit_id] = v
                vectors = np.stack([titled[u.unit_id] for u in units])
            else:
                vectors = np.stack([c[1] for c in candidates])
            query = (model.encode([args.query_prompt + question], normalize_embeddings=True, prompt="")[0]
                     if args.query_prompt else np.asarray(select.embeddings.encode_query(question)).reshape(-1))
            scores = scores - dense + vectors.astype(np.float32) @ query.astype(np.float32)
        evidence = gold(item)
        relevant = np.array([any(is_relevant(Passage(u.doc_id, u.text), g) for g in evidence) for u in units])
        order = [i for i in np.argsort(-scores, kind="stable") if units[i].answerable]
        table.setdefault(item["lang"], []).append((float(relevant[order[0]]), float(relevant[order[:3]].mean())))
    print(f"query prompt: {args.query_prompt or 'the index default'}; unit title: {'section' if args.unit_title else 'none'}")
    print("| lang | n | P@1 | P@3 |")
    print("|---|---|---|---|")
    for lang, rows in sorted(table.items()):
        print(f"| {lang} | {len(rows)} | {mean(r[0] for r in rows):.3f} | {mean(r[1] for r in rows):.3f} |")


# ------------------------------------------------------------------------------------ check
CHECK_SYSTEM = ("You judge whether a sentence from a report answers a question. The sentence is in Chinese. "
                "Reply yes only if it states the answer itself, not just the topic. Reply yes or no.")


def check(args: argparse.Namespace) -> None:
    """Would the local model's yes/no on the top units help? For each question, the selector's
    ``--top`` answer units are shown to the chat model one by one ("does this sentence answer the
    question?", output constrained to yes/no). Reports P@1 of the selector's order against the
    order with "yes" units first, how often every unit gets "no" (answerable vs unanswerable:
    a refusal signal), and the seconds per check."""
    import numpy as np
    from langchain_core.messages import HumanMessage, SystemMessage

    settings = load_settings({"data_dir": args.data_dir})
    assistant = make_assistant(settings, "local")
    judge = assistant.chat_model.bind(max_tokens=2, grammar='root ::= "yes" | "no"')
    rows, seconds = [], []
    for item in load_items(args.dataset)[: args.limit or None]:
        if item.get("history"):
            continue
        if args.refused:  # only the questions the gate refuses for closeness
            detail = assistant.preview(item["question"]).refusal_detail
            if detail is None or detail.test != "closeness":
                continue
        _, _, units, question, scores, _ = scored_units(assistant, item["question"])
        top = [i for i in np.argsort(-scores, kind="stable") if units[i].answerable][: args.top]
        verdicts = []
        for i in top:
            started = time.perf_counter()
            reply = judge.invoke([SystemMessage(CHECK_SYSTEM),
                                  HumanMessage(f"Question: {question}\nSentence: {units[i].text}\nDoes the sentence answer the question?")])
            seconds.append(time.perf_counter() - started)
            verdicts.append(str(reply.content).strip().lower().startswith("yes"))
        row = {"lang": item["lang"], "answerable": bool(item["evidence"]), "all_no": not any(verdicts)}
        if item["evidence"] and not args.refused:
            evidence = gold(item)
            relevant = [any(is_relevant(Passage(units[i].doc_id, units[i].text), g) for g in evidence) for i in top]
            reordered = [r for r, v in zip(relevant, verdicts) if v] + [r for r, v in zip(relevant, verdicts) if not v]
            row.update(p1=float(relevant[0]), p1_checked=float(reordered[0]),
                       yes_precision=[r for r, v in zip(relevant, verdicts) if v])
        rows.append(row)
        if args.verbose:
            print(item["id"], verdicts, row.get("p1"), row.get("p1_checked"))
    if args.refused:
        print(f"questions the gate refuses for closeness; top {args.top} units each; "
              f"{statistics.median(seconds or [0]):.1f} s per check (median)")
        print("| lang | answerable: some 'yes' | unanswerable: some 'yes' |")
        print("|---|---|---|")
        for lang in ("zh", "en"):
            part = [r for r in rows if r["lang"] == lang]
            counts = [f"{sum(not r['all_no'] for r in part if r['answerable'] is a)} of {sum(r['answerable'] is a for r in part)}"
                      for a in (True, False)]
            print(f"| {lang} | {counts[0]} | {counts[1]} |")
        return
    print(f"top {args.top} units per question; {statistics.median(seconds):.1f} s per check (median)")
    print("| lang | P@1 selector | P@1 yes first | 'yes' units holding evidence | all 'no': answerable | all 'no': unanswerable |")
    print("|---|---|---|---|---|---|")
    for lang in ("zh", "en"):
        part = [r for r in rows if r["lang"] == lang]
        answerable = [r for r in part if r["answerable"]]
        yes = [x for r in answerable for x in r["yes_precision"]]
        print(f"| {lang} | {mean(r['p1'] for r in answerable):.3f} | {mean(r['p1_checked'] for r in answerable):.3f} "
              f"| {mean(yes):.3f} | {mean(r['all_no'] for r in answerable):.3f} "
              f"| {mean(r['all_no'] for r in part if not r['answerable']):.3f} |")


HYDE_SYSTEM = ("你是中国政策研究报告的作者。用一句中文写出报告中回答该问题的那句话，像报告原文一样，包含具体的主体、数字和时间。"
               "不知道确切事实时，写出合理的句子。只输出这一句话。")
TRANSLATE_SYSTEM = "You translate questions from English into Chinese. Reply with the Chinese question only."


def write_queries(args: argparse.Namespace) -> None:
    """What the local model would search with instead of the question, written to ``--out``:
    ``hyde``, a hypothetical answer sentence per question (``{"id", "hyde"}`` lines, for ``rank
    --hyde``); ``translate``, the dataset's English questions translated into Chinese (dataset
    lines with ``question`` replaced, for ``select`` and ``gate``). Follow-ups are left out."""
    from langchain_core.messages import HumanMessage, SystemMessage

    chat = make_assistant(load_settings({"data_dir": args.data_dir}), "local").chat_model.bind(max_tokens=120)
    with args.out.open("w", encoding="utf-8") as out:
        for item in load_items(args.dataset):
            if item.get("history") or (args.mode == "translate" and item["lang"] != "en"):
                continue
            if args.mode == "hyde":
                prompt = [SystemMessage(HYDE_SYSTEM), HumanMessage(f"问题：{item['question']}\n报告中回答该问题的那句中文原文：")]
            else:
                prompt = [SystemMessage(TRANSLATE_SYSTEM), HumanMessage(item["question"])]
            text = str(chat.invoke(prompt).content).strip()
            row = {"id": item["id"], "hyde": text} if args.mode == "hyde" else {**item, "question": text}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if args.verbose:
                print(item["id"], text, flush=True)


PICK_SYSTEM = ("You read numbered sentences from reports (mostly in Chinese) and a question. Reply with the numbers "
               "of the sentences that state the answer itself, best first, separated by commas. Reply 0 if none does.")


def pick(args: argparse.Namespace) -> None:
    """The issue's "pick-the-numbers" check: the selector's ``--top`` answer units, numbered, go to
    the local model in one prompt, and its reply is constrained to "0" or a list of their numbers.
    Reports P@1 of the selector against the model's first pick (the selector's first when it
    picks none), and how often it picks none (answerable vs unanswerable: a refusal signal)."""
    import numpy as np
    from langchain_core.messages import HumanMessage, SystemMessage

    settings = load_settings({"data_dir": args.data_dir})
    assistant = make_assistant(settings, "local")
    digits = "|".join(f'"{i}"' for i in range(1, args.top + 1))
    judge = assistant.chat_model.bind(max_tokens=3 * args.top, grammar=f'root ::= "0" | n ("," n)*\nn ::= {digits}')
    rows, seconds = [], []
    for item in load_items(args.dataset)[: args.limit or None]:
        if item.get("history"):
            continue
        _, _, units, question, scores, _ = scored_units(assistant, item["question"])
        top = [i for i in np.argsort(-scores, kind="stable") if units[i].answerable][: args.top]
        listing = "\n".join(f"[{n}] {units[i].text}" for n, i in enumerate(top, start=1))
        started = time.perf_counter()
        reply = str(judge.invoke([SystemMessage(PICK_SYSTEM), HumanMessage(f"Question: {question}\n\n{listing}")]).content)
        seconds.append(time.perf_counter() - started)
        picked = [int(n) - 1 for n in reply.replace(" ", "").split(",") if n.isdigit() and 0 < int(n) <= len(top)]
        row = {"lang": item["lang"], "answerable": bool(item["evidence"]), "none": not picked}
        if item["evidence"] and top:
            evidence = gold(item)
            relevant = [any(is_relevant(Passage(units[i].doc_id, units[i].text), g) for g in evidence) for i in top]
            row.update(p1=float(relevant[0]), p1_picked=float(relevant[picked[0] if picked else 0]),
                       pick_precision=[relevant[j] for j in picked])
        rows.append(row)
        if args.verbose:
            print(item["id"], reply, row.get("p1"), row.get("p1_picked"))
    print(f"top {args.top} units per question; {statistics.median(seconds):.1f} s per question (median)")
    print("| lang | P@1 selector | P@1 model's first pick | picked units holding evidence | none picked: answerable | none picked: unanswerable |")
    print("|---|---|---|---|---|---|")
    for lang in ("zh", "en"):
        part = [r for r in rows if r["lang"] == lang]
        answerable = [r for r in part if "p1" in r]
        picks = [x for r in answerable for x in r["pick_precision"]]
        print(f"| {lang} | {mean(r['p1'] for r in answerable):.3f} | {mean(r['p1_picked'] for r in answerable):.3f} "
              f"| {mean(picks):.3f} | {mean(r['none'] for r in part if r['answerable']):.3f} "
              f"| {mean(r['none'] for r in part if not r['answerable']):.3f} |")


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
    gf = sub.add_parser("gatefit")
    gf.add_argument("--train", type=Path, action="append", required=True)
    gf.add_argument("--report", type=Path, action="append", default=[])
    gf.add_argument("--max-false", type=float, default=0.10, help="answerable refused allowed on the training sets")
    gf.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    gf.set_defaults(func=gatefit)
    k = sub.add_parser("cosines")
    k.add_argument("--also", type=Path, action="append", default=[], help="another dataset (e.g. reports_probe.jsonl)")
    k.set_defaults(func=cosines)
    o = sub.add_parser("oracle")
    o.add_argument("--backend", default="local", choices=("local", "openai", "extractive"))
    o.add_argument("--limit", type=int, default=0, help="the first N answerable items of each language")
    o.set_defaults(func=oracle)
    m = sub.add_parser("monotone")
    m.add_argument("run", help="an eval run folder of a model back-end")
    m.set_defaults(func=monotone)
    cl = sub.add_parser("claims")
    cl.add_argument("run", help="a local eval run with compose.quote_uncited on (the default)")
    cl.add_argument("--out", required=True, help="the run folder to write")
    cl.add_argument("--set", action="append", default=[], metavar="compose.KEY=JSON")
    cl.set_defaults(func=claims)
    u = sub.add_parser("units")
    u.add_argument("--k", type=int, default=10)
    u.set_defaults(func=units)
    r = sub.add_parser("rank")
    r.add_argument("--query-prompt", default="", help='e.g. "task: question answering | query: "')
    r.add_argument("--unit-title", action="store_true", help="embed units with their section as the title")
    r.add_argument("--hyde", type=Path, action="append", default=[], help="JSONL of {id, hyde}: a hypothetical answer per question")
    r.add_argument("--hyde-weight", type=float, default=1.0, help="share of the dense score taken from the hypothetical answer")
    r.add_argument("--hyde-as", choices=("document", "query"), default="document")
    r.set_defaults(func=rank)
    w = sub.add_parser("show")
    w.add_argument("questions", nargs="+")
    w.add_argument("--set", action="append", default=[], metavar="STAGE.KEY=JSON")
    w.set_defaults(func=show)
    sub.add_parser("numerals").set_defaults(func=numerals)
    wq = sub.add_parser("write-queries")
    wq.add_argument("mode", choices=("hyde", "translate"))
    wq.add_argument("--out", type=Path, required=True)
    wq.set_defaults(func=write_queries)
    pk = sub.add_parser("pick")
    pk.add_argument("--top", type=int, default=5)
    pk.add_argument("--limit", type=int, default=0, help="the first N items of the dataset")
    pk.set_defaults(func=pick)
    c = sub.add_parser("check")
    c.add_argument("--top", type=int, default=3)
    c.add_argument("--limit", type=int, default=0, help="the first N items of the dataset")
    c.add_argument("--refused", action="store_true", help="only questions the gate refuses for closeness: would a 'yes' rescue them?")
    c.set_defaults(func=check)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
