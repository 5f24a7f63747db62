"""EvidenceStore: lookups by chunk and lead, disk round trip, validation at the boundary."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from index.evidence_store import EvidenceStore
from ingest.document import Chunk
from ingest.evidence_units import EvidenceUnit

TEXT = "挑战如下。一是数字鸿沟。二是网络安全。另一篇的句子。"


def unit(start: int, end: int, kind: str = "sentence", lead: str | None = None, doc: str = "a") -> EvidenceUnit:
    return EvidenceUnit(f"{doc}:{start}-{end}", doc, start, end, TEXT[start:end], kind, "", lead)


@pytest.fixture
def store() -> EvidenceStore:
    lead = unit(0, 5)
    units = [lead, unit(5, 12, "list_item", lead.unit_id), unit(12, 19, "list_item", lead.unit_id), unit(19, 26, doc="b")]
    vectors = np.eye(4, 8, dtype=np.float32)
    return EvidenceStore(units, vectors)


def test_units_in_a_chunk_and_items_of_a_lead(store):
    chunk = Chunk("a-1", "a", "t", "", TEXT[3:14], 3, 14)
    # "挑战如下。" is 5 chars, 2 inside the chunk: less than half, left out; "二是网络安全。" 2 of 7: out.
    assert [store.units[i].text for i in store.in_chunk(chunk)] == ["一是数字鸿沟。"]
    assert [store.units[i].text for i in store.items_of("a:0-5")] == ["一是数字鸿沟。", "二是网络安全。"]
    assert store.items_of("missing") == [] and store.unit("a:5-12").kind == "list_item"


def test_round_trip_and_removal(store, tmp_path):
    store.save(tmp_path)
    loaded = EvidenceStore.load(tmp_path)
    assert loaded.units == store.units
    np.testing.assert_array_equal(loaded.vectors, store.vectors)
    smaller = loaded.without_document("a")
    assert [u.doc_id for u in smaller.units] == ["b"] and smaller.vectors.shape == (1, 8)


def test_validation_at_the_boundary(store, tmp_path):
    with pytest.raises(ValueError, match="expected 4 unit vectors"):
        EvidenceStore(store.units, np.zeros((3, 8), np.float32))
    with pytest.raises(ValueError, match="float32"):
        EvidenceStore(store.units, np.zeros((4, 8), np.float64))
    store.save(tmp_path)
    with sqlite3.connect(tmp_path / EvidenceStore.FILENAME) as db:
        db.execute("UPDATE units SET kind = 'poem' WHERE position = 0")
    with pytest.raises(ValueError, match="unknown unit kinds"):
        EvidenceStore.load(tmp_path)


def test_a_units_context_round_trips_and_an_older_store_reads_without_one(tmp_path):
    row = EvidenceUnit("a:0-5", "a", 0, 5, TEXT[0:5], "table_row", "", None, 0, "表1 排名")
    EvidenceStore([row], np.eye(1, 8, dtype=np.float32)).save(tmp_path)
    assert EvidenceStore.load(tmp_path).units[0].context == "表1 排名"
    with sqlite3.connect(tmp_path / EvidenceStore.FILENAME) as db:
        db.execute("ALTER TABLE units DROP COLUMN context")
    assert EvidenceStore.load(tmp_path).units[0] == EvidenceUnit("a:0-5", "a", 0, 5, TEXT[0:5], "table_row")
