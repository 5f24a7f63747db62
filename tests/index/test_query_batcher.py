"""Queries of concurrent requests share one model call; each caller gets its own vector."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from index.embeddings.query_batcher import QueryBatcher


class GatedEncoder:
    """Encodes ``text`` as ``[len(text), first char code]``; the first call waits for ``gate``."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        self.entered.set()
        if len(self.batches) == 1:
            assert self.gate.wait(10)
        if any(text == "boom" for text in texts):
            raise RuntimeError("model failed")
        return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)


def test_a_lone_query_is_encoded_at_once():
    encoder = GatedEncoder()
    encoder.gate.set()
    batcher = QueryBatcher(encoder)
    assert batcher("abc").tolist() == [3.0, 97.0]
    assert encoder.batches == [["abc"]]


def test_queries_arriving_while_the_model_is_busy_are_encoded_in_one_call():
    encoder = GatedEncoder()
    batcher = QueryBatcher(encoder, max_batch=3)
    results: dict[str, list[float]] = {}

    def ask(text: str) -> None:
        results[text] = batcher(text).tolist()

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    assert encoder.entered.wait(10)
    waiting = [threading.Thread(target=ask, args=(text,)) for text in ("b", "cc", "ddd", "eeee")]
    for thread in waiting:
        thread.start()
    deadline = time.monotonic() + 10
    while len(batcher._pending) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    encoder.gate.set()
    for thread in [first, *waiting]:
        thread.join(10)
    assert encoder.batches[0] == ["first"]
    assert sorted(map(len, encoder.batches[1:])) == [1, 3]  # max_batch 3, then the rest
    assert sorted(text for batch in encoder.batches[1:] for text in batch) == ["b", "cc", "ddd", "eeee"]
    assert results == {t: [float(len(t)), float(ord(t[0]))] for t in ("first", "b", "cc", "ddd", "eeee")}
    assert batcher.batches == 3 and batcher.queries == 5
    assert batcher("z").tolist() == [1.0, 122.0]  # idle again: encoded at once


def test_an_error_reaches_every_caller_of_its_batch_and_no_other():
    encoder = GatedEncoder()
    encoder.gate.set()
    batcher = QueryBatcher(encoder)
    with pytest.raises(RuntimeError, match="model failed"):
        batcher("boom")
    assert batcher("fine").tolist() == [4.0, 102.0]
