"""The assistant: question (+ history) -> claims bound to the evidence they rest on.

Evidence first, then words. One pipeline of named stages::

    resolve -> retrieve -> select -> gate -> compose -> verify

``select`` picks a few evidence units (sentences, list items, table rows, cover lines) of the
retrieved chunks; ``compose`` turns them into claims, each citing its units by construction
(the extractive composer quotes them, the model composer adds a direct answer and, for English,
translations); ``verify`` applies the one verification rule. The instant preview the UI shows is
the same pipeline with the extractive composer; the model's answer continues from the preview's
evidence, so it never has fewer claims than the preview.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.retrievers import BaseRetriever

from assistant.answer import Answer, Citation
from assistant.answer_pipeline import AnswerPipeline
from assistant.answer_state import AnswerState
from assistant.answer_text import render_answer
from assistant.foreground import FOREGROUND
from assistant.labels import labels_for
from assistant.language import LanguageSetting, answer_language
from assistant.stages import (
    ClaimVerifier,
    EvidenceSelector,
    ExtractiveComposer,
    FollowUpResolver,
    ModelComposer,
    RefusalGate,
    RetrievalStage,
)

History = Sequence[Mapping[str, str]]
_COMPOSE = "compose"


class Assistant:
    """Args:
    retriever: a LangChain retriever with the typed ``retrieve(query, *, k)`` (HybridRetriever);
        its ``index.evidence`` holds the evidence units (sentences of the chunks are embedded on
        the fly for an index without them).
    embeddings: the index's embedder (scores units against the question).
    chat_model: the generative back-end, or ``None`` for the extractive one.
    backend: its name, reported in every Answer.
    resolver, retrieval, selector, gate, verifier, model_composer: stages (defaults when omitted).
    english_title: ``doc_id -> English title`` for English leads (e.g. from the index metadata).
    language: "auto" (the question's) or a forced "zh"/"en".
    max_question_chars: longer questions are truncated, with a note.
    """

    def __init__(
        self,
        *,
        retriever: BaseRetriever,
        embeddings,
        chat_model: BaseChatModel | None = None,
        backend: str | None = None,
        resolver: FollowUpResolver | None = None,
        retrieval: RetrievalStage | None = None,
        selector: EvidenceSelector | None = None,
        gate: RefusalGate | None = None,
        verifier: ClaimVerifier | None = None,
        model_composer: ModelComposer | None = None,
        english_title: Callable[[str], str | None] | None = None,
        language: LanguageSetting = "auto",
        max_question_chars: int = 1000,
    ):
        if language not in ("auto", "zh", "en"):
            raise ValueError(f"language must be 'auto', 'zh' or 'en', got {language!r}")
        if max_question_chars < 10:
            raise ValueError(f"max_question_chars must be at least 10, got {max_question_chars}")
        self.retriever = retriever
        self.chat_model = chat_model
        self.generative = chat_model is not None
        self.backend = backend or (getattr(chat_model, "_llm_type", type(chat_model).__name__) if chat_model else "extractive")
        english_title = english_title or index_english_title(retriever)
        shared = [
            resolver or FollowUpResolver(),
            retrieval or RetrievalStage(retriever),
            selector or EvidenceSelector(embeddings, evidence_of(retriever)),
            gate or RefusalGate(),
        ]
        verify = verifier or ClaimVerifier()
        self.preview_pipeline = AnswerPipeline([*shared, ExtractiveComposer(english_title=english_title), verify])
        composer = (model_composer or ModelComposer(chat_model, english_title=english_title)) if chat_model else None
        self.pipeline = AnswerPipeline([*shared, composer, verify]) if composer else self.preview_pipeline
        self.language = language
        self.max_question_chars = max_question_chars

    @property
    def chat_models(self) -> list[BaseChatModel]:
        """Every chat model the answers use (the composer's translator too), e.g. to load them
        before the first question."""
        composer = next((s for s in self.pipeline.stages if isinstance(s, ModelComposer)), None)
        return composer.models if composer else []

    def config(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "language": self.language,
            "max_question_chars": self.max_question_chars,
            "stages": self.pipeline.to_dict(),
        }

    def with_retriever(self, retriever: BaseRetriever) -> Assistant:
        """A copy that searches ``retriever`` (e.g. RGB's per-question libraries), sharing the
        loaded models and every other stage."""
        stages = {s.name: s for s in self.pipeline.stages}
        selector = stages["select"]
        return Assistant(
            retriever=retriever, embeddings=selector.embeddings, chat_model=self.chat_model, backend=self.backend,
            resolver=stages["resolve"], retrieval=RetrievalStage(retriever, stages["retrieve"].config),
            selector=EvidenceSelector(selector.embeddings, evidence_of(retriever), selector.config),
            gate=stages["gate"], verifier=stages["verify"],
            model_composer=stages["compose"] if self.generative else None,
            language=self.language, max_question_chars=self.max_question_chars,
        )

    # ------------------------------------------------------------------------------ public
    def ask(self, question: str, history: History = ()) -> Answer:
        """The final answer (streamed tokens are consumed internally)."""
        answer = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None  # stream always ends with the final answer
        return answer

    def preview(self, question: str, history: History = ()) -> Answer:
        """The instant extractive answer (``final=False`` for generative back-ends)."""
        state = self._state(question, history)
        with FOREGROUND.running():  # a local model writing another answer pauses meanwhile
            self.preview_pipeline.run(state)
        return self._answer(state, backend="extractive", final=not self.generative)

    def stream(self, question: str, history: History = (), *, preview: Answer | None = None) -> Iterator[Answer | str]:
        """Yields the model's text as it writes, then the final ``Answer``. With ``preview``
        (from :meth:`preview` for the same question), composition continues from its evidence
        instead of retrieving again."""
        state = self._state(question, history)
        stages = self.pipeline.stages
        if preview is not None and not preview.refused and preview.evidence:
            state.standalone = preview.standalone_question
            state.results = list(preview.passages)
            state.evidence = list(preview.evidence)
            state.timings.update({k: v for k, v in preview.timings.items() if k != "total"})
            stages = stages[[s.name for s in stages].index(_COMPOSE):]
        generator = AnswerPipeline(stages).stream(state)
        while True:
            try:
                token = next(generator)
            except StopIteration:
                break
            state.timings.setdefault("first_token", time.perf_counter() - state.started)
            yield token
        yield self._answer(state, backend=self.backend, final=True)

    # ----------------------------------------------------------------------------- helpers
    def _state(self, question: str, history: History) -> AnswerState:
        if not isinstance(question, str):
            raise ValueError(f"question must be a string, got {type(question).__name__}")
        question = question.strip()
        if not question:
            raise ValueError("question is empty: ask something about the reports")
        for i, turn in enumerate(history):
            if not isinstance(turn, Mapping) or not isinstance(turn.get("q"), str):
                raise ValueError(f"history[{i}] must be a mapping with a string 'q' (and optional 'a')")
        notes = []
        if len(question) > self.max_question_chars:
            question = question[: self.max_question_chars]
            language = answer_language(question, forced=self.language)
            notes.append(labels_for(language).question_truncated.format(kept=self.max_question_chars))
        return AnswerState(question=question, language=answer_language(question, forced=self.language),
                           history=tuple(history), notes=notes)

    @staticmethod
    def _answer(state: AnswerState, *, backend: str, final: bool) -> Answer:
        timings = {**state.timings, "total": time.perf_counter() - state.started}
        common = dict(question=state.question, language=state.language,
                      standalone_question=state.standalone or state.question,
                      timings=timings, backend=backend, final=final, notes=list(state.notes))
        if state.refusal is not None:
            return Answer(answer=labels_for(state.language).refusal_for(state.refusal, state.refusal_detail),
                          refused=True, refusal_reason=state.refusal, refusal_detail=state.refusal_detail,
                          passages=state.results[:5],
                          evidence=list(state.evidence), unsupported=list(state.dropped), **common)
        by_n = {e.n: e for e in state.evidence}
        cited = list(dict.fromkeys(n for c in state.claims for n in c.cited if n in by_n))
        return Answer(
            answer=render_answer(state.claims, state.evidence), refused=False, claims=list(state.claims),
            citations=[Citation.of(by_n[n]) for n in cited], evidence=list(state.evidence),
            passages=list(state.results), unsupported=list(state.dropped), **common,
        )


def evidence_of(retriever) -> Callable[[], object]:
    """The evidence store of ``retriever``'s current index (``None`` without one)."""
    return lambda: getattr(getattr(retriever, "index", None), "evidence", None)


def index_english_title(retriever) -> Callable[[str], str | None]:
    def english_title(doc_id: str) -> str | None:
        index = getattr(retriever, "index", None)
        metadata = getattr(index, "document_metadata", None)
        return (metadata(doc_id) or {}).get("title_en") if metadata else None

    return english_title
