"""Choose the evidence: the few units of the retrieved chunks that answer the question.

A unit's score is its dense cosine similarity to the question (the embedder matches English
questions to Chinese text), plus the question's lexical overlap with it (character bigrams and
words; weighted by the question's language, since bigrams of an English question mean nothing),
plus a small prior for units of higher-ranked chunks. Structure then adds what a unit needs:
a lead or heading brings the list items it introduces, and a unit that opens with a connective
("其中", "此外", "This") brings the sentence before it, which names what its figures measure.
Such a context sentence and the unit it belongs to, when they touch in the text, become one
evidence span: the reader sees, and the citation highlights, the passage as written.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answer import Evidence
from assistant.answer_state import AnswerState
from assistant.answer_type import asked_count
from assistant.similarity import lexical_overlap, without_book_titles
from assistant.stage import Stage
from index.evidence_store import EvidenceStore
from ingest.document import Chunk
from ingest.evidence_units import EvidenceUnit
from ingest.language import detect_language
from ingest.numbers import small_count
from ingest.sentence_splitter import split_sentences

# A unit opening like this continues the sentence before it (its subject is there).
_CONNECTIVE = re.compile(
    r"^(?:其中|此外|另外|同时|而且|并且|但是?|然而|因此|所以|这|该|其|此|它|上述|对此|为此|与此同时|"
    r"(?:This|These|That|It|Its|They|Their|Meanwhile|However|Moreover|Of these)\b)"
)
_CLAUSE_ENDS = ("；", ";", "：", ":")
# A count of parts named in a sentence: "…三对关系", "…等四重挑战", "…七大方向".
_COUNTED = re.compile(r"([两二三四五六七八九十]|\d{1,2})\s*(?:对|大|个|项|重|类|种|点|条|方面|领域|方向|支柱)")
_CLAUSE_BREAK = re.compile(r"[，,：:；;。！？]")


def enumerates_inline(text: str) -> bool:
    """Whether a sentence itself names the parts it counts ("处理好A、B、C三对关系"): the list
    that follows it then elaborates on each part, and the sentence alone answers "which N …"."""
    for match in _COUNTED.finditer(text):
        count = small_count(match.group(1))
        clause = _CLAUSE_BREAK.split(text[: match.start()])[-1]
        if count >= 2 and clause.count("、") + 1 >= count:
            return True
    return False
# A following sentence opening like this elaborates on the one before ("具体而言，投资方面…").
_ELABORATION = re.compile(r"^(?:具体而言|具体来看|具体来说|具体地|例如|比如|譬如|其中|此外|另外|同时|特别是|尤其是|"
                          r"(?:For example|For instance|Specifically|In particular)\b)")


class EvidenceSelector(Stage):
    name = "select"

    @dataclass(frozen=True)
    class Config:
        # Answer units (before list items and context). Dev set: 3 kept key facts of 2-fact
        # questions split across sentences; more added distractors to the model's prompt.
        max_units: int = 3
        # Units scoring within this of the best are kept, by question language. Dev set
        # (`answer_benchmark.py select --sweep select.margin_zh=...`): zh 0.1 -> 0.2 raised
        # evidence found 0.71 -> 0.74 and key facts 0.77 -> 0.80 for 0.03 precision; en (dense
        # cosines across languages spread wider) 0.2 cost 0.16 precision for +0.02 key facts.
        margin_zh: float = 0.2
        margin_en: float = 0.1
        # Character budget for answer and context units (list items have their own cap).
        max_chars: int = 450
        max_items: int = 8
        max_item_chars: int = 600
        # A unit this short that opens its paragraph is a heading in all but name: it brings up to
        # max_following sentences after it (dev: "…进入酝酿调整期。" answered "why" with itself).
        heading_like_chars: int = 30
        max_following: int = 3
        max_elaborations: int = 2
        max_clauses: int = 4  # clauses after one ending in "；" or "：", up to its full stop
        heading_reach: int = 160  # characters before a chunk searched for its headings
        lexical_weight_zh: float = 0.5
        lexical_weight_en: float = 0.2
        rank_prior: float = 0.03
        min_unit_chars: int = 6
        # Rows of one table share its caption, which lifts them all alike: another row is kept
        # only within this of the table's best row (dev zh-009: the asked row's cosine 0.706, two
        # others at 0.617 and 0.614 came in within the general margin).
        row_margin: float = 0.05
        # A list lead opening with an anaphor scores as the sentence before it. Probe zh
        # (`answer_benchmark.py select --sweep select.anaphoric_leads=false,true`): key facts
        # 0.862 -> 0.931, evidence found 0.920 -> 0.977; dev unchanged.
        anaphoric_leads: bool = True

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

        def parts(u: EvidenceUnit) -> list[str]:  # the candidate units a (joined) unit spans
            return [x.unit_id for x in units if x.doc_id == u.doc_id and u.start <= x.start and x.end <= u.end] or [u.unit_id]

        # A list item is chosen through its lead, so it is as close as its lead: the gate then
        # reads a heading's closeness though the heading itself is never an answer.
        state.evidence = [
            Evidence(n=n, unit=u, doc_title=titles.get(u.doc_id, u.doc_id), page=pages.get(ids[0]),
                     score=score, cosine=max(cosine_of.get(i, 0.0) for i in ids), role=role)
            for n, (u, score, role) in enumerate(self.choose(question, units, scores), start=1)
            for ids in [parts(u) + ([u.lead] if role == "item" and u.lead else [])]
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
                # Headings sit between chunks (the chunk carries them as its section path): the
                # ones just before a chunk can lead the list of sub-headings inside it, or open
                # the section it begins (a title line the chunker found and the segmenter took
                # for a sentence: doc 004's three section titles).
                titles = {part.strip() for part in chunk.section.split(">")}
                before = [i for i in store.in_span(chunk.doc_id, chunk.start - self.config.heading_reach, chunk.start)
                          if store.units[i].kind == "heading" or store.units[i].text in titles]
                rows = before + store.in_chunk(chunk)
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
        lexical = np.array([lexical_overlap(topic, u.embedding_text) for u in units], dtype=np.float32)
        depth = max(ranks) + 1
        prior = np.array([self.config.rank_prior * (depth - r) / depth for r in ranks], dtype=np.float32)
        return dense + weight * lexical + prior, dense

    def choose(self, question: str, units: list[EvidenceUnit], scores: np.ndarray) -> list[tuple[EvidenceUnit, float, str]]:
        """``(unit, score, role)`` of the chosen units, in the order they are numbered."""
        cfg = self.config
        margin = cfg.margin_zh if detect_language(question) == "zh" else cfg.margin_en
        count = asked_count(question)
        lists = {u.unit_id: self._list(u, count) for u in units}
        if cfg.anaphoric_leads:
            scores = self._with_antecedents(units, scores, lists)
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        selectable = [i for i in order if units[i].answerable or lists[units[i].unit_id]]
        if not selectable:
            return []
        best = float(scores[selectable[0]])
        chosen: dict[str, tuple[EvidenceUnit, float, str]] = {}
        budget = {"answer": cfg.max_chars, "item": cfg.max_item_chars}

        def add(unit: EvidenceUnit, score: float, role: str) -> bool:
            pool = "item" if role == "item" else "answer"
            if unit.unit_id in chosen or (len(unit.text) > budget[pool] and chosen):
                return False
            chosen[unit.unit_id] = (unit, score, role)
            budget[pool] -= len(unit.text)
            return True

        picked = 0
        best_row: dict[tuple[str, str], float] = {}  # (document, caption) -> its best row's score
        for i in selectable:
            unit, score = units[i], float(scores[i])
            if picked >= cfg.max_units or score < best - margin:
                break
            if unit.kind == "table_row" and unit.context:
                table = (unit.doc_id, unit.context)
                if score < best_row.setdefault(table, score) - cfg.row_margin:
                    continue
            if unit.unit_id in chosen or (unit.answerable and not add(unit, score, "answer")):
                continue
            picked += 1
            for context in self._before(unit):
                add(context, score, "context")
            # A lead that names its parts itself answers without its list (dev zh-016, zh-018:
            # the items elaborated on the parts and held none of the cited evidence).
            items = [] if enumerates_inline(unit.text) else lists[unit.unit_id]
            for item in items[: cfg.max_items]:
                add(item, score, "item")
            if not items:
                for context in self._after(unit):
                    add(context, score, "context")
                    # A title's opening paragraph may end in the lead of the section's list
                    # ("具体可以从以下五个方面着手。"): the list comes with it.
                    for item in ([] if enumerates_inline(context.text) else self._list(context, count))[: cfg.max_items]:
                        add(item, score, "item")
        return self._join_touching(self._group(list(chosen.values())))

    # -------------------------------------------------------------------------- structure
    def _with_antecedents(self, units: list[EvidenceUnit], scores: np.ndarray,
                          lists: dict[str, list[EvidenceUnit]]) -> np.ndarray:
        """A list lead opening with an anaphor ("这种机会争夺包括三个层面。", "它以一种独特的
        非正式方式发挥作用：一是…") means what the sentence before it says: it scores at least
        as that sentence does."""
        store = self.store()
        if store is None:
            return scores
        at = {u.unit_id: i for i, u in enumerate(units)}
        out = scores.copy()
        for i, unit in enumerate(units):
            if not lists[unit.unit_id] or not _CONNECTIVE.match(unit.text):
                continue
            previous = store.previous_of(unit.unit_id)
            if previous is not None and previous.paragraph == unit.paragraph and previous.unit_id in at:
                out[i] = max(out[i], scores[at[previous.unit_id]])
        return out

    def _list(self, unit: EvidenceUnit, count: int | None) -> list[EvidenceUnit]:
        """The items ``unit`` leads, unless the question asks for a different number of parts
        (dev zh-016: "哪四重挑战" brought a heading's six challenges)."""
        items = self._items(unit)
        return items if count is None or len(items) == count else []

    def _items(self, unit: EvidenceUnit) -> list[EvidenceUnit]:
        """The list items ``unit`` introduces (none when it is not a lead)."""
        store = self.store()
        return [store.units[i] for i in store.items_of(unit.unit_id)] if store is not None else []

    def _before(self, unit: EvidenceUnit) -> list[EvidenceUnit]:
        """What a unit needs in front of it: a list item's lead, or the sentence before one that
        opens with a connective ("其中", "此外", "This")."""
        store = self.store()
        if store is None:
            return []
        if unit.lead is not None:
            lead = store.unit(unit.lead)
            return [lead] if lead is not None and lead.answerable else []
        previous = store.previous_of(unit.unit_id)
        if _CONNECTIVE.match(unit.text) and previous is not None and previous.answerable and previous.paragraph == unit.paragraph:
            return [previous]
        return []

    def _after(self, unit: EvidenceUnit) -> list[EvidenceUnit]:
        """What a unit announces after it: a short heading-like sentence ("…进入酝酿调整期。" on a
        line of its own, or opening its paragraph) brings the sentences that follow it; any unit
        brings following sentences of its paragraph that open with an elaborating connective
        ("具体而言", "例如", "此外")."""
        store = self.store()
        if store is None:
            return []
        cfg = self.config
        out: list[EvidenceUnit] = []
        previous = store.previous_of(unit.unit_id)
        opens_paragraph = previous is None or previous.paragraph != unit.paragraph
        current = unit
        if len(unit.text) <= cfg.heading_like_chars and opens_paragraph and unit.kind != "table_row":
            while len(out) < cfg.max_following:
                current = store.next_of(current.unit_id)
                if current is None or not current.answerable or current.kind == "list_item":
                    break
                if out and current.paragraph != out[0].paragraph:
                    break
                out.append(current)
            return out
        if unit.text.rstrip().endswith(_CLAUSE_ENDS):
            # A clause ending in "；" or "：" is not yet the end of its sentence: the clauses
            # up to the full stop belong to it ("提出四个主要支柱，分别为贸易：…；供应链：…；…。").
            while len(out) < cfg.max_clauses and current.text.rstrip().endswith(_CLAUSE_ENDS):
                current = store.next_of(current.unit_id)
                if current is None or current.paragraph != unit.paragraph or not current.answerable:
                    break
                out.append(current)
            return out
        while len(out) < cfg.max_elaborations:
            current = store.next_of(current.unit_id)
            if current is None or current.paragraph != unit.paragraph or not _ELABORATION.match(current.text):
                break
            out.append(current)
        return out

    @staticmethod
    def _group(chosen: list[tuple[EvidenceUnit, float, str]]) -> list[tuple[EvidenceUnit, float, str]]:
        """Reading order within a document; documents ordered by their best unit."""
        best: dict[str, float] = {}
        for u, s, _ in chosen:
            best[u.doc_id] = max(best.get(u.doc_id, -9.0), s)
        return sorted(chosen, key=lambda c: (-best[c[0].doc_id], c[0].start))

    @staticmethod
    def _join_touching(chosen: list[tuple[EvidenceUnit, float, str]]) -> list[tuple[EvidenceUnit, float, str]]:
        """Units that touch (one ends where the other starts, in one paragraph) joined into one
        span: a sentence and the one that names its subject, or two answer sentences, are
        highlighted as the passage they form (dev: span precision 0.746 -> 0.795, key facts
        unchanged; held-out 0.710 -> 0.707). List items stay one citation each."""
        out: list[tuple[EvidenceUnit, float, str]] = []
        for unit, score, role in chosen:
            if out:
                last, last_score, last_role = out[-1]
                touching = last.doc_id == unit.doc_id and last.end == unit.start and last.paragraph == unit.paragraph
                if touching and "item" not in (role, last_role):
                    main = unit if last_role == "context" else last
                    joined = EvidenceUnit(f"{unit.doc_id}:{last.start}-{unit.end}", unit.doc_id, last.start, unit.end,
                                          last.text + unit.text, main.kind, main.section, main.lead, main.paragraph)
                    out[-1] = (joined, max(score, last_score), "answer" if "answer" in (role, last_role) else "context")
                    continue
            out.append((unit, score, role))
        return out

    # ------------------------------------------------------------------ index without units
    def _units_of(self, chunk: Chunk) -> list[tuple[EvidenceUnit, np.ndarray]]:
        """Sentences of a chunk as units, embedded now (an index built without units)."""
        spans = split_sentences(chunk.text)
        units = [
            EvidenceUnit(f"{chunk.doc_id}:{chunk.start + s}-{chunk.start + e}", chunk.doc_id, chunk.start + s,
                         chunk.start + e, chunk.text[s:e], "sentence", chunk.section,
                         paragraph=chunk.text.count("\n", 0, s))  # lines of this chunk: enough to tell touching units apart
            for s, e in spans
        ]
        missing = [u.text for u in units if u.text not in self._vectors]
        if missing:
            for text, vector in zip(missing, self.embeddings.encode_documents(missing)):
                self._vectors[text] = np.asarray(vector, dtype=np.float32)
            while len(self._vectors) > self._cache_size:
                self._vectors.popitem(last=False)
        return [(u, self._vectors[u.text]) for u in units]
