"""How fast the local model reads prompts and writes answers on this machine, from its own timings.

llama.cpp reports, for every call, how many prompt tokens it read and tokens it generated and
how long each took. ``ModelSpeed`` is a LangChain callback handler that keeps the recent calls,
so the chat can tell a user how long an answer will take *here* (a busy 2-core machine is several
times slower than an idle one; a fixed number would mislead). The measurements are recorded in a
small JSON file, so a restarted server estimates from its first question on.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

logger = logging.getLogger(__name__)

RECENT_CALLS = 16  # enough to ride out one odd call, few enough to follow the machine's load


@dataclass(frozen=True)
class ModelCall:
    """One call's own timings: tokens read and written, and the milliseconds each took."""

    prompt_tokens: int
    prompt_ms: float
    answer_tokens: int
    answer_ms: float

    @classmethod
    def from_timings(cls, timings: Mapping[str, Any]) -> ModelCall | None:
        """From llama.cpp's ``timings`` (``prompt_n``, ``prompt_ms``, ``predicted_n``, ``predicted_ms``)."""
        try:
            call = cls(int(timings["prompt_n"]), float(timings["prompt_ms"]),
                       int(timings["predicted_n"]), float(timings["predicted_ms"]))
        except (KeyError, TypeError, ValueError):
            return None
        return call if call.prompt_ms >= 0 and call.answer_ms >= 0 else None


@dataclass(frozen=True)
class SpeedEstimate:
    prompt_tokens_per_second: float
    answer_tokens_per_second: float
    expected_seconds: float  # one answer-sized call: its prompt read plus its answer written
    calls: int  # how many measured calls this rests on


class ModelSpeed(BaseCallbackHandler):
    """Attach to a chat model (``model.callbacks = [speed]``); ``estimate()`` is then measured.

    Args:
        record_path: JSON file keeping the recent calls between runs (``None``: memory only).
    """

    def __init__(self, *, record_path: str | Path | None = None, recent: int = RECENT_CALLS):
        if recent < 1:
            raise ValueError(f"recent must be at least 1, got {recent}")
        self.record_path = Path(record_path) if record_path is not None else None
        self._calls: deque[ModelCall] = deque(maxlen=recent)
        self._lock = threading.Lock()
        self._load()

    def config(self) -> dict[str, Any]:
        return {"record_path": str(self.record_path) if self.record_path else None, "recent": self._calls.maxlen}

    # ----- measuring ---------------------------------------------------------------------
    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        for generations in getattr(response, "generations", []):
            for generation in generations:
                info = dict(getattr(generation, "generation_info", None) or {})
                message = getattr(generation, "message", None)
                info.update(getattr(message, "response_metadata", None) or {})
                call = ModelCall.from_timings(info.get("timings") or {})
                if call is not None:
                    self.add(call)

    def add(self, call: ModelCall) -> None:
        with self._lock:
            self._calls.append(call)
            calls = list(self._calls)
        self._save(calls)

    # ----- estimating --------------------------------------------------------------------
    def estimate(self) -> SpeedEstimate | None:
        """Speeds and the expected time of one answer, or ``None`` before any measurement."""
        with self._lock:
            calls = list(self._calls)
        read = [c for c in calls if c.prompt_tokens and c.prompt_ms > 0]
        written = [c for c in calls if c.answer_tokens and c.answer_ms > 0]
        if not read or not written:
            return None
        prompt_tps = sum(c.prompt_tokens for c in read) / (sum(c.prompt_ms for c in read) / 1000)
        answer_tps = sum(c.answer_tokens for c in written) / (sum(c.answer_ms for c in written) / 1000)
        # Rewrites and repairs are short calls too: size an answer by the calls with the longest
        # prompts (at least half the longest seen), which are the answering ones.
        longest = max(c.prompt_tokens for c in calls)
        answers = [c for c in calls if c.prompt_tokens >= longest / 2]
        prompt_tokens = statistics.median(c.prompt_tokens for c in answers)
        answer_tokens = statistics.median(c.answer_tokens for c in answers)
        expected = prompt_tokens / prompt_tps + answer_tokens / answer_tps
        return SpeedEstimate(prompt_tps, answer_tps, expected, len(calls))

    # ----- the record --------------------------------------------------------------------
    def _load(self) -> None:
        if self.record_path is None or not self.record_path.is_file():
            return
        try:
            data = json.loads(self.record_path.read_text(encoding="utf-8"))
            calls = [ModelCall(**entry) for entry in data["calls"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a broken record only costs the estimate
            logger.warning("ignoring the model speed record %s: %s", self.record_path, exc)
            return
        self._calls.extend(calls)

    def _save(self, calls: list[ModelCall]) -> None:
        if self.record_path is None:
            return
        try:
            self.record_path.parent.mkdir(parents=True, exist_ok=True)
            staging = self.record_path.with_suffix(".tmp")
            staging.write_text(json.dumps({"calls": [asdict(c) for c in calls]}) + "\n", encoding="utf-8")
            os.replace(staging, self.record_path)
        except OSError as exc:
            logger.warning("could not record the model speed in %s: %s", self.record_path, exc)
