"""A running process follows index builds made elsewhere: it switches to the new snapshot at
once and atomically, requests in flight finish on the old one, and a bad new index is not taken."""

from __future__ import annotations

import threading

import pytest

from index.hybrid_retriever import HybridRetriever
from index.library_index import LibraryIndex
from index.live_index import LiveIndex
from ingest.pipeline import IngestPipeline


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def live(tmp_path, library, embeddings, pipeline):
    index_dir = tmp_path / "index"
    LibraryIndex.build(index_dir, library, embeddings=embeddings, pipeline=pipeline, progress=False)
    clock = Clock()
    opened = LiveIndex(index_dir, check_interval=2.0, clock=clock,
                       open_snapshot=lambda path: LibraryIndex.open(path, embeddings=embeddings, pipeline=pipeline))
    return opened, clock


def _update(live_index, library, embeddings, pipeline):
    return LibraryIndex.update(live_index.index_dir, library, embeddings=embeddings, pipeline=pipeline,
                               progress=False)


def test_an_update_made_elsewhere_is_picked_up_after_the_check_interval(live, library, embeddings, pipeline):
    # Regression: a running server kept the snapshot it loaded at start until restarted.
    live_index, clock = live
    seen = []
    live_index.subscribe(seen.append)
    old = live_index.current()
    (library / "delta.txt").write_text("# 数据跨境\n\n数据跨境流动规则日益重要。", encoding="utf-8")
    _update(live_index, library, embeddings, pipeline)  # as `reportqa index update` would

    clock.now = 1.0
    assert live_index.current() is old  # not looked at yet: no stat on every call
    clock.now = 2.5
    new = live_index.current()
    assert new is not old and "delta" in {d.doc_id for d in new.documents()}
    assert seen == [new]
    clock.now = 5.0
    assert live_index.current() is new and seen == [new]  # unchanged manifest: no reload
    # A request that started on the old snapshot still finishes on it.
    assert "delta" not in {d.doc_id for d in old.documents()}
    results = HybridRetriever(index=old, embeddings=embeddings, k=2).retrieve("算力")
    assert results and all(r.chunk.doc_id != "delta" for r in results)


def test_an_index_that_cannot_be_used_is_not_switched_to(live, library, embeddings):
    live_index, clock = live
    old = live_index.current()
    other_chunking = IngestPipeline(chunk_size=60, chunk_overlap=10)
    LibraryIndex.build(live_index.index_dir, library, embeddings=embeddings, pipeline=other_chunking,
                       progress=False)
    clock.now = 3.0
    assert live_index.current() is old
    assert "chunk_size" in live_index.problem


def test_searches_running_during_rebuilds_all_succeed(live, library, embeddings, pipeline):
    live_index, _ = live
    live_index.check_interval = 0
    failures: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                index = live_index.current()
                assert HybridRetriever(index=index, embeddings=embeddings, k=3).retrieve("数字经济规模")
                assert index.document_text("alpha")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                failures.append(exc)

    workers = [threading.Thread(target=ask) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for n in range(4):
            (library / f"extra{n}.txt").write_text(f"# 附录{n}\n\n第{n}个附录介绍数据要素市场。", encoding="utf-8")
            _update(live_index, library, embeddings, pipeline)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert failures == []
    assert {f"extra{n}" for n in range(4)} <= {d.doc_id for d in live_index.current().documents()}
