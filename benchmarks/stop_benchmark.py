"""How quickly Stop stops the local model: time to close an answer stream after a few tokens.

    python benchmarks/stop_benchmark.py [--questions 4] [--after 3]

For each dev question, the answer prompt (real retrieval, default budget) is streamed twice from
the same loaded model and closed after ``--after`` tokens: once through ``AnswerGenerator.stream``
(what the assistant and the UI's Stop use) and once through ``AnswerGenerator.chain.stream``, the
``prompt | model | parser`` Runnable, as the baseline measured in the same run. A closed
``RunnableSequence`` reads the rest of the model's output for its trace, so its close waits for
the whole answer; the direct stream cancels llama.cpp at once.
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

from assistant.language import answer_language  # noqa: E402
from reportqa.factory import make_assistant  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DEV_SET = REPO / "evals" / "datasets" / "reports_dev.jsonl"


def close_after(stream, tokens: int) -> float:
    """Read ``tokens`` items of ``stream``, then the seconds ``close()`` takes."""
    iterator = iter(stream)
    for _ in range(tokens):
        next(iterator, None)
    clock = time.perf_counter()
    iterator.close()
    return time.perf_counter() - clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=4, help="dev questions (alternating zh / en)")
    parser.add_argument("--after", type=int, default=3, help="tokens read before closing")
    args = parser.parse_args()

    # The assistant's own pieces: its retriever, passage budget and answer generator.
    assistant = make_assistant(load_settings({"assistant.backend": "local"}))
    generator = assistant.generator
    items = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    zh = [i for i in items if i["lang"] == "zh" and i["type"] == "explanation"]
    en = [i for i in items if i["lang"] == "en" and i["type"] == "explanation"]
    picked = [q for pair in zip(zh, en) for q in pair][: args.questions]

    direct, chained = [], []
    for item in picked:
        question = item["question"]
        inputs = {"language": answer_language(question), "question": question,
                  "passages": assistant.budget.select(question, assistant.retriever.retrieve(question, k=assistant.budget.passages))}
        direct.append(close_after(generator.stream(**inputs), args.after))
        chained.append(close_after(generator.chain.stream(inputs), args.after))
        print(f"{item['id']}: close after {args.after} tokens: direct {direct[-1]:.3f} s, "
              f"Runnable chain {chained[-1]:.3f} s", flush=True)
    d, c = statistics.median(direct), statistics.median(chained)
    print(f"\nclose() p50 over {len(picked)} questions: direct {d:.3f} s, Runnable chain (baseline) {c:.3f} s; "
          f"direct / baseline = {d / c:.3f}")


if __name__ == "__main__":
    main()
