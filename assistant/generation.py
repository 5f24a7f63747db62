"""Generation: the answer prompt piped into a chat model, streamed as text.

``prompt | chat_model | StrOutputParser()`` — any LangChain chat model fits, and the chain can be
traced or swapped like any Runnable. Streaming calls the prompt and the model one after the other
rather than ``chain.stream``: a ``RunnableSequence`` closed early (the user pressed Stop) reads the
rest of the model's output for its trace, so the model would go on generating to the end.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer import Language
from assistant.passage import Passage
from assistant.prompt import REFUSAL_MARKER, answer_messages


class AnswerGenerator:
    """Args:
    chat_model: the back-end.
    max_answer_tokens: passed to the model on every call (``bind``).
    convert_numbers: show English answers' passages with numbers and dates in English notation
        (for generative models; an extractive model quotes the passages and needs them verbatim).
    """

    def __init__(self, chat_model: BaseChatModel, *, max_answer_tokens: int = 256, convert_numbers: bool = False):
        if not isinstance(chat_model, BaseChatModel):
            raise ValueError(f"chat_model must be a LangChain BaseChatModel, got {type(chat_model).__name__}")
        if max_answer_tokens < 1:
            raise ValueError(f"max_answer_tokens must be positive, got {max_answer_tokens}")
        self.chat_model = chat_model
        self.max_answer_tokens = max_answer_tokens
        self.convert_numbers = convert_numbers
        self.prompt: Runnable = RunnableLambda(lambda x: answer_messages(
            x["language"], x["question"], x["passages"], convert_numbers=convert_numbers
        ))
        self.model: Runnable = chat_model.bind(max_tokens=max_answer_tokens)
        self.chain: Runnable = self.prompt | self.model | StrOutputParser()

    def stream(self, *, language: Language, question: str, passages: Sequence[Passage]) -> MarkerHoldback:
        """The answer's text as the model writes it; closing the iterator stops the model."""
        inputs = {"language": language, "question": question, "passages": list(passages)}
        return MarkerHoldback(self._texts(inputs))

    def _texts(self, inputs: dict) -> Iterator[str]:
        chunks = self.model.stream(self.prompt.invoke(inputs))
        try:
            for chunk in chunks:
                if chunk.text:
                    yield chunk.text
        finally:
            chunks.close()

    def invoke(self, *, language: Language, question: str, passages: Sequence[Passage]) -> str:
        return self.chain.invoke({"language": language, "question": question, "passages": list(passages)})


class MarkerHoldback:
    """Passes tokens through, except while the text so far could still be the refusal marker:
    those are held back so a refusing model never shows ``NO_ANSWER`` to the user. ``text`` is
    everything the model produced."""

    def __init__(self, tokens: Iterator[str]):
        self._tokens = tokens
        self.text = ""

    def __iter__(self) -> Iterator[str]:
        held = ""
        try:
            for token in self._tokens:
                self.text += token
                held += token
                probe = self.text.lstrip().upper()
                if REFUSAL_MARKER.startswith(probe) or probe.startswith(REFUSAL_MARKER):
                    continue
                yield held
                held = ""
        finally:  # stopped early: stop the model now, not when the generator is collected
            close = getattr(self._tokens, "close", None)
            if close is not None:
                close()
        if held and not self.text.lstrip().upper().startswith(REFUSAL_MARKER):
            yield held
