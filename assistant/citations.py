"""Parse ``[n]`` citation markers in an answer and check each cited claim against its passage.

Markers: ``[1]``, ``[1,2]``, ``[1][2]``, ``[1-3]`` and full-width ``【1】`` / ``［1］``. Markers naming
a passage that was not given are dropped. A claim (sentence) is supported when its cited passage
contains it: character-bigram containment for Chinese claims; for an English claim about a
Chinese passage, the embedder's cosine similarity to the passage's best sentence (calibrated
threshold); word overlap for English over English.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.answer import Citation
from assistant.answerability import misplaced_numbers, unfounded_numbers
from assistant.english_numbers import english_numbers
from assistant.passage import Passage
from assistant.sentences import Sentence, split_sentences
from assistant.similarity import char_bigrams, cjk_ratio, containment, cosine_matrix, words

_MARKER = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、;；\-–~]\s*\d{1,3})*)\s*[\]】］]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CHINESE = 0.3  # cjk_ratio at or above which a text counts as Chinese


@dataclass(frozen=True)
class CitationMarker:
    start: int
    end: int
    numbers: tuple[int, ...]


def parse_citations(text: str) -> list[CitationMarker]:
    """Every citation marker in ``text`` with the passage numbers it names, in order."""
    markers = []
    for match in _MARKER.finditer(text):
        numbers: list[int] = []
        for part in re.split(r"\s*[,，、;；]\s*", match.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[\-–~]\s*", part) if x]
            if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 20:
                numbers.extend(range(bounds[0], bounds[1] + 1))
            else:
                numbers.extend(bounds)
        markers.append(CitationMarker(match.start(), match.end(), tuple(dict.fromkeys(numbers))))
    return markers


def strip_citation_markers(text: str) -> str:
    """``text`` without its citation markers."""
    return _MARKER.sub("", text)


def normalize_citations(text: str, valid: set[int]) -> str:
    """Rewrite markers as ``[a][b]``, dropping numbers outside ``valid`` (and empty markers)."""
    out, pos = [], 0
    for marker in parse_citations(text):
        out.append(text[pos : marker.start])
        out.append("".join(f"[{n}]" for n in marker.numbers if n in valid))
        pos = marker.end
    out.append(text[pos:])
    return re.sub(r"[ \t]+([。，！？.,!?])", r"\1", "".join(out)) if len(out) > 1 else text


@dataclass
class Claim:
    """One sentence of the answer with the passages it cites (markers removed from ``text``)."""

    text: str
    cited: tuple[int, ...]


def split_claims(answer: str) -> list[Claim]:
    """Sentences of ``answer``; markers right after a sentence's end belong to that sentence."""
    claims: list[Claim] = []
    for sentence in split_sentences(answer):
        markers = parse_citations(sentence.text)
        cited = [n for m in markers for n in m.numbers]
        plain = re.sub(r"\s+([。，！？；：.,!?;:])", r"\1", _MARKER.sub("", sentence.text)).strip()
        leading = re.match(r"^(?:\s*[\[【［][^\]】］]*[\]】］])+", sentence.text)
        if leading and claims:
            lead_numbers = [n for m in parse_citations(leading.group()) for n in m.numbers]
            claims[-1].cited = tuple(dict.fromkeys(claims[-1].cited + tuple(lead_numbers)))
            cited = cited[len(lead_numbers) :]
        if len(plain) < 2:
            continue
        claims.append(Claim(plain, tuple(dict.fromkeys(cited))))
    return claims


def _with_marker(sentence: str, n: int) -> str:
    """``sentence`` with ``[n]`` before its end punctuation."""
    body = sentence.rstrip("。.!?！？；;")
    return f"{body}[{n}]{sentence[len(body):]}" if body else f"{sentence}[{n}]"


def _recite(text: str, wrong: tuple[int, ...], right: int) -> str:
    """``text`` with the first run of markers naming exactly ``wrong`` replaced by ``[right]``."""
    target = "".join(f"[{n}]" for n in wrong)
    return text.replace(target, f"[{right}]", 1)


def _numbers(text: str) -> set[str]:
    """Numbers in ``text``, thousands separators removed ("903,000" -> "903000")."""
    return set(_NUMBER.findall(re.sub(r"(?<=\d),(?=\d{3})", "", text)))


def _passage_numbers(text: str) -> set[str]:
    """Numbers of a passage in Chinese and English notation ("90.3万" -> 90.3 and 903000)."""
    return _numbers(text) | _numbers(english_numbers(text))


def _sentences(passage: Passage) -> list[Sentence]:
    return split_sentences(passage.text) or [Sentence(passage.text, 0, len(passage.text))]


@dataclass(frozen=True)
class Support:
    score: float
    supported: bool
    sentence: Sentence  # best-matching sentence, offsets inside the passage text


@dataclass
class CitationCheck:
    answer: str  # the answer with normalised markers (and without dropped sentences)
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # sentences stating numbers no passage has


class CitationChecker:
    """Checks the citations of an answer against the passages it was written from.

    Args:
        embeddings: used only for English claims citing Chinese passages; without it such claims
            are supported when every number they state appears in the passage.
        min_overlap: share of a Chinese claim's character bigrams (or an English claim's words)
            that the passage must contain.
        min_cosine: cross-lingual similarity (claim vs best passage sentence) to count as support.
            0.45 is calibrated for EmbeddingGemma on the dev set (English answers vs their Chinese
            evidence quotes: 91% of true pairs pass, 0.8% of mismatched pairs do; see
            ``benchmarks/answer_benchmark.py calibrate``).
        min_claim_chars: shorter uncited sentences ("The reports say:") are not claims.
        drop_unfounded: remove sentences stating a number that no passage (nor the question)
            contains: the small model's typical error is a made-up or mis-scaled figure, and a
            wrong number is worse than a shorter answer. Chinese sentences whose figure the
            passages state only about something else (see
            :func:`assistant.answerability.misplaced_numbers`) are dropped too.
        min_figure_context: for that check, the share of a Chinese claim's bigrams that some
            passage sentence holding its figure must contain. 0.45 lies between the answers
            that misplace a figure (0.30, 0.38) and those that quote it (0.5 and up) on the
            dev set; ``0`` turns the check off.
        short_claim_words: an English claim of at most this many words whose numbers all occur
            in its Chinese passage is supported (embeddings of a bare figure are meaningless).
    """

    def __init__(
        self,
        *,
        embeddings: Embeddings | None = None,
        min_overlap: float = 0.4,
        min_cosine: float = 0.45,
        min_claim_chars: int = 12,
        drop_unfounded: bool = True,
        min_figure_context: float = 0.45,
        short_claim_words: int = 4,
        cache_size: int = 4096,
    ):
        if not 0 < min_overlap <= 1:
            raise ValueError(f"min_overlap must be in (0, 1], got {min_overlap}")
        if not -1 <= min_cosine <= 1:
            raise ValueError(f"min_cosine must be in [-1, 1], got {min_cosine}")
        self.embeddings = embeddings
        self.min_overlap = min_overlap
        self.min_cosine = min_cosine
        self.min_claim_chars = min_claim_chars
        self.drop_unfounded = drop_unfounded
        if not 0 <= min_figure_context <= 1:
            raise ValueError(f"min_figure_context must be in [0, 1], got {min_figure_context}")
        self.min_figure_context = min_figure_context
        self.short_claim_words = short_claim_words
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def config(self) -> dict[str, float | int | str | None]:
        return {
            "embeddings": getattr(self.embeddings, "name", type(self.embeddings).__name__)
            if self.embeddings is not None else None,
            "min_overlap": self.min_overlap,
            "min_cosine": self.min_cosine,
            "min_claim_chars": self.min_claim_chars,
            "drop_unfounded": self.drop_unfounded,
            "min_figure_context": self.min_figure_context,
            "short_claim_words": self.short_claim_words,
        }

    def check(self, answer: str, passages: Sequence[Passage], *, question: str = "") -> CitationCheck:
        """Normalise markers, drop sentences with made-up numbers (listed in ``unsupported`` and
        ``dropped``), then check or attribute every remaining claim."""
        by_n = {p.n: p for p in passages}
        text = normalize_citations(answer, set(by_n))
        dropped: list[str] = []
        if self.drop_unfounded:
            text, dropped = self._drop_unfounded(text, passages, question, self.min_figure_context)
        unsupported: list[str] = list(dropped)
        best: dict[int, tuple[bool, float, Sentence]] = {}
        order: list[int] = []
        claims = split_claims(text)
        self._prefetch(claims, by_n)
        for claim in claims:
            if claim.cited:
                supports = {n: self.support(claim.text, by_n[n], question=question) for n in claim.cited}
                if not any(s.supported for s in supports.values()):
                    # The small model often cites a neighbouring passage: move the citation to
                    # the passage that does support the claim, if one does.
                    others = [(self.support(claim.text, p, question=question), p) for p in passages if p.n not in supports]
                    found = [(s, p) for s, p in others if s.supported]
                    if found:
                        s, p = max(found, key=lambda sp: sp[0].score)
                        text = _recite(text, claim.cited, p.n)
                        supports = {p.n: s}
                    else:
                        unsupported.append(claim.text)
                for n, s in supports.items():
                    if n not in order:
                        order.append(n)
                    key = (s.supported, s.score)
                    if n not in best or key > best[n][:2]:
                        best[n] = (s.supported, s.score, s.sentence)
            elif len(claim.text) >= self.min_claim_chars:
                # Small models often forget the marker: cite the passage that supports the claim
                # (post-hoc attribution), or flag the claim.
                supports = [(self.support(claim.text, p, question=question), p) for p in passages]
                found = [(s, p) for s, p in supports if s.supported]
                if not found:
                    unsupported.append(claim.text)
                    continue
                s, p = max(found, key=lambda sp: sp[0].score)
                text = text.replace(claim.text, _with_marker(claim.text, p.n), 1)
                if p.n not in order:
                    order.append(p.n)
                if p.n not in best or (True, s.score) > best[p.n][:2]:
                    best[p.n] = (True, s.score, s.sentence)
        citations = [self._citation(by_n[n], *best[n]) for n in order]
        return CitationCheck(answer=text, citations=citations, unsupported=unsupported, dropped=dropped)

    @staticmethod
    def _drop_unfounded(
        text: str, passages: Sequence[Passage], question: str, min_figure_context: float = 0.0
    ) -> tuple[str, list[str]]:
        """``text`` without its sentences that state a number found in no passage (or, with
        ``min_figure_context``, found only in sentences about something else)."""
        sources = [p.chunk.text for p in passages]
        kept, dropped, pos = [], [], 0
        for sentence in split_sentences(text):
            plain = _MARKER.sub("", sentence.text)
            if unfounded_numbers(plain, sources, question=question) or (
                min_figure_context > 0
                and misplaced_numbers(plain, sources, question=question, min_overlap=min_figure_context)
            ):
                kept.append(text[pos : sentence.start])
                dropped.append(plain.strip())
                pos = sentence.end
        if not dropped:
            return text, []
        kept.append(text[pos:])
        return re.sub(r"[ \t]{2,}", " ", "".join(kept)).strip(), dropped

    def support(self, claim: str, passage: Passage, *, question: str = "") -> Support:
        """How well ``passage`` supports ``claim``; numbers the claim repeats from ``question``
        (e.g. "the 2020 report") need not occur in the passage."""
        sentences = _sentences(passage)
        if cjk_ratio(claim) >= _CHINESE:
            return self._overlap_support(char_bigrams(claim), passage.text, sentences, char_bigrams)
        if cjk_ratio(passage.text) < _CHINESE:
            return self._overlap_support(words(claim), passage.text, sentences, words)
        # Numbers are the same in both languages: an English claim stating a number its Chinese
        # passage does not contain is unsupported however close the embeddings are.
        numbers_found = _numbers(claim) - _numbers(question) <= _passage_numbers(passage.text)
        if self.embeddings is not None:
            vectors = self._embed([claim] + [s.text for s in sentences])
            sims = cosine_matrix(vectors[:1], vectors[1:])[0]
            i = int(np.argmax(sims))
            if sims[i] >= self.min_cosine or not self._bare_figure(claim, numbers_found):
                return Support(float(sims[i]), bool(sims[i] >= self.min_cosine) and numbers_found, sentences[i])
        numbers = _numbers(claim)
        i = max(range(len(sentences)), key=lambda j: len(numbers & _passage_numbers(sentences[j].text)))
        return Support(1.0, numbers_found, sentences[i])

    def _bare_figure(self, claim: str, numbers_found: bool) -> bool:
        """"200 million US dollars [1]": too short for embeddings to mean anything; its figures,
        all found in the passage, are the claim."""
        return numbers_found and bool(_numbers(claim)) and len(words(claim)) <= self.short_claim_words

    def _overlap_support(self, claim_items, passage_text, sentences, featurize) -> Support:
        score = containment(claim_items, featurize(passage_text))
        i = max(range(len(sentences)), key=lambda j: containment(claim_items, featurize(sentences[j].text)))
        return Support(score, score >= self.min_overlap, sentences[i])

    def _prefetch(self, claims: list[Claim], by_n: dict[int, Passage]) -> None:
        """Embed every text the cross-lingual checks will need in one batch (one model call)."""
        if self.embeddings is None:
            return
        texts: list[str] = []
        for claim in claims:
            if cjk_ratio(claim.text) >= _CHINESE:
                continue
            targets = [by_n[n] for n in claim.cited] if claim.cited else (
                list(by_n.values()) if len(claim.text) >= self.min_claim_chars else []
            )
            targets = [p for p in targets if cjk_ratio(p.text) >= _CHINESE]
            if targets:
                texts.append(claim.text)
                texts.extend(s.text for p in targets for s in _sentences(p))
        if texts:
            self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for t, v in zip(missing, self.embeddings.embed_documents(missing)):
                self._vectors[t] = np.asarray(v, dtype=np.float32)
            while len(self._vectors) > self._cache_size:
                self._vectors.popitem(last=False)
        return np.stack([self._vectors[t] for t in texts])

    @staticmethod
    def _citation(passage: Passage, supported: bool, score: float, sentence: Sentence) -> Citation:
        chunk = passage.chunk
        return Citation(
            n=passage.n,
            doc_id=chunk.doc_id,
            doc_title=chunk.doc_title,
            section=chunk.section,
            page=chunk.page,
            text=sentence.text,
            start=passage.start + sentence.start,
            end=passage.start + sentence.end,
            supported=supported,
        )
