"""Turn a follow-up ("那韩国呢？", "What about its deadline?") into a standalone question.

Only questions asked with history are rewritten. Two rewriters share one interface: the chat
model one (a LangChain chain) and a rule-based fallback for the extractive back-end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from ingest.language import detect_language

History = Sequence[Mapping[str, str]]

_ZH_ANAPHORA = re.compile(r"它|其|这|那|该|此|他|她|两者|二者|同年|上述|前者|后者|呢[？?]?$")
_EN_ANAPHORA = re.compile(
    r"\b(it|its|they|their|them|this|that|these|those|he|she|him|his|her|there|such|both|former|latter)\b"
    r"|^(what|how) about\b|^and\b",
    re.IGNORECASE,
)
_EN_CONTENT = re.compile(r"[A-Za-z][A-Za-z\-']+|\d+(?:[.,]\d+)*%?")
_EN_STOP = frozenset(
    """a an the of to in on for and or but is are was were be been by with as at from what which who
    whom when where why how does do did can could should would will many much about there any some
    give list name tell me please""".split()
)
_ZH_QUESTION_WORDS = re.compile(r"请问|是什么|是哪些|有哪些|是多少|什么|哪些|哪个|如何|怎样|怎么|多少|为什么|是否|吗|呢")
_EN_QUESTION_HEAD = re.compile(
    r"^\s*((what|which|who|when|where|why|how)( (is|are|was|were|does|do|did|many|much))?|"
    r"(is|are|does|do|did|can|could|should))\b\s*",
    re.IGNORECASE,
)
_END_PUNCT = re.compile(r"[\s？?。！!：:，,]+$")


class QuestionRewriter:
    """``rewrite(question, history)``: the question itself when there is no history."""

    def rewrite(self, question: str, history: History = ()) -> str:
        if not history:
            return question
        return self._rewrite(question, history)

    def _rewrite(self, question: str, history: History) -> str:
        raise NotImplementedError

    def config(self) -> dict:
        return {"type": type(self).__name__}


class RuleBasedRewriter(QuestionRewriter):
    """Prepends the previous question's topic to a short or pronoun-bearing follow-up."""

    def __init__(self, *, short_zh_chars: int = 10, short_en_words: int = 3):
        if short_zh_chars < 0 or short_en_words < 0:
            raise ValueError("short_zh_chars and short_en_words must not be negative")
        self.short_zh_chars = short_zh_chars
        self.short_en_words = short_en_words

    def config(self) -> dict:
        return {**super().config(), "short_zh_chars": self.short_zh_chars, "short_en_words": self.short_en_words}

    def is_follow_up(self, question: str) -> bool:
        """Whether ``question`` depends on the conversation: a pronoun or demonstrative
        ("它/其/那/他", "it/they/such", "what about"), or too few words of its own (a Chinese
        question of at most ``short_zh_chars`` characters, an English one with at most
        ``short_en_words`` content words)."""
        if detect_language(question) == "zh":
            core = _END_PUNCT.sub("", question)
            return len(core) <= self.short_zh_chars or bool(_ZH_ANAPHORA.search(core + "？"))
        content = [w for w in _EN_CONTENT.findall(question) if w.lower() not in _EN_STOP]
        return len(content) <= self.short_en_words or bool(_EN_ANAPHORA.search(question))

    @staticmethod
    def topic(question: str) -> str:
        """The question without its question words and end punctuation."""
        if detect_language(question) == "zh":
            return _END_PUNCT.sub("", _ZH_QUESTION_WORDS.sub("", question))
        return _END_PUNCT.sub("", _EN_QUESTION_HEAD.sub("", question, count=1))

    def _rewrite(self, question: str, history: History) -> str:
        if not self.is_follow_up(question):
            return question
        # The previous question may itself be a follow-up: resolve it against older turns first.
        previous = self.rewrite(history[-1]["q"], history[:-1])
        topic = self.topic(previous)
        if not topic or topic in question:
            return question
        separator = "，" if detect_language(question) == "zh" else ": "
        return f"{topic}{separator}{question}"


_REWRITE_SYSTEM = (
    "Rewrite the last question so it can be understood without the conversation: replace "
    "pronouns and fill in what it refers to. Keep its language. Output only the question."
)
_REWRITE_HUMAN = "{conversation}\n\nLast question: {question}\nStandalone question:"


def rewrite_prompt() -> ChatPromptTemplate:
    """Variables: ``conversation`` (``Q:``/``A:`` lines) and ``question``."""
    return ChatPromptTemplate.from_messages([("system", _REWRITE_SYSTEM), ("human", _REWRITE_HUMAN)])


def format_history(history: History, *, max_turns: int, max_answer_chars: int) -> str:
    lines = []
    for turn in list(history)[-max_turns:]:
        answer = " ".join(str(turn.get("a", "")).split())
        if len(answer) > max_answer_chars:
            answer = answer[:max_answer_chars] + "…"
        lines.append(f"Q: {turn['q']}")
        if answer:
            lines.append(f"A: {answer}")
    return "\n".join(lines)


class ChatModelRewriter(QuestionRewriter):
    """Asks the chat model; falls back to the rules when its output is empty, runaway, or in the
    wrong language.

    Args:
        chat_model: any LangChain chat model.
        max_turns: how many recent turns the model sees.
        max_answer_chars: each previous answer is cut to this (prompt reading is slow).
        max_tokens: the most tokens the rewritten question may take.
    """

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        max_turns: int = 2,
        max_answer_chars: int = 160,
        max_tokens: int = 64,
        fallback: RuleBasedRewriter | None = None,
    ):
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
        self.max_turns = max_turns
        self.max_answer_chars = max_answer_chars
        self.max_tokens = max_tokens
        self.fallback = fallback or RuleBasedRewriter()
        self.chain = rewrite_prompt() | chat_model.bind(max_tokens=max_tokens) | StrOutputParser()

    def config(self) -> dict:
        return {**super().config(), "max_turns": self.max_turns,
                "max_answer_chars": self.max_answer_chars, "max_tokens": self.max_tokens}

    def _rewrite(self, question: str, history: History) -> str:
        conversation = format_history(history, max_turns=self.max_turns, max_answer_chars=self.max_answer_chars)
        raw = self.chain.invoke({"conversation": conversation, "question": question})
        rewritten = self.clean(raw)
        if (
            not rewritten
            or len(rewritten) > 3 * len(question) + 120
            or detect_language(rewritten) != detect_language(question)
        ):
            return self.fallback.rewrite(question, history)
        return rewritten

    @staticmethod
    def clean(raw: str) -> str:
        line = next((ln.strip() for ln in raw.strip().splitlines() if ln.strip()), "")
        line = re.sub(r"^(standalone question|question|问题)\s*[:：]\s*", "", line, flags=re.IGNORECASE)
        return line.strip(" \"'“”「」")
