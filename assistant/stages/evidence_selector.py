"""Choose the evidence: the few units of the retrieved chunks that answer the question.

A unit's score is its dense cosine similarity to the question (the embedder matches English
questions to Chinese text), plus the question's lexical overlap with it (character bigrams and
words; weighted by the question's language, since bigrams of an English question mean nothing),
plus a small prior for units of higher-ranked chunks. Structure then adds what a unit needs:
a lead or heading brings the list items it introduces, and a unit that opens with a connective
("其中", "此外", "This") brings the sentence before it, which names what its figures measure.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answer import Evidence
from assistant.answer_state import AnswerState
from assistant.similarity import lexical_overlap, without_book_titles
from assistant.stage import Stage
from index.evidence_store import EvidenceStore
from ingest.document import Chunk
from ingest.evidence_units import EvidenceUnit
from ingest.language import detect_language
from ingest.sentence_splitter import split_sentences

# A unit opening like this continues the sentence before it (its subject is there).
_CONNECTIVE = re.compile(
    r"^(?:其中|此外|另外|同时|而且|并且|但是?|然而|因此|所以|这|该|其|此|上述|对此|为此|与此同时|"
    r"(?:This|These|That|It|Its|They|Their|Meanwhile|However|Moreover|Of these)\b)"
)
_LIST_QUESTION = re.compile(r"哪些|哪几|几个方面|几项|几方面|哪[一二三四五六七八九十两\d]+|\bwhich\b|\bwhat are\b|\blist\b|\bname the\b|"
                            r"\bwhat (?:\w+ ){0,3}(?:measures|challenges|areas|steps|principles|actions|priorities)\b",
                            re.IGNORECASE)


class EvidenceSelector(Stage):
    name = "select"

    @dataclass(frozen=True)
    class Config:
        # Answer units (before list items and context). Dev set: 3 kept key facts of 2-fact
        # questions split across sentences; more added distractors to the model's prompt.
        max_units: int = 3
        # Units scoring within this of the best are kept (cosines of true evidence sit
        # 0.05-0.1 above their neighbours on the dev set).
        margin: float = 0.1
        # Character budget for answer and context units (list items have their own cap).
        max_chars: int = 450
        max_items: int = 8
        lexical_weight_zh: float = 0.5
        lexical_weight_en: float = 0.2
        rank_prior: float = 0.03
        min_unit_chars: int = 6

    def __init__(self, embeddings, store: Callable[[], EvidenceStore | None], config: Config | None = None,
                 *, cache_size: int = 2048):
        super().__init__(config)
        if not callable(getattr(embeddings, "encode_query", None)):
            raise ValueError("embeddings must provide encode_query / encode_documents (VectorEmbeddings)")
        if self.config.max_units < 1 or self.config.max_chars < 20:
            raise ValueError("max_units must be at least 1 and max_chars at least 20")
        self.embeddings = embeddings
        self.store = store
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    # ----------------------------------------------------------------------------- run
    def run(self, state: AnswerState) -> AnswerState:
        question = state.standalone or state.question
        candidates = self.candidates(state)
        if not candidates:
            state.evidence = []
            return state
        units = [c[0] for c in candidates]
        scores, cosines = self.score(question, units, [c[1] for c in candidates], [c[2] for c in candidates])
        cosine_of = {u.unit_id: float(c) for u, c in zip(units, cosines)}
        titles = {r.chunk.doc_id: r.chunk.doc_title for r in reversed(state.results)}
        pages = {c[0].unit_id: c[3].page for c in candidates}
        state.evidence = [
            Evidence(n=n, unit=u, doc_title=titles.get(u.doc_id, u.doc_id), page=pages.get(u.unit_id),
                     score=score, cosine=cosine_of.get(u.unit_id, 0.0), role=role)
            for n, (u, score, role) in enumerate(self.choose(question, units, scores), start=1)
        ]
        return state

    def candidates(self, state: AnswerState) -> list[tuple[EvidenceUnit, np.ndarray, int, Chunk]]:
        """``(unit, vector, chunk rank, chunk)`` for every unit of the retrieved chunks."""
        store = self.store()
        seen: set[str] = set()
        out = []
        for rank, result in enumerate(state.results):
            chunk = result.chunk
            if store is not None and len(store):
                rows = store.in_chunk(chunk)
                pairs = [(store.units[i], store.vectors[i]) for i in rows]
            else:
                pairs = self._units_of(chunk)
            for unit, vector in pairs:
                if unit.unit_id in seen or len(unit.text) < self.config.min_unit_chars:
                    continue
                seen.add(unit.unit_id)
                out.append((unit, vector, rank, chunk))
        return out

    def score(self, question: str, units: list[EvidenceUnit], vectors: list[np.ndarray],
              ranks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """``(score, dense cosine)`` of every unit."""
        query = np.asarray(self.embeddings.encode_query(question), dtype=np.float32).reshape(-1)
        dense = np.stack(vectors).astype(np.float32) @ query
        weight = self.config.lexical_weight_zh if detect_language(question) == "zh" else self.config.lexical_weight_en
        topic = without_book_titles(question)
        lexical = np.array([lexical_overlap(topic, u.text) for u in units], dtype=np.float32)
        depth = max(ranks) + 1
        prior = np.array([self.config.rank_prior * (depth - r) / depth for r in ranks], dtype=np.float32)
        return dense + weight * lexical + prior, dense

    def choose(self, question: str, units: list[EvidenceUnit], scores: np.ndarray) -> list[tuple[EvidenceUnit, float, str]]:
        """``(unit, score, role)`` of the chosen units, in the order they are numbered."""
        cfg = self.config
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        answerable = [i for i in order if units[i].answerable or self._has_items(units[i])]
        if not answerable:
            return []
        best = float(scores[answerable[0]])
        chosen: dict[str, tuple[EvidenceUnit, float, str]] = {}
        used = 0
        for i in answerable:
            unit = units[i]
            if len(chosen) >= cfg.max_units or scores[i] < best - cfg.margin:
                break
            if unit.unit_id in chosen:
                continue
            if used + len(unit.text) > cfg.max_chars and chosen:
                continue
            if unit.answerable:
                chosen[unit.unit_id] = (unit, float(scores[i]), "answer")
                used += len(unit.text)
            context = self._context(unit, units)
            if context is not None and context.unit_id not in chosen and used + len(context.text) <= cfg.max_chars:
                chosen[context.unit_id] = (context, float(scores[i]), "context")
                used += len(context.text)
            if self._has_items(unit) and (not unit.answerable or _LIST_QUESTION.search(question)):
                for item in self._items(unit)[: cfg.max_items]:
                    chosen.setdefault(item.unit_id, (item, float(scores[i]), "item"))
        return self._group(list(chosen.values()))

    # -------------------------------------------------------------------------- structure
    def _has_items(self, unit: EvidenceUnit) -> bool:
        store = self.store()
        return store is not None and bool(store.items_of(unit.unit_id))

    def _items(self, unit: EvidenceUnit) -> list[EvidenceUnit]:
        store = self.store()
        return [store.units[i] for i in store.items_of(unit.unit_id)] if store is not None else []

    def _context(self, unit: EvidenceUnit, units: list[EvidenceUnit]) -> EvidenceUnit | None:
        """The sentence before a unit that opens with a connective, or the lead of a list item."""
        store = self.store()
        if store is None:
            return None
        if unit.lead is not None:
            lead = store.unit(unit.lead)
            return lead if lead is not None and lead.answerable else None
        if not _CONNECTIVE.match(unit.text):
            return None
        position = store.position(unit.unit_id)
        if position is None or position == 0:
            return None
        previous = store.units[position - 1]
        return previous if previous.doc_id == unit.doc_id and previous.answerable else None

    @staticmethod
    def _group(chosen: list[tuple[EvidenceUnit, float, str]]) -> list[tuple[EvidenceUnit, float, str]]:
        """Reading order within a document; documents ordered by their best unit."""
        best: dict[str, float] = {}
        for u, s, _ in chosen:
            best[u.doc_id] = max(best.get(u.doc_id, -9.0), s)
        return sorted(chosen, key=lambda c: (-best[c[0].doc_id], c[0].start))

    # ------------------------------------------------------------------ index without units
    def _units_of(self, chunk: Chunk) -> list[tuple[EvidenceUnit, np.ndarray]]:
        """Sentences of a chunk as units, embedded now (an index built without units)."""
        spans = split_sentences(chunk.text)
        units = [
            EvidenceUnit(f"{chunk.doc_id}:{chunk.start + s}-{chunk.start + e}", chunk.doc_id, chunk.start + s,
                         chunk.start + e, chunk.text[s:e], "sentence", chunk.section)
            for s, e in spans
        ]
        missing = [u.text for u in units if u.text not in self._vectors]
        if missing:
            for text, vector in zip(missing, self.embeddings.encode_documents(missing)):
                self._vectors[text] = np.asarray(vector, dtype=np.float32)
            while len(self._vectors) > self._cache_size:
                self._vectors.popitem(last=False)
        return [(u, self._vectors[u.text]) for u in units]
