"""How quickly Stop stops the local model: time to close an answer stream after a few tokens.

    python benchmarks/stop_benchmark.py [--questions 4] [--after 3]

For each dev question (alternating zh / en explanation questions), the assistant's answer stream
(``Assistant.stream``, what the UI's Stop closes) is read for ``--after`` tokens and closed; the
time ``close()`` takes is what a user waits after pressing Stop. The baseline, measured in the
same run on the same question, is the time the rest of the answer would have taken: the stream
read to its end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reportqa.factory import make_assistant  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DEV_SET = REPO / "evals" / "datasets" / "reports_dev.jsonl"


def read_tokens(iterator, tokens: int) -> None:
    """Advance ``iterator`` past ``tokens`` text items (the answer object at the end is not one)."""
    read = 0
    for item in iterator:
        read += isinstance(item, str)
        if read >= tokens:
            return


def close_after(stream, tokens: int) -> float:
    """Read ``tokens`` text items of ``stream``, then the seconds ``close()`` takes."""
    read_tokens(stream, tokens)
    clock = time.perf_counter()
    stream.close()
    return time.perf_counter() - clock


def finish_after(stream, tokens: int) -> float:
    """Read ``tokens`` text items of ``stream``, then the seconds the rest of it takes."""
    read_tokens(stream, tokens)
    clock = time.perf_counter()
    for _ in stream:
        pass
    return time.perf_counter() - clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=4, help="dev questions (alternating zh / en)")
    parser.add_argument("--after", type=int, default=3, help="tokens read before closing")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    overrides = {"assistant.backend": "local"} | ({"data_dir": args.data_dir} if args.data_dir else {})
    assistant = make_assistant(load_settings(overrides))
    items = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    zh = [i for i in items if i["lang"] == "zh" and i["type"] == "explanation"]
    en = [i for i in items if i["lang"] == "en" and i["type"] == "explanation"]
    picked = [q for pair in zip(zh, en) for q in pair][: args.questions]

    stopped, finished = [], []
    for item in picked:
        preview = assistant.preview(item["question"])
        stopped.append(close_after(assistant.stream(item["question"], preview=preview), args.after))
        finished.append(finish_after(assistant.stream(item["question"], preview=preview), args.after))
        print(f"{item['id']}: after {args.after} tokens, close() {stopped[-1]:.3f} s; "
              f"the rest of the answer {finished[-1]:.1f} s", flush=True)
    s, f = statistics.median(stopped), statistics.median(finished)
    print(f"\np50 over {len(picked)} questions: close() {s:.3f} s, rest of the answer (baseline) {f:.1f} s; "
          f"close / baseline = {s / f:.4f}")


if __name__ == "__main__":
    main()
