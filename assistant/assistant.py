"""The assistant: question (+ history) -> cited answer, in the question's language.

Stages, each its own module and swappable: language -> rewrite -> retrieve -> refuse if retrieval
is weak -> context budget -> refuse if the passages cannot answer (lexical answerability check) ->
generate -> refuse on the model's marker, or when the answer only restates the question ->
translate leftover Chinese in English answers -> check citations, dropping sentences with
made-up or misplaced numbers (refuse when nothing is left) -> quote the source sentence after a
terse Chinese answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.retrievers import BaseRetriever

from assistant.answer import Answer
from assistant.answer_cleanup import clean_answer
from assistant.answerability import AnswerabilityCheck
from assistant.chat_models.extractive_chat_model import ExtractiveChatModel
from assistant.citations import CitationChecker, split_claims
from assistant.context_budget import ContextBudget
from assistant.empty_answer import restates_question
from assistant.generation import AnswerGenerator
from assistant.labels import labels_for
from assistant.language import LanguageSetting, answer_language
from assistant.language_check import has_untranslated_chinese
from assistant.language_repair import LanguageRepair
from assistant.prompt import format_passage_source, is_refusal
from assistant.refusal import RefusalPolicy
from assistant.supporting_quote import with_supporting_quote
from assistant.rewrite import ChatModelRewriter, QuestionRewriter, RuleBasedRewriter

History = Sequence[Mapping[str, str]]


class Assistant:
    """Args:
    retriever: a LangChain retriever with the typed ``retrieve(query, *, k)`` (HybridRetriever).
    chat_model: the answering back-end (local llama.cpp, ChatOpenAI, or ExtractiveChatModel).
    backend: its name, reported in every Answer.
    budget, refusal, citations, answerability: the stage components (defaults when omitted).
    language_repair: translates Chinese left in English answers (generative back-ends; defaults
        to the chat model itself; ``False`` turns it off).
    rewriter: defaults to the chat model for generative back-ends, rules for extractive.
    preview_model: the instant answer streamed before a generative model's (extractive by default).
    language: "auto" (the question's) or a forced "zh"/"en".
    max_question_chars: longer questions are truncated, with a note.
    """

    def __init__(
        self,
        *,
        retriever: BaseRetriever,
        chat_model: BaseChatModel,
        backend: str | None = None,
        budget: ContextBudget | None = None,
        refusal: RefusalPolicy | None = None,
        citations: CitationChecker | None = None,
        answerability: AnswerabilityCheck | None = None,
        language_repair: LanguageRepair | bool | None = None,
        rewriter: QuestionRewriter | None = None,
        preview_model: BaseChatModel | None = None,
        language: LanguageSetting = "auto",
        max_question_chars: int = 1000,
    ):
        if not callable(getattr(retriever, "retrieve", None)):
            raise ValueError("retriever must provide retrieve(query, *, k) -> list[SearchResult]")
        if language not in ("auto", "zh", "en"):
            raise ValueError(f"language must be 'auto', 'zh' or 'en', got {language!r}")
        if max_question_chars < 10:
            raise ValueError(f"max_question_chars must be at least 10, got {max_question_chars}")
        self.retriever = retriever
        self.chat_model = chat_model
        self.backend = backend or getattr(chat_model, "_llm_type", type(chat_model).__name__)
        self.generative = not isinstance(chat_model, ExtractiveChatModel)
        self.budget = budget or ContextBudget()
        self.refusal = refusal or RefusalPolicy()
        self.citations = citations or CitationChecker()
        self.answerability = answerability or AnswerabilityCheck()
        if language_repair is None or language_repair is True:
            language_repair = LanguageRepair(chat_model) if self.generative else None
        self.language_repair = language_repair or None
        self.rewriter = rewriter or (ChatModelRewriter(chat_model) if self.generative else RuleBasedRewriter())
        self.generator = AnswerGenerator(
            chat_model, max_answer_tokens=self.budget.max_answer_tokens, convert_numbers=self.generative
        )
        self.preview = (
            AnswerGenerator(preview_model or ExtractiveChatModel(), max_answer_tokens=self.budget.max_answer_tokens)
            if self.generative else None
        )
        self.language = language
        self.max_question_chars = max_question_chars

    def config(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "language": self.language,
            "max_question_chars": self.max_question_chars,
            "budget": self.budget.config(),
            "refusal": self.refusal.config(),
            "citations": self.citations.config(),
            "answerability": self.answerability.config(),
            "language_repair": self.language_repair.config() if self.language_repair else None,
            "rewriter": self.rewriter.config(),
        }

    def ask(self, question: str, history: History = ()) -> Answer:
        """The final answer (the streamed preview and tokens are consumed internally)."""
        answer = None
        for item in self.stream(question, history):
            if isinstance(item, Answer) and item.final:
                answer = item
        assert answer is not None  # stream always ends with the final answer
        return answer

    def stream(self, question: str, history: History = ()) -> Iterator[Answer | str]:
        """Yields a preview ``Answer(final=False)`` (generative back-ends only), the answer's text
        tokens, then the final ``Answer``."""
        question, notes = self._validate(question, history)
        started = time.perf_counter()
        timings: dict[str, float] = {}
        language = answer_language(question, forced=self.language)

        clock = time.perf_counter()
        standalone = self.rewriter.rewrite(question, history) if history else question
        timings["rewrite"] = time.perf_counter() - clock

        clock = time.perf_counter()
        results = self.retriever.retrieve(standalone, k=self.budget.passages)
        timings["retrieve"] = time.perf_counter() - clock

        def finish(answer: Answer) -> Answer:
            timings["total"] = time.perf_counter() - started
            answer.timings = dict(timings)
            answer.notes = list(notes)
            return answer

        if self.refusal.retrieval_is_weak(results):
            timings.update(generate=0.0, check=0.0)
            yield finish(self.refusal.refusal(
                question=question, standalone_question=standalone, language=language,
                related=results, weak_retrieval=True, backend=self.backend,
            ))
            return

        passages = self.budget.select(standalone, results)
        clock = time.perf_counter()
        verdict = self.answerability.check(
            standalone, [p.chunk.text for p in passages],
            headers=[format_passage_source(p) for p in passages],
        )
        timings["answerability"] = time.perf_counter() - clock
        if not verdict.answerable:
            timings.update(generate=0.0, check=0.0)
            yield finish(self.refusal.refusal(
                question=question, standalone_question=standalone, language=language,
                related=[p.result for p in passages], weak_retrieval=False, backend=self.backend,
            ))
            return
        inputs = {"language": language, "question": standalone, "passages": passages}
        if self.preview is not None:
            preview_text = self.preview.invoke(**inputs)
            if not is_refusal(preview_text):
                check = self.citations.check(preview_text, passages, question=standalone)
                yield Answer(
                    question=question, language=language, standalone_question=standalone,
                    answer=check.answer, refused=False, citations=check.citations,
                    passages=[p.result for p in passages], backend="extractive",
                    unsupported=check.unsupported, final=False, notes=list(notes),
                    timings={"total": time.perf_counter() - started},
                )

        clock = time.perf_counter()
        tokens = self.generator.stream(**inputs)
        for token in tokens:
            timings.setdefault("first_token", time.perf_counter() - started)
            yield token
        timings["generate"] = time.perf_counter() - clock
        timings.setdefault("first_token", time.perf_counter() - started)

        def refuse() -> Answer:
            return finish(self.refusal.refusal(
                question=question, standalone_question=standalone, language=language,
                related=[p.result for p in passages], weak_retrieval=False, backend=self.backend,
            ))

        clock = time.perf_counter()
        if is_refusal(tokens.text):
            timings["check"] = time.perf_counter() - clock
            yield refuse()
            return
        text = clean_answer(tokens.text, passages)
        if not text or restates_question(text, standalone):
            timings["check"] = time.perf_counter() - clock
            yield refuse()
            return
        if language == "en" and self.language_repair is not None and has_untranslated_chinese(text):
            text = self.language_repair.repair(text)
            timings["repair"] = time.perf_counter() - clock
        check = self.citations.check(text, passages, question=standalone)
        timings["check"] = time.perf_counter() - clock
        if not split_claims(check.answer):
            # Every sentence stated a number no passage holds: the passages do not answer it.
            yield refuse()
            return
        yield finish(Answer(
            question=question, language=language, standalone_question=standalone,
            answer=with_supporting_quote(check.answer, passages, check.citations, language), refused=False, citations=check.citations,
            passages=[p.result for p in passages], backend=self.backend, unsupported=check.unsupported,
        ))

    def _validate(self, question: str, history: History) -> tuple[str, list[str]]:
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
        return question, notes
