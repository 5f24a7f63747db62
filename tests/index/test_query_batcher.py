"""Queries of concurrent requests share one model call; each caller gets its own vector."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from index.embeddings.query_batcher import QueryBatcher, QueryBatcherClosedError
from index.embeddings.query_batcher_config import QueryBatcherConfig


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
    batcher = QueryBatcher(encoder, config=QueryBatcherConfig(max_batch=3))
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


def ask_all(batcher: QueryBatcher, texts: list[str]) -> dict[str, object]:
    """Each text asked from its own thread; its vector (as a list) or the exception it raised."""
    results: dict[str, object] = {}

    def ask(text: str) -> None:
        try:
            results[text] = batcher(text).tolist()
        except Exception as exc:  # noqa: BLE001 - the test looks at who got which error
            results[text] = exc

    threads = [threading.Thread(target=ask, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results


def wait_for_pending(batcher: QueryBatcher, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(batcher._pending) < count and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(batcher._pending) >= count


def test_an_error_reaches_only_the_caller_whose_query_caused_it():
    encoder = GatedEncoder()
    batcher = QueryBatcher(encoder)
    first = threading.Thread(target=batcher, args=("first",))
    first.start()
    assert encoder.entered.wait(10)
    results: dict[str, object] = {}
    waiting = threading.Thread(target=lambda: results.update(ask_all(batcher, ["boom", "fine", "ok"])))
    waiting.start()
    wait_for_pending(batcher, 3)
    encoder.gate.set()
    first.join(10)
    waiting.join(20)
    assert sorted(encoder.batches[1]) == ["boom", "fine", "ok"]  # tried together, then one by one
    assert isinstance(results["boom"], RuntimeError) and "model failed" in str(results["boom"])
    assert results["fine"] == [4.0, 102.0] and results["ok"] == [2.0, 111.0]
    with pytest.raises(RuntimeError, match="model failed"):
        batcher("boom")
    assert batcher("fine").tolist() == [4.0, 102.0]  # the batcher still works


def test_a_wrong_number_of_vectors_is_an_error_not_a_mix_up():
    batcher = QueryBatcher(lambda texts: np.zeros((1, 2), dtype=np.float32) + len(texts[0]))
    assert batcher("abc").tolist() == [3.0, 3.0]
    calls: list[list[str]] = []

    def short(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.ones((1, 2), dtype=np.float32)

    results = ask_all(QueryBatcher(short, config=QueryBatcherConfig(max_wait_ms=1000, max_batch=2)), ["a", "b"])
    assert calls[0] in (["a", "b"], ["b", "a"])  # together first; one by one after the mismatch
    assert results == {"a": [1.0, 1.0], "b": [1.0, 1.0]}


def test_the_first_query_after_an_idle_spell_waits_for_company_up_to_max_wait():
    encoder = GatedEncoder()
    encoder.gate.set()
    batcher = QueryBatcher(encoder, config=QueryBatcherConfig(max_batch=3, max_wait_ms=1000))
    results = ask_all(batcher, ["a", "bb", "ccc"])
    # The batch filled up, so the leader went without waiting out its window.
    assert [sorted(batch) for batch in encoder.batches] == [["a", "bb", "ccc"]]
    assert results == {"a": [1.0, 97.0], "bb": [2.0, 98.0], "ccc": [3.0, 99.0]}
    lone = QueryBatcher(encoder, config=QueryBatcherConfig(max_wait_ms=20))
    assert lone("zz").tolist() == [2.0, 122.0]  # nobody came: encoded alone once the window closed


def test_without_a_window_the_first_query_goes_alone():
    encoder = GatedEncoder()
    batcher = QueryBatcher(encoder, config=QueryBatcherConfig(max_wait_ms=0))
    first = threading.Thread(target=batcher, args=("first",))
    first.start()
    assert encoder.entered.wait(10)
    assert encoder.batches == [["first"]]
    encoder.gate.set()
    first.join(10)


def test_closing_refuses_new_queries_and_still_answers_those_queued():
    encoder = GatedEncoder()
    encoder.gate.set()
    batcher = QueryBatcher(encoder, config=QueryBatcherConfig(max_batch=8, max_wait_ms=1000))
    results: dict[str, object] = {}
    asking = threading.Thread(target=lambda: results.update(ask_all(batcher, ["a", "bb"])))
    asking.start()
    wait_for_pending(batcher, 2)  # the leader is waiting out its window for more company
    batcher.close()  # ... and stops waiting
    asking.join(5)
    assert not asking.is_alive()
    assert results == {"a": [1.0, 97.0], "bb": [2.0, 98.0]}
    assert batcher.closed
    with pytest.raises(QueryBatcherClosedError):
        batcher("late")


def test_config_bounds_are_checked():
    with pytest.raises(ValueError):
        QueryBatcherConfig(max_batch=0)
    with pytest.raises(ValueError):
        QueryBatcherConfig(max_wait_ms=-1)
    with pytest.raises(TypeError):
        QueryBatcher(GatedEncoder(), config={"max_batch": 2})  # type: ignore[arg-type]
    config = QueryBatcherConfig(max_batch=4, max_wait_ms=2.5)
    assert QueryBatcherConfig.model_validate(config.model_dump()) == config


def test_settings_reach_the_embedder_s_batcher():
    from reportqa.settings import load_settings

    settings = load_settings({"retrieval": {"query_batcher": {"max_batch": 7, "max_wait_ms": 3}}})
    assert settings.retrieval.query_batcher == QueryBatcherConfig(max_batch=7, max_wait_ms=3)
    from hash_embeddings import HashEmbeddings

    embeddings = HashEmbeddings()
    embeddings.configure_query_batching(settings.retrieval.query_batcher)
    assert (embeddings._query_batcher.max_batch, embeddings._query_batcher.max_wait) == (7, 0.003)


QUESTIONS = [
    "新冠疫情对全球数字经济发展带来了哪些影响？",
    "What challenges does Belt and Road digital economy cooperation face?",
    "“一带一路”数字经济合作面临哪些挑战？",
    "What do the reports recommend for global digital governance?",
    "数字丝绸之路",
    "How much did the US CARES Act earmark for the digital economy?",
]


@pytest.mark.slow
def test_real_model_each_caller_gets_its_own_vector_equal_to_the_unbatched_one():
    from reportqa.factory import make_embeddings
    from reportqa.settings import load_settings

    embeddings = make_embeddings(load_settings({}))
    alone = {q: embeddings._encode_query_batch([q])[0] for q in QUESTIONS}
    sizes: list[int] = []

    def recorded(texts: list[str]) -> np.ndarray:
        sizes.append(len(texts))
        return embeddings._encode_query_batch(texts)

    batcher = QueryBatcher(recorded, config=QueryBatcherConfig(max_batch=len(QUESTIONS), max_wait_ms=1000))
    together = ask_all(batcher, QUESTIONS)
    assert max(sizes) > 1  # really batched (padding to the longest question changes the inputs)
    for question in QUESTIONS:
        vector = np.asarray(together[question])
        assert vector.shape == alone[question].shape
        assert np.allclose(vector, alone[question], atol=1e-4), question
        others = [q for q in QUESTIONS if q != question]
        assert all(float(vector @ alone[q]) < 0.99 for q in others)  # not someone else's


@pytest.mark.slow
def test_real_retrieval_under_concurrent_questions_matches_one_at_a_time(built_index):
    from reportqa.factory import make_embeddings

    retriever, embeddings = built_index.retriever, make_embeddings(built_index.settings)
    assert embeddings.batch_queries
    embeddings._queries.clear()
    results: dict[str, list[str]] = {}

    def search(question: str) -> None:
        results[question] = [result.chunk.chunk_id for result in retriever.retrieve(question)]

    threads = [threading.Thread(target=search, args=(q,)) for q in QUESTIONS]
    before = embeddings._query_batcher.batches
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert embeddings._query_batcher.batches - before < len(QUESTIONS)  # some questions shared a call
    embeddings._queries.clear()
    embeddings.batch_queries = False
    try:
        for question in QUESTIONS:
            assert [result.chunk.chunk_id for result in retriever.retrieve(question)] == results[question], question
    finally:
        embeddings.batch_queries = True
