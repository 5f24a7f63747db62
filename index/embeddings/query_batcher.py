"""Encode the queries of concurrent requests together: one model call for all that are waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _Slot:
    text: str
    ready: threading.Event = field(default_factory=threading.Event)
    vector: np.ndarray | None = None
    error: BaseException | None = None
    leader: bool = False  # woken to encode the next batch rather than with a result


class QueryBatcher:
    """Calls ``encode(texts) -> (len(texts), dim) array`` once for every query waiting.

    No thread of its own and no waiting window: the first caller encodes its query at once; the
    callers that arrive meanwhile queue up, and when the model is free the first of them encodes
    everything queued (up to ``max_batch``) in one call. A lone request is never delayed; under
    load, one batch replaces many small calls that would otherwise share the cores.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], *, max_batch: int = 32):
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self._encode = encode
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Slot] = []
        self._running = False
        self.batches = 0  # model calls made (for benchmarks)
        self.queries = 0

    def __call__(self, text: str) -> np.ndarray:
        slot = _Slot(text)
        with self._lock:
            self._pending.append(slot)
            if not self._running:
                self._running = slot.leader = True
        if not slot.leader:
            slot.ready.wait()
        if slot.leader and slot.vector is None and slot.error is None:
            self._run_batch()
        if slot.error is not None:
            raise slot.error
        assert slot.vector is not None
        return slot.vector

    def _run_batch(self) -> None:
        with self._lock:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
        try:
            vectors = self._encode([slot.text for slot in batch])
            for slot, vector in zip(batch, vectors, strict=True):
                slot.vector = vector
        except BaseException as exc:  # every caller of the batch gets the error
            for slot in batch:
                slot.error = exc
        with self._lock:
            self.batches += 1
            self.queries += len(batch)
            if self._pending:  # hand over: the longest-waiting caller encodes the next batch
                nxt = self._pending[0]
                nxt.leader = True
                nxt.ready.set()
            else:
                self._running = False
        for slot in batch:
            slot.ready.set()
