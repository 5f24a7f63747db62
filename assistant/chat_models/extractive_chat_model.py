"""A chat model that writes no new text: it answers with the sentences of the given passages that
best match the question, each cited. Instant, and it cannot make anything up.

It reads the question and the numbered passages back from the answer prompt
(``assistant.prompt.answer_messages``), so it is a drop-in for a generative model in the same
chain, and the instant preview shown while a slow model generates.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from assistant.answer import Language
from assistant.labels import labels_for
from assistant.prompt import REFUSAL_MARKER, parse_answer_messages
from assistant.sentences import split_sentences
from assistant.similarity import cjk_ratio, cosine_matrix, lexical_overlap, without_book_titles

_CLOSING = "。；;，,：:"


class ExtractiveChatModel(BaseChatModel):
    """Selects and cites passage sentences.

    A sentence's score is its lexical overlap with the question (character bigrams, words,
    numbers), plus its cosine similarity to the question when ``embeddings`` is given, plus a small
    bonus for higher-ranked passages. Sentences under ``min_score`` are not used; when lexical
    overlap is the only signal and nothing reaches it, the model outputs the refusal marker.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embeddings: Embeddings | None = None
    max_sentences: int = Field(3, ge=1, le=10)
    min_score: float = Field(0.2, ge=0)
    relative_floor: float = Field(0.6, ge=0, le=1)  # drop sentences scoring under this share of the best
    min_sentence_chars: int = Field(8, ge=1)
    rank_bonus: float = Field(0.05, ge=0)

    @property
    def _llm_type(self) -> str:
        return "extractive"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "embeddings": getattr(self.embeddings, "name", None),
            "max_sentences": self.max_sentences,
            "min_score": self.min_score,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(self._pieces(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in self._pieces(messages):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    def _pieces(self, messages: list[BaseMessage]) -> list[str]:
        prompt = parse_answer_messages(messages)
        chosen = self.select(prompt.question, prompt.passages)
        if not chosen:
            return [REFUSAL_MARKER]
        return self.render(chosen, prompt.language)

    def select(self, question: str, passages: dict[int, str]) -> list[tuple[int, str]]:
        """The best ``(passage number, sentence)`` pairs, in reading order."""
        candidates = [
            (n, i, s.text)
            for n, text in sorted(passages.items())
            for i, s in enumerate(split_sentences(text))
            if len(s.text) >= self.min_sentence_chars
        ]
        if not candidates:
            return []
        texts = [c[2] for c in candidates]
        topic = without_book_titles(question)
        scores = np.array([lexical_overlap(topic, t) for t in texts], dtype=np.float32)
        same_script = (cjk_ratio(question) >= 0.3) == (cjk_ratio("".join(texts)) >= 0.3)
        if self.embeddings is not None:
            query = np.asarray([self.embeddings.embed_query(question)], dtype=np.float32)
            scores += cosine_matrix(query, np.asarray(self.embeddings.embed_documents(texts)))[0]
        elif not same_script:
            # An English question over Chinese passages without an embedder: only shared numbers
            # and names count; trust the retriever's order for the rest instead of refusing.
            scores += self.min_score
        ranks = sorted({c[0] for c in candidates})
        scores += np.array([self.rank_bonus * (len(ranks) - ranks.index(c[0])) / len(ranks) for c in candidates])
        floor = max(self.min_score, self.relative_floor * float(scores.max()))
        order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] >= floor]
        picked = sorted(order[: self.max_sentences], key=lambda i: (candidates[i][0], candidates[i][1]))
        return [(candidates[i][0], candidates[i][2]) for i in picked]

    @staticmethod
    def render(chosen: list[tuple[int, str]], language: Language) -> list[str]:
        if language == "zh":
            pieces = []
            for n, sentence in chosen:
                body = sentence.rstrip(_CLOSING)
                closed = len(body) < len(sentence)  # it ended in 。；，: close it after the marker
                pieces.append(f"{body}[{n}]{'。' if closed else ''}")
            return pieces
        # English answer over (usually Chinese) sources: say what was found, quote the sources.
        pieces = [labels_for("en").extractive_intro]
        for n, sentence in chosen:
            pieces.append(f" “{sentence.strip()}” [{n}]")
        return pieces
