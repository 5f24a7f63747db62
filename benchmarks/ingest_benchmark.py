"""Ingest time per MB of text, from 0.1 to 10 MB, for Chinese, English and mixed text.

    python benchmarks/ingest_benchmark.py [--sizes 0.1,1,10] [--languages zh,en,mixed]
                                          [--timeout 300] [--json out.json]

Each measurement runs ``IngestPipeline.run`` (read, decode, clean, split, chunk) on one
generated ``.txt`` file in a child process that is stopped after ``--timeout`` CPU seconds, so
that a quadratic stage shows as "> timeout" instead of running for hours. The texts are made of the
library's own sentences (Chinese), of generated English prose with abbreviations, decimals and
numbered headings, or of both in alternating paragraphs; all are hard-wrapped like text
extracted from PDFs, so every cleaning stage (re-joining lines, headings, footnote marks) works.

Linear ingest means a flat time per MB: the last column gives each size's CPU s/MB as a ratio to
the smallest size of the same language, measured in the same run (the target is within 1.5x).
CPU time (of the ingesting process) is the measure because the machines are shared: wall time
is given too. Each figure is the median of as many runs as fit in 2 s, after a warm-up run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import signal
import statistics
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

REPORTS = REPO / "data" / "reports"
MB = 2**20

_WORDS = (
    "digital economy trade data policy growth market network cooperation platform services "
    "investment infrastructure governance security innovation region countries development "
    "technology industry report analysis share revenue capacity cloud computing mobile payment "
    "cross-border e-commerce supply chain standards rules framework agreement partners emerging "
    "economies small firms consumers access broadband users regulation privacy protection"
).split()
_ABBREVIATED = ("e.g. the U.S. market", "Dr. Lee", "Fig. 3", "i.e. 3.5% a year", "approx. 12.4 bn", "No. 7")


def chinese_sentences() -> list[str]:
    """Sentences of the library's reports, each ending on its stop mark."""
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(REPORTS.glob("*.txt")))
    text = re.sub(r"\s+", "", text)
    return [s for s in re.findall(r"[^。！？]{8,200}[。！？]", text)]


def english_sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 24))]
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), rng.choice(_ABBREVIATED))
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), f"{rng.randint(2, 99)}.{rng.randint(0, 9)}%,")
    return " ".join(words).capitalize() + "."


def wrap(paragraph: str, width: int) -> list[str]:
    """Hard line breaks every ``width`` characters (at a space for English)."""
    lines: list[str] = []
    while len(paragraph) > width:
        cut = paragraph.rfind(" ", 0, width)
        cut = width if cut <= 0 else cut
        lines.append(paragraph[:cut].strip())
        paragraph = paragraph[cut:]
    lines.append(paragraph.strip())
    return [line for line in lines if line]


def make_text(language: str, size_bytes: int, *, seed: int = 0) -> str:
    """About ``size_bytes`` of UTF-8 text in ``language`` (zh, en or mixed)."""
    rng = random.Random(seed)
    zh = chinese_sentences()
    parts: list[str] = []
    size = 0
    number = 0
    while size < size_bytes:
        number += 1
        chinese = language == "zh" or (language == "mixed" and number % 2)
        if number % 25 == 1:
            heading = f"{number // 25 + 1}.{number % 7 + 1} " + (
                "数字经济合作进展" if chinese else "Progress of digital cooperation"
            )
            lines = [heading]
        elif chinese:
            lines = wrap("".join(rng.choice(zh) for _ in range(rng.randint(2, 7))), 36)
        else:
            lines = wrap(" ".join(english_sentence(rng) for _ in range(rng.randint(2, 7))), 78)
        block = "\n".join(lines) + "\n\n"
        parts.append(block)
        size += len(block.encode("utf-8"))
    return "".join(parts)


def measure_one(language: str, megabytes: float, *, min_seconds: float = 2.0) -> dict:
    """Ingest one generated file in this process: the median seconds of as many runs as fit in
    ``min_seconds`` (at least one), after a warm-up run on a small file (imports, regexes)."""
    from ingest.pipeline import IngestPipeline

    text = make_text(language, int(megabytes * MB))
    pipeline = IngestPipeline(max_file_bytes=64 * MB)
    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / "warm.txt"
        warm.write_text(make_text(language, 20_000, seed=1), encoding="utf-8")
        pipeline.run(warm)
        path = Path(folder) / f"bench_{language}.txt"
        path.write_text(text, encoding="utf-8")
        times: list[float] = []
        cpu_times: list[float] = []
        while not times or sum(times) < min_seconds:
            clock, cpu = time.perf_counter(), time.process_time()
            result = pipeline.run(path)
            times.append(time.perf_counter() - clock)
            cpu_times.append(time.process_time() - cpu)
    return {"language": language, "mb": path_size_mb(text), "seconds": statistics.median(times),
            "cpu_seconds": statistics.median(cpu_times), "runs": len(times), "chunks": len(result.chunks)}


def path_size_mb(text: str) -> float:
    return len(text.encode("utf-8")) / MB


def measure(language: str, megabytes: float, timeout: float) -> dict:
    """``measure_one`` in a child process, stopped after ``timeout`` seconds of CPU time (the
    machines are shared, so wall time says little; ten times as much wall time is a backstop)."""
    command = [sys.executable, __file__, "--one", f"{language}:{megabytes}"]

    def limit_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (int(timeout), int(timeout) + 5))

    stopped = {"language": language, "mb": megabytes, "seconds": None, "timeout": timeout}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10 * timeout, preexec_fn=limit_cpu)
    except subprocess.TimeoutExpired:
        return stopped
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return stopped
    if done.returncode:
        raise SystemExit(f"{language} {megabytes} MB failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0.1,1,10", help="text sizes in MB, comma-separated")
    parser.add_argument("--languages", default="zh,en,mixed")
    parser.add_argument("--timeout", type=float, default=300.0, help="CPU seconds before one measurement is stopped")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # language:MB, run in the child process
    args = parser.parse_args()
    if args.one:
        language, megabytes = args.one.split(":")
        print(json.dumps(measure_one(language, float(megabytes))))
        return

    sizes = [float(size) for size in args.sizes.split(",")]
    rows = []
    print("| text | MB | seconds | CPU seconds | chunks | CPU s/MB | CPU s/MB vs smallest |")
    print("|---|---|---|---|---|---|---|")
    for language in args.languages.split(","):
        base = None
        for megabytes in sizes:
            row = measure(language, megabytes, args.timeout)
            rows.append(row)
            if row["seconds"] is None:
                print(f"| {language} | {megabytes:g} | | > {args.timeout:g} (stopped) | | | |", flush=True)
                continue
            per_mb = row["cpu_seconds"] / row["mb"]
            base = base or per_mb
            print(
                f"| {language} | {row['mb']:.2f} | {row['seconds']:.2f} | {row['cpu_seconds']:.2f} | {row['chunks']} | "
                f"{per_mb:.2f} | {per_mb / base:.2f}x |",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
