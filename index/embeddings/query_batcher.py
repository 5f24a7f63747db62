"""Encode the queries of concurrent requests together: one model call for all that are waiting."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index.embeddings.query_batcher_config import QueryBatcherConfig

logger = logging.getLogger(__name__)


@dataclass
class _Slot:
    text: str
    ready: threading.Event = field(default_factory=threading.Event)
    vector: np.ndarray | None = None
    error: BaseException | None = None
    leader: bool = False  # woken to encode the next batch rather than with a result


class QueryBatcherClosedError(RuntimeError):
    """A query was sent to a batcher after :meth:`QueryBatcher.close`."""


class QueryBatcher:
    """Calls ``encode(texts) -> (len(texts), dim) array`` once for every query waiting.

    No thread of its own. The first caller to find the model idle becomes the leader: it waits
    at most ``max_wait`` seconds for more queries (less if ``max_batch`` are already there), then
    encodes them all in one call. Callers that arrive while the model is busy queue up; when it
    is free, the longest-waiting of them encodes everything queued (up to ``max_batch``) at once,
    without a further wait (the queue filled while the model was busy). Each caller gets its own
    row, or its own error: when a batch fails, its queries are encoded one by one.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], *, config: QueryBatcherConfig | None = None):
        if not callable(encode):
            raise TypeError("encode must be callable: list of texts -> (n, dim) array")
        if config is not None and not isinstance(config, QueryBatcherConfig):
            raise TypeError(f"config must be a QueryBatcherConfig, got {type(config).__name__}")
        self.config = config or QueryBatcherConfig()
        self._encode = encode
        self.max_batch = self.config.max_batch
        self.max_wait = self.config.max_wait_ms / 1000
        self._lock = threading.Condition()
        self._pending: list[_Slot] = []
        self._running = False
        self._closed = False
        self.batches = 0  # model calls made (for benchmarks)
        self.queries = 0

    def __call__(self, text: str) -> np.ndarray:
        slot = _Slot(text)
        with self._lock:
            if self._closed:
                raise QueryBatcherClosedError("the query encoder has been shut down")
            self._pending.append(slot)
            if not self._running:
                self._running = slot.leader = True
            elif len(self._pending) >= self.max_batch:
                self._lock.notify_all()  # a leader waiting for company can go now
        first = slot.leader
        if not slot.leader:
            slot.ready.wait()
        if slot.leader and slot.vector is None and slot.error is None:
            self._run_batch(wait=first)
        if slot.error is not None:
            raise slot.error
        assert slot.vector is not None
        return slot.vector

    def close(self) -> None:
        """Refuse new queries; those already queued are still encoded (a leader waiting for
        company stops waiting)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def _run_batch(self, *, wait: bool) -> None:
        with self._lock:
            if wait and self.max_wait > 0:
                deadline = time.monotonic() + self.max_wait
                while len(self._pending) < self.max_batch and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._lock.wait(left)
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
        started = time.perf_counter()
        try:
            self._encode_into(batch)
        except BaseException as exc:  # interrupted: nobody of this batch may wait forever
            for slot in batch:
                if slot.vector is None and slot.error is None:
                    slot.error = exc
        logger.debug("encoded %d queries in one call in %.3f s", len(batch), time.perf_counter() - started)
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

    def _encode_into(self, batch: list[_Slot]) -> None:
        """Give every slot its vector; if the call fails, encode the queries one by one so that
        each caller gets its own vector or its own error."""
        try:
            vectors = self._encode([slot.text for slot in batch])
            if len(vectors) != len(batch):
                raise ValueError(f"the encoder returned {len(vectors)} vectors for {len(batch)} queries")
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            logger.warning("encoding %d queries together failed (%s); encoding them one by one", len(batch), exc)
            for slot in batch:
                self._encode_into([slot])
            return
        for slot, vector in zip(batch, vectors, strict=True):
            slot.vector = vector
