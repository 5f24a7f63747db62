"""Evaluation: suites, metrics with bootstrap intervals, runner, reports, comparisons and RGB.

See evals/README.md for the suite format and the metric definitions.
"""

from evals.run_comparison import RunComparison, compare_runs
from evals.run_reports import write_reports
from evals.run_summary import RunSummary
from evals.suite import SuiteFormatError, SuiteItem, load_suite
from evals.suite_runner import SuiteRunner, run_suite

__all__ = [
    "RunComparison", "RunSummary", "SuiteFormatError", "SuiteItem", "SuiteRunner", "compare_runs",
    "load_suite", "run_suite", "write_reports",
]
