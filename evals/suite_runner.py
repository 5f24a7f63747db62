"""Run a suite through an assistant, one JSON line per question, resumable.

``DIR/results.jsonl`` is an append-only log: each line is one question's record, written and
flushed as soon as the question is answered, so an interrupted run loses at most the question
in flight. On restart the answered ids are skipped; a record with an ``error`` is retried, and
the last record of an id wins. ``DIR/run.json`` describes the run; resuming with a different
suite, back-end or index is refused, since the two halves would not be comparable.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from evals.item_scores import score_item
from evals.suite import SuiteItem

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.jsonl"
RUN_FILE = "run.json"
# run.json keys that must agree between the first run and a resumed one.
RESUME_KEYS = ("suite_sha256", "backend", "k", "index_manifest_sha256", "settings")


class RunMismatchError(ValueError):
    """The output folder holds a run that cannot be resumed with these arguments."""


class AssistantLike(Protocol):
    def ask(self, question: str, history: Sequence[Mapping[str, str]] = ()) -> Any: ...


class RetrieverLike(Protocol):
    def retrieve(self, query: str, *, k: int | None = None) -> list[Any]: ...


def _passage_entry(result: Any) -> dict[str, Any]:
    chunk = result.chunk
    return {
        "rank": result.rank,
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "doc_title": getattr(chunk, "doc_title", "") or "",
        "score": round(float(result.score), 6),
        "text": chunk.text,
        "start": chunk.start,
        "end": chunk.end,
    }


def _cited_passage_text(citation: Any, passages: Sequence[Any]) -> str:
    """The text of the retrieved passage holding a citation's span (the span itself if none does)."""
    for passage in passages:
        chunk = passage.chunk
        if chunk.doc_id == citation.doc_id and chunk.start <= citation.start and citation.end <= chunk.end:
            return chunk.text
    return citation.text


def read_records(path: Path) -> dict[str, dict[str, Any]]:
    """Records by id (last one wins). A torn last line from a crash is dropped, others must parse."""
    records: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        return records
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                logger.warning("%s:%d: dropping a partly written last record", path, number)
                continue
            raise ValueError(f"{path}:{number}: corrupt record ({exc.msg}); delete the line to resume") from exc
        records[record["id"]] = record
    return records


def _repair_tail(path: Path) -> None:
    """Make the log end with a newline: a complete last record gets one, a torn one is cut."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return
    cut = data.rfind(b"\n") + 1
    try:
        json.loads(data[cut:].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        path.write_bytes(data[:cut])
    else:
        path.write_bytes(data + b"\n")


class SuiteRunner:
    """Asks every suite question once and records answer, passages, timings and scores.

    ``retriever`` (optional) is queried separately for the top ``k`` passages the retrieval
    metrics rank, since the assistant itself keeps only the few passages it reads; without one,
    the assistant's passages are ranked.
    """

    def __init__(
        self,
        assistant: AssistantLike,
        *,
        retriever: RetrieverLike | None = None,
        k: int = 10,
        progress: bool = True,
    ):
        if not callable(getattr(assistant, "ask", None)):
            raise TypeError(f"assistant must have an ask(question, history) method, got {type(assistant).__name__}")
        if retriever is not None and not callable(getattr(retriever, "retrieve", None)):
            raise TypeError(f"retriever must have a retrieve(query, k=...) method, got {type(retriever).__name__}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.assistant = assistant
        self.retriever = retriever
        self.k = k
        self.progress = progress

    def record(self, item: SuiteItem) -> dict[str, Any]:
        """Ask ``item``'s question and return its JSON-ready record with scores."""
        started = time.perf_counter()
        answer = self.assistant.ask(item.question, [dict(turn) for turn in item.history])
        wall = time.perf_counter() - started
        if self.retriever is not None:
            query = getattr(answer, "standalone_question", "") or item.question
            retrieved = self.retriever.retrieve(query, k=self.k)
            source = "retriever"
        else:
            retrieved, source = list(answer.passages)[: self.k], "answer"
        record: dict[str, Any] = {
            "id": item.id,
            "lang": item.lang,
            "type": item.type,
            "question": item.question,
            "history": [dict(turn) for turn in item.history],
            "gold": {"answer": item.answer, "key_facts": list(item.key_facts)},
            "standalone_question": getattr(answer, "standalone_question", item.question),
            "answer": answer.answer,
            "refused": bool(answer.refused),
            "refusal_reason": getattr(answer, "refusal_reason", None),
            "refusal_detail": detail.to_dict() if (detail := getattr(answer, "refusal_detail", None)) else None,
            "claims": [c.to_dict() for c in getattr(answer, "claims", [])],
            "backend": getattr(answer, "backend", ""),
            "retrieval_source": source,
            "retrieved": [_passage_entry(r) for r in retrieved],
            "passages": [_passage_entry(p) for p in answer.passages],
            "citations": [
                {
                    "n": c.n,
                    "doc_id": c.doc_id,
                    "doc_title": getattr(c, "doc_title", "") or "",
                    "start": c.start,
                    "end": c.end,
                    "supported": bool(getattr(c, "supported", True)),
                    "span": c.text,
                    "text": _cited_passage_text(c, answer.passages),
                }
                for c in answer.citations
            ],
            "timings": {**{k: round(float(v), 4) for k, v in answer.timings.items()}, "wall": round(wall, 4)},
        }
        record["scores"] = score_item(item, record)
        return record

    def run(
        self, items: Sequence[SuiteItem], out_dir: str | Path, run_info: Mapping[str, Any] | None = None
    ) -> Path:
        """Answer the items not yet in ``out_dir``; returns the results path.

        ``run_info`` is written to ``run.json`` (see ``write_run_info``); pass ``None`` when the
        caller wrote it already, e.g. to check the folder before loading any model.
        """
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        if run_info is not None:
            write_run_info(out_dir, {**run_info, "k": self.k})
        results_path = out_dir / RESULTS_FILE
        _repair_tail(results_path)
        done = {rid for rid, rec in read_records(results_path).items() if "error" not in rec}
        todo = [item for item in items if item.id not in done]
        if len(todo) < len(items):
            logger.info("resuming: %d of %d items already answered", len(items) - len(todo), len(items))
        failures = 0
        with results_path.open("a", encoding="utf-8") as out, tqdm(
            total=len(items), initial=len(items) - len(todo), desc="eval", unit="q",
            disable=not self.progress, dynamic_ncols=True,
        ) as bar:
            for item in todo:
                try:
                    record = self.record(item)
                except Exception as exc:  # one bad question must not lose the run
                    failures += 1
                    logger.debug("item %s failed:\n%s", item.id, traceback.format_exc())
                    record = {"id": item.id, "lang": item.lang, "type": item.type,
                              "question": item.question, "error": f"{type(exc).__name__}: {exc}"}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                bar.update(1)
        if failures:
            logger.warning("%d item(s) failed; they are recorded with 'error' and retried on the next run", failures)
        return results_path


def rescore_results(path: str | Path, items: Sequence[SuiteItem]) -> int:
    """Recompute the scores of the recorded ``items`` with the current metric code.

    Records keep everything the metrics read (answer, refusal, retrieved and cited passage
    text), so a changed metric or gold annotation does not require asking again. The log is
    rewritten atomically, one record per id; returns how many records were rescored.
    """
    path = Path(path)
    records = read_records(path)
    by_id = {item.id: item for item in items}
    rescored = 0
    for rid, record in records.items():
        item = by_id.get(rid)
        if item is not None and "error" not in record:
            record["gold"] = {"answer": item.answer, "key_facts": list(item.key_facts)}
            record["scores"] = score_item(item, record)
            rescored += 1
    staging = path.with_suffix(".jsonl.tmp")
    staging.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records.values()), encoding="utf-8")
    os.replace(staging, path)
    return rescored


def write_run_info(out_dir: str | Path, run_info: Mapping[str, Any]) -> Path:
    """Write ``run.json`` into ``out_dir``, refusing (``RunMismatchError``) when the folder holds
    a run whose suite, back-end, retrieval depth, index or settings differ."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RUN_FILE
    info = dict(run_info)
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8"))
        differing = [key for key in RESUME_KEYS if key in info and previous.get(key) != info.get(key)]
        if differing:
            raise RunMismatchError(
                f"{out_dir} holds a run with different {', '.join(differing)}; "
                "choose another --out folder (or delete this one) to start a new run"
            )
        info["created"] = previous.get("created", info.get("created"))
        info["resumed"] = int(previous.get("resumed", 0)) + 1
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def run_suite(
    items: Sequence[SuiteItem],
    assistant: AssistantLike,
    out_dir: str | Path,
    *,
    run_info: Mapping[str, Any] | None = None,
    retriever: RetrieverLike | None = None,
    k: int = 10,
    progress: bool = True,
) -> Path:
    """Functional shortcut for ``SuiteRunner(...).run(items, out_dir, run_info)``."""
    runner = SuiteRunner(assistant, retriever=retriever, k=k, progress=progress)
    return runner.run(items, out_dir, run_info or {})
