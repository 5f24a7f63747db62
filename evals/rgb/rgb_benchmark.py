"""Run RGB questions through our own chain: a fresh small library per question, then ask.

``assistant_for(passages)`` builds that library and returns an assistant over it (see
``PassageLibrary``); tests pass a fake. Records go to a JSONL file per noise rate, one line per
question, flushed as written, so a run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.metrics.bootstrap import Interval, bootstrap_mean
from evals.rgb.rgb_dataset import RGBItem, sample_passages
from evals.rgb.rgb_scoring import is_correct
from evals.suite_runner import AssistantLike, read_records

logger = logging.getLogger(__name__)

AssistantFactory = Callable[[Sequence[str]], AbstractContextManager[AssistantLike]]


def results_file(out_dir: str | Path, noise: float) -> Path:
    return Path(out_dir) / f"rgb_noise{noise:.2f}.jsonl"


class RGBBenchmark:
    """Asks each question over its sampled passages and scores accuracy or rejection.

    ``assistant_for(passages)`` must return a context manager yielding an assistant that
    answers over exactly those passages (and cleans its library up on exit).
    """

    def __init__(
        self,
        assistant_for: AssistantFactory,
        *,
        n_passages: int = 5,
        seed: int = 0,
        progress: bool = True,
    ):
        if not callable(assistant_for):
            raise TypeError("assistant_for must be a callable taking the passages")
        if n_passages < 1:
            raise ValueError(f"n_passages must be at least 1, got {n_passages}")
        self.assistant_for = assistant_for
        self.n_passages = n_passages
        self.seed = seed
        self.progress = progress

    def record(self, item: RGBItem, noise: float) -> dict[str, Any]:
        sample = sample_passages(item, noise, n_passages=self.n_passages, seed=self.seed)
        started = time.perf_counter()
        with self.assistant_for(sample.passages) as assistant:
            built = time.perf_counter()
            answer = assistant.ask(item.query, [])
        timings = {k: round(float(v), 4) for k, v in answer.timings.items()}
        timings["library_build"] = round(built - started, 4)
        return {
            "id": item.id,
            "query": item.query,
            "gold": item.answer,
            "noise": noise,
            # Passage hashes, not text: the benchmark's passages stay in its own (NC-SA) file.
            "passages": [
                {"sha1": hashlib.sha1(p.encode("utf-8")).hexdigest()[:12], "negative": neg}
                for p, neg in zip(sample.passages, sample.is_negative)
            ],
            "n_negative": sample.n_negative,
            "prediction": answer.answer,
            "refused": bool(answer.refused),
            "correct": is_correct(answer.answer, item.answer, refused=bool(answer.refused)),
            "cited_negative": _cited_negative(answer, sample.passages, sample.is_negative),
            "timings": timings,
        }

    def run(self, items: Sequence[RGBItem], noise: float, out_dir: str | Path) -> list[dict[str, Any]]:
        """Answer the items not yet recorded at this noise rate; returns all their records."""
        path = results_file(out_dir, noise)
        path.parent.mkdir(parents=True, exist_ok=True)
        done = {rid: rec for rid, rec in read_records(path).items() if "error" not in rec}
        todo = [item for item in items if str(item.id) not in done and item.id not in done]
        with path.open("a", encoding="utf-8") as out, tqdm(
            total=len(items), initial=len(items) - len(todo), desc=f"rgb noise={noise}", unit="q",
            disable=not self.progress, dynamic_ncols=True,
        ) as bar:
            for item in todo:
                try:
                    record = self.record(item, noise)
                except Exception as exc:  # one bad question must not lose the run
                    logger.warning("RGB item %s failed: %s", item.id, exc)
                    record = {"id": item.id, "noise": noise, "error": f"{type(exc).__name__}: {exc}"}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                bar.update(1)
        records = read_records(path)
        wanted = {str(item.id) for item in items}
        return [r for r in records.values() if str(r["id"]) in wanted]


def _cited_negative(answer: Any, passages: Sequence[str], negative: Sequence[bool]) -> bool:
    """Whether the answer cites a passage that came from the negative (noise) list."""
    noise_texts = [p for p, neg in zip(passages, negative) if neg]
    for citation in getattr(answer, "citations", []):
        span = "".join(citation.text.split())[:40]
        if span and any(span in "".join(p.split()) for p in noise_texts):
            return True
    return False


def summarize_rgb(records: Sequence[Mapping[str, Any]], *, seed: int = 0) -> dict[str, Interval]:
    """Accuracy (noise < 1) or rejection rate (noise = 1), with bootstrap intervals."""
    scored = [r for r in records if "error" not in r]
    if not scored:
        return {}
    if all(r["noise"] >= 1.0 for r in scored):
        return {"rejection_rate": bootstrap_mean([float(r["refused"]) for r in scored], seed=seed)}
    return {
        "accuracy": bootstrap_mean([float(r["correct"]) for r in scored], seed=seed),
        "refusal_rate": bootstrap_mean([float(r["refused"]) for r in scored], seed=seed),
        "cited_noise_rate": bootstrap_mean([float(r["cited_negative"]) for r in scored], seed=seed),
    }


def render_rgb_markdown(results: Mapping[float, Mapping[str, Interval]], info: Mapping[str, Any]) -> str:
    """The RGB summary table; ``results`` maps each noise rate to its metrics."""
    lines = [
        f"# RGB (Chinese) through reportqa — back-end {info.get('backend', '?')}",
        "",
        f"{info.get('n_items', '?')} questions ({info.get('n_rejection_items', info.get('n_items', '?'))} for "
        f"rejection), {info.get('n_passages', 5)} passages each, seed {info.get('seed', 0)}; 95 % bootstrap intervals.",
        "",
        "| noise | metric | value | n |",
        "|---|---|---|---|",
    ]
    for noise in sorted(results):
        for name, interval in results[noise].items():
            lines.append(f"| {noise:.2f} | {name} | {interval.format(3)} | {interval.n} |")
    return "\n".join(lines) + "\n"
