"""Would llama.cpp's speculative decoding make the local model's English answers faster?

    python benchmarks/speculative_benchmark.py [--questions 4] [--modes none,ngram_mod,draft]

For the first ``--questions`` English dev questions, the composer's real prompts (the lead over
the selected units, then the translation of the first unit, with the composer's grammars) are
sent to one llama.cpp server per mode, one mode after the other in the same process:

- ``none``: the shipped configuration;
- ``ngram_mod`` / ``ngram_simple``: drafts looked up in the prompt and the text written so far;
- ``draft``: Qwen2.5-Coder-0.5B drafting for the 1.5B model (same tokenizer).

Greedy decoding makes the outputs of every mode identical in principle; the table says whether
they were, the seconds per mode (the ratio to ``none`` is the number that counts on a shared
machine), the generation speed and, where llama.cpp reports it, how many drafted tokens the
1.5B model accepted.
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

from assistant.stages.model_composer import _GRAMMAR, lead_messages, translation_messages  # noqa: E402
from reportqa.factory import make_assistant  # noqa: E402
from reportqa.models import ModelRegistry  # noqa: E402
from reportqa.settings import load_settings  # noqa: E402

DEV_SET = REPO / "evals" / "datasets" / "reports_dev.jsonl"
ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def prompts(settings, count: int) -> list[tuple[str, list, int, str]]:
    """``(kind, messages, max_tokens, grammar)`` of the composer for ``count`` English questions."""
    assistant = make_assistant(settings, "extractive")
    items = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for item in [i for i in items if i["lang"] == "en" and i["evidence"]][:count]:
        answer = assistant.preview(item["question"], item.get("history", []))
        if not answer.evidence:
            continue
        first = answer.evidence[0]
        out.append(("lead", lead_messages("en", answer.standalone_question, list(answer.evidence)), 96, "en"))
        out.append(("translation", translation_messages(first), max(200, int(len(first.unit.text) * 0.9)), "translation"))
    return out


def server(mode: str, model: str, draft: str, threads: int):
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = 4096
    params.n_parallel = 1
    params.cache_prompt = True
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = threads
    params.warmup = False
    params.verbosity = -1
    kinds = xllamacpp.common_speculative_type
    if mode == "ngram_mod":
        params.speculative.types = [kinds.COMMON_SPECULATIVE_TYPE_NGRAM_MOD]
    elif mode == "ngram_simple":
        params.speculative.types = [kinds.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
    elif mode == "draft":
        params.speculative.types = [kinds.COMMON_SPECULATIVE_TYPE_DRAFT_SIMPLE]
        params.speculative.draft.mparams.path = draft
        params.speculative.draft.cpuparams.n_threads = params.speculative.draft.cpuparams_batch.n_threads = threads
    elif mode != "none":
        raise SystemExit(f"unknown mode {mode!r}")
    return xllamacpp.Server(params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=4)
    parser.add_argument("--modes", default="none,ngram_mod,draft")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = load_settings()
    registry = ModelRegistry.from_settings(settings)
    model = str(registry.resolve(settings.models.chat_model))
    draft = str(registry.resolve("qwen2.5-coder-0.5b-instruct-q4"))
    work = prompts(settings, args.questions)
    rows, outputs = [], {}
    for mode in args.modes.split(","):
        llm = server(mode, model, draft, args.threads)
        seconds, speeds, drafted, accepted, texts = [], [], 0, 0, []
        for _, messages, max_tokens, grammar in work:
            request = {"messages": [{"role": ROLES[m.type], "content": m.content} for m in messages],
                       "max_tokens": max_tokens, "temperature": 0.0, "seed": 42, "cache_prompt": True,
                       "grammar": _GRAMMAR[grammar]}
            started = time.perf_counter()
            reply = llm.handle_chat_completions(request)
            seconds.append(time.perf_counter() - started)
            if "error" in reply:
                raise SystemExit(f"{mode}: {reply['error']}")
            timings = reply.get("timings") or {}
            speeds.append(timings.get("predicted_per_second") or 0.0)
            drafted += timings.get("draft_n") or 0
            accepted += timings.get("draft_n_accepted") or 0
            texts.append(reply["choices"][0]["message"]["content"])
        outputs[mode] = texts
        rows.append((mode, sum(seconds), statistics.median(speeds), drafted, accepted))
        del llm
    base = rows[0][1]
    print(f"{len(work)} prompts ({len(work) // 2} English dev questions: lead + one translation each)")
    print("| mode | seconds | ratio to first | generation tokens/s (median) | drafted / accepted | same output as first |")
    print("|---|---|---|---|---|---|")
    for mode, total, speed, drafted_n, accepted_n in rows:
        same = sum(a == b for a, b in zip(outputs[mode], outputs[rows[0][0]]))
        print(f"| {mode} | {total:.1f} | {total / base:.2f} | {speed:.1f} | {drafted_n} / {accepted_n} | {same} of {len(work)} |")


if __name__ == "__main__":
    main()
