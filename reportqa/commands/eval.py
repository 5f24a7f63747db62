"""``reportqa eval``: run a suite, compare two runs, or run the RGB benchmark.

    reportqa eval SUITE.jsonl [--backend B] [--k N] [--limit N] [--filter lang=en,type=list] [--out DIR]
    reportqa eval compare RUN_A RUN_B
    reportqa eval rgb FILE [--noise 0.4] [--n 100] [--backend B] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reportqa.errors import CommandError
from reportqa.settings import Settings

USAGE = """reportqa eval SUITE.jsonl [options]
       reportqa eval compare RUN_A RUN_B
       reportqa eval rgb FILE [--noise R] [--n N] [options]"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval", usage=USAGE, help="evaluate on a question suite, compare runs, or run the RGB benchmark",
        description="Run an evaluation suite (JSONL, format in evals/README.md) through the assistant and "
                    "write results.jsonl, summary.md and report.html; compare two run folders; or run the "
                    "RGB Chinese benchmark through the same chain.",
    )  # fmt: skip
    parser.add_argument("target", nargs="+", metavar="SUITE.jsonl | compare RUN_A RUN_B | rgb FILE")
    parser.add_argument("--backend", dest="assistant.backend", choices=("local", "openai", "extractive"),
                        help="answering back-end (default: the configured one)")
    parser.add_argument("--k", type=int, default=10, help="retrieval depth ranked by the retrieval metrics (default 10)")
    parser.add_argument("--limit", type=int, help="evaluate N (filtered) items sampled evenly across language and "
                                                  "type (seeded by --seed)")
    parser.add_argument("--filter", help="keep items matching key=value pairs, e.g. lang=en,type=list")
    parser.add_argument("--out", type=Path, help="run folder (default DATA_DIR/evals/<suite>-<backend>); "
                                                 "an existing run there is resumed")
    parser.add_argument("--fail-under", metavar="METRIC=FLOOR,...",
                        help="exit 1 if a metric's mean is below its floor, e.g. recall@5=0.6,citation_precision=0.5")
    parser.add_argument("--noise", type=float, default=0.4, help="rgb: share of noise passages (default 0.4)")
    parser.add_argument("--n", type=int, default=100, help="rgb: number of questions (seeded sample, default 100)")
    parser.add_argument("--rejection-n", type=int,
                        help="rgb: questions for the rejection run at noise 1.0 (default --n; a subset of them)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the --limit sample; rgb: of question and passage order")
    parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
    parser.add_argument("--blind", action="store_true",
                        help="metrics and counts only: no item's question or answer in the summaries, the report "
                             "or a comparison (for a frozen test set that whoever tunes must not read)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    target = args.target
    if target[0] == "compare":
        if len(target) != 3:
            raise CommandError("usage: reportqa eval compare RUN_A RUN_B", exit_code=2)
        return run_compare(Path(target[1]), Path(target[2]), blind=args.blind)
    if target[0] == "rgb":
        if len(target) != 2:
            raise CommandError("usage: reportqa eval rgb FILE [--noise R] [--n N]", exit_code=2)
        return run_rgb(args, settings, Path(target[1]))
    if len(target) != 1:
        raise CommandError(f"expected one suite file, got {len(target)} arguments\nusage: {USAGE}", exit_code=2)
    return run_suite_command(args, settings, Path(target[0]))


def _floors(spec: str | None) -> dict[str, float]:
    from evals.ci_gate import parse_floors

    try:
        return parse_floors(spec) if spec else {}
    except ValueError as exc:
        raise CommandError(str(exc), exit_code=2) from exc


def run_suite_command(args: argparse.Namespace, settings: Settings, suite_path: Path) -> int:
    from evals.ci_gate import check_floors
    from evals.item_sample import sample_items
    from evals.run_info import build_run_info
    from evals.run_reports import write_reports
    from evals.suite import SuiteFormatError, load_suite, parse_filter, select_items, suite_fingerprint
    from evals.suite_runner import RESULTS_FILE, RunMismatchError, SuiteRunner, rescore_results, write_run_info
    from reportqa.factory import make_assistant

    if args.k < 1:
        raise CommandError(f"--k must be at least 1, got {args.k}", exit_code=2)
    floors = _floors(args.fail_under)
    try:
        sample = sample_items(select_items(load_suite(suite_path), parse_filter(args.filter)), args.limit,
                              seed=args.seed)
    except SuiteFormatError as exc:
        raise CommandError(f"bad suite: {exc}", exit_code=2) from exc
    except ValueError as exc:
        raise CommandError(str(exc), exit_code=2) from exc
    if not sample.items:
        raise CommandError(f"no suite item matches --filter {args.filter}", exit_code=2)
    items = sample.items
    print(f"evaluating {sample.describe()}", file=sys.stderr)

    backend = settings.assistant.backend
    out_dir = args.out or settings.data_dir / "evals" / f"{suite_path.stem}-{backend}"
    info = build_run_info(
        settings=settings, backend=backend, suite=suite_path, suite_sha256=suite_fingerprint(suite_path),
        index_dir=settings.index_dir,
        extra={"k": args.k, "filter": args.filter, "limit": args.limit, "sample": sample.to_dict()},
    )
    try:  # checked before any model loads: a mismatching folder fails in a second
        write_run_info(out_dir, info)
    except RunMismatchError as exc:
        raise CommandError(str(exc), exit_code=2) from exc

    assistant = make_assistant(settings, backend)
    runner = SuiteRunner(assistant, retriever=assistant.retriever, k=args.k, progress=not args.no_progress)
    results = runner.run(items, out_dir)
    rescore_results(results, items)  # records from an earlier session get today's metric code
    summary, markdown = write_reports(out_dir, blind=args.blind)
    print(markdown)
    print(f"results: {out_dir / RESULTS_FILE}\nreport:  {out_dir / 'report.html'}", file=sys.stderr)
    failures = check_floors(summary, floors)
    for message in failures:
        print(f"FAIL {message}", file=sys.stderr)
    return 1 if failures else 0


def run_compare(run_a: Path, run_b: Path, *, blind: bool = False) -> int:
    from evals.run_comparison import compare_runs

    try:
        comparison = compare_runs(run_a, run_b)
    except (FileNotFoundError, ValueError) as exc:
        raise CommandError(str(exc), exit_code=2) from exc
    if comparison.common == 0:
        raise CommandError(f"{run_a} and {run_b} have no item in common", exit_code=2)
    print(comparison.to_markdown(max_items=0) if blind else comparison.to_markdown())
    return 0


def run_rgb(args: argparse.Namespace, settings: Settings, path: Path) -> int:
    import json

    from evals.rgb import RGBBenchmark, RGBFormatError, choose_items, load_rgb, render_rgb_markdown, summarize_rgb
    from evals.rgb.passage_library import PassageLibrary, with_retriever
    from evals.run_info import build_run_info
    from index.embedding_cache import EmbeddingCache
    from reportqa.factory import make_assistant, make_embeddings, make_pipeline, make_retriever

    if not 0.0 <= args.noise < 1.0:
        raise CommandError(f"--noise must be within [0, 1) (the rejection run at 1.0 is always added), got {args.noise}",
                           exit_code=2)
    try:
        all_items = load_rgb(path)
        items = choose_items(all_items, args.n, seed=args.seed)
        # Nested subsets: the rejection questions are among the accuracy questions.
        rejection_items = choose_items(all_items, min(args.rejection_n or args.n, args.n), seed=args.seed)
    except (RGBFormatError, ValueError) as exc:
        raise CommandError(str(exc), exit_code=2) from exc
    backend = settings.assistant.backend
    out_dir = args.out or settings.data_dir / "evals" / f"rgb-{backend}"
    out_dir.mkdir(parents=True, exist_ok=True)

    embeddings, pipeline = make_embeddings(settings), make_pipeline(settings)
    base = None

    def assistant_over(retriever):
        nonlocal base  # the first assistant loads the chat model; the others share it
        if base is None:
            base = make_assistant(settings, backend, retriever=retriever)
            return base
        return with_retriever(base, retriever)

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddingCache(settings.embedding_cache_path) as cache:
        library = PassageLibrary(
            work_dir=out_dir / "libraries", embeddings=embeddings, pipeline=pipeline,
            make_retriever=lambda index: make_retriever(settings, index), make_assistant=assistant_over,
            cache=cache,
        )
        benchmark = RGBBenchmark(library, seed=args.seed, progress=not args.no_progress)
        results = {
            args.noise: summarize_rgb(benchmark.run(items, args.noise, out_dir), seed=args.seed),
            1.0: summarize_rgb(benchmark.run(rejection_items, 1.0, out_dir), seed=args.seed),
        }
    info = build_run_info(
        settings=settings, backend=backend,
        extra={"benchmark": str(path), "n_items": len(items), "n_rejection_items": len(rejection_items),
               "n_passages": benchmark.n_passages,
               "seed": args.seed, "noise": args.noise},
    )
    (out_dir / "run.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    markdown = render_rgb_markdown(results, info)
    (out_dir / "rgb_summary.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0
