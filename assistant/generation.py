"""Generation: the answer prompt piped into a chat model, streamed as text.

``prompt | chat_model | StrOutputParser()`` — any LangChain chat model fits, and the chain can be
traced or swapped like any Runnable.
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
        self.chain: Runnable = (
            RunnableLambda(lambda x: answer_messages(
                x["language"], x["question"], x["passages"], convert_numbers=convert_numbers
            ))
            | chat_model.bind(max_tokens=max_answer_tokens)
            | StrOutputParser()
        )

    def stream(self, *, language: Language, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        inputs = {"language": language, "question": question, "passages": list(passages)}
        return MarkerHoldback(self.chain.stream(inputs))

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
        for token in self._tokens:
            self.text += token
            held += token
            probe = self.text.lstrip().upper()
            if REFUSAL_MARKER.startswith(probe) or probe.startswith(REFUSAL_MARKER):
                continue
            yield held
            held = ""
        if held and not self.text.lstrip().upper().startswith(REFUSAL_MARKER):
            yield held
