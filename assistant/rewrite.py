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

# Words that point back into the conversation. Chinese: pronouns and demonstratives, minus the
# words that merely contain them (其他, 尤其, 应该, 因此, 如此…); "文中/作者" name a document or
# person only the conversation identifies.
_ZH_ANAPHORA = re.compile(
    r"它|(?<![尤极])其(?![他它实余次])|(?<!应)该|(?<![因为如对由彼据])此|(?<!其)[他她]|这|那|两者|二者|同年|上述|前者|后者"
    r"|文中|本文|作者|呢[？?]?$"
)
# A Chinese question opening with a bare document noun ("报告建议…", "文章提到…") means the one
# the conversation is about.
_ZH_DEFINITE_HEAD = re.compile(r"^(?:报告|文章|白皮书|契约|倡议|协定|战略|框架|计划)(?![（(《])")
# English: pronouns that refer back, "what about / and …", and definite references to a source or
# person the question does not name ("the report", "the same paper", "the author").
_EN_ANAPHORA = re.compile(
    r"\b(it|its|they|their|them|these|those|he|she|him|his|her|there|such|both|former|latter)\b"
    r"|\b(this|that)\s+(report|paper|article|study|survey|document|approach|strategy|plan|framework|initiative|"
    r"agreement|act|measure|measures|mechanism|one|figure|period|year)\b"
    r"|\bthe\s+(same|above|previous)\b"
    r"|\bthe\s+(report|paper|white paper|article|study|survey|document|author|authors|writer|book)\b"
    r"|^(what|how) about\b|^and\b",
    re.IGNORECASE,
)
# "it"/"its" after a name of the question's own ("the GCSC … its membership") refer inside it.
_EN_SELF_REFERRING = frozenset({"it", "its"})
_EN_NAME = re.compile(r"(?<!^)\b(?:[A-Z]{2,}[A-Za-z0-9+\-]*|[A-Z][a-z]+(?:[ -][A-Z][A-Za-z]+)+)")
_ZH_NAME = re.compile(r"《[^》]+》|“[^”]+”|[A-Za-z][A-Za-z0-9+\-]+")
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
# What names a question's subject. Chinese: the speaker before "的文章/认为/提到…" ("安晓明的文章
# 讲了…" -> 安晓明), a source after "根据/据", titles, quoted terms, Latin names. English:
# capitalised names, acronyms, quoted terms, "2022 Global …" phrases.
_ZH_SPEAKER = re.compile(
    r"^(?:根据|据|在)?([^，,。？?《“]{2,16}?)(?:的(?:文章|报告|疫情报告|研究|论文|白皮书)|认为|提到|指出|表示|建议|称|讲了)"
)
_ZH_SOURCE = re.compile(r"(?:根据|据)([^，,。？?]{2,30})[，,]")
_EN_ANCHOR = re.compile(
    r"\b\d{4}\s+(?:[\w\-]+\s+){0,5}?(?:[Ww]hite [Pp]aper|report|paper|article|survey|study)\b"
    r"|(?<!^)(?:\b\d{4}(?:\s+[A-Z][\w\-]*)+|\b[A-Z][\w\-]*(?:\s+(?:of\s+|on\s+|the\s+|and\s+)?[A-Z][\w\-]*)+"
    r"|\b[A-Z]{2,}[\w+\-]*|\b[A-Z][a-z]+[A-Z]\w*)"
    r"|['‘\"“][^'’\"”]{3,60}['’\"”]"
)
_EN_GENERIC = frozenset({"What", "Which", "Who", "How", "When", "Where", "Why", "According"})


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
    """Resolves a follow-up by naming what it refers to: the previous question's subject.

    The strategy, per language of the follow-up, says how: ``"anchors"`` puts only the names the
    previous question is anchored by (titles, authors, sources, quoted terms; its topic when it
    has none) before the follow-up, ``"topic"`` puts the previous question's whole topic there;
    ``"none"`` leaves the words as asked (retrieval still uses the previous turn as a prior).
    """

    STRATEGIES = ("anchors", "topic", "none")

    def __init__(self, *, short_zh_chars: int = 10, short_en_words: int = 3, strategy: str | None = None,
                 strategy_zh: str = "anchors", strategy_en: str = "topic"):
        if short_zh_chars < 0 or short_en_words < 0:
            raise ValueError("short_zh_chars and short_en_words must not be negative")
        if strategy is not None:  # one strategy for both languages
            strategy_zh = strategy_en = strategy
        for value in (strategy_zh, strategy_en):
            if value not in self.STRATEGIES:
                raise ValueError(f"strategy must be one of {', '.join(self.STRATEGIES)}, got {value!r}")
        self.short_zh_chars = short_zh_chars
        self.short_en_words = short_en_words
        self.strategy = {"zh": strategy_zh, "en": strategy_en}

    def config(self) -> dict:
        return {**super().config(), "short_zh_chars": self.short_zh_chars, "short_en_words": self.short_en_words,
                "strategy_zh": self.strategy["zh"], "strategy_en": self.strategy["en"]}

    def is_follow_up(self, question: str) -> bool:
        """Whether ``question`` depends on the conversation: a pronoun or demonstrative
        ("它/其/那/他", "it/they/such", "what about") not preceded by a name of its own, a
        definite reference to a source or person it does not name ("文中", "报告建议…", "the
        report", "the author"), or too few words of its own (a Chinese question of at most
        ``short_zh_chars`` characters, an English one with at most ``short_en_words`` content
        words)."""
        if detect_language(question) == "zh":
            core = _END_PUNCT.sub("", question)
            if len(core) <= self.short_zh_chars or _ZH_DEFINITE_HEAD.match(core):
                return True
            match = _ZH_ANAPHORA.search(core + "？")
            return bool(match) and not _ZH_NAME.search(core[: match.start()])
        content = [w for w in _EN_CONTENT.findall(question) if w.lower() not in _EN_STOP]
        if len(content) <= self.short_en_words:
            return True
        for match in _EN_ANAPHORA.finditer(question):
            if match.group(0).lower() in _EN_SELF_REFERRING and _EN_NAME.search(question[: match.start()]):
                continue
            return True
        return False

    @staticmethod
    def elliptical(question: str) -> bool:
        """Whether ``question`` depends on the conversation by leaving words out rather than by
        a pronoun or a definite reference: it has neither."""
        if detect_language(question) == "zh":
            core = _END_PUNCT.sub("", question)
            return not (_ZH_DEFINITE_HEAD.match(core) or _ZH_ANAPHORA.search(core + "？"))
        return not _EN_ANAPHORA.search(question)

    @staticmethod
    def topic(question: str) -> str:
        """The question without its question words and end punctuation."""
        if detect_language(question) == "zh":
            return _END_PUNCT.sub("", _ZH_QUESTION_WORDS.sub("", question))
        return _END_PUNCT.sub("", _EN_QUESTION_HEAD.sub("", question, count=1))

    @staticmethod
    def anchors(question: str) -> list[str]:
        """The names ``question`` is anchored by, in order: the speaker or source ("安晓明的
        文章…" -> 安晓明), titles, quoted terms and Latin names in Chinese; capitalised names,
        acronyms, quoted terms and "2022 Global …" phrases in English."""
        if detect_language(question) == "zh":
            found = [m.group(1).strip() for p in (_ZH_SPEAKER, _ZH_SOURCE) if (m := p.search(question))]
            found = [f for f in found if not _ZH_NAME.fullmatch(f)] + _ZH_NAME.findall(question)
        else:
            found = [m.group(0).strip("'‘’\"“” ") for m in _EN_ANCHOR.finditer(question)]
            found = [f for f in found if f not in _EN_GENERIC]
        # A name inside a longer one ("COVID" in "COVID-19 report") adds nothing.
        unique = list(dict.fromkeys(f for f in found if f))
        return [a for a in unique if not any(a != b and a in b for b in unique)]

    def resolve_previous(self, history: History) -> str:
        """The last turn's question, itself resolved against the turns before it."""
        return self.rewrite(history[-1]["q"], history[:-1])

    def names(self, history: History) -> list[str]:
        """The anchors of the last turn's question, after those it inherits when it is itself a
        follow-up (a third turn still knows whose article the first one asked about)."""
        question = history[-1]["q"]
        own = self.anchors(question)
        if len(history) < 2 or not self.is_follow_up(question):
            return own
        inherited = self.names(history[:-1])
        return inherited + [n for n in own if n not in inherited]

    def _rewrite(self, question: str, history: History) -> str:
        language = detect_language(question)
        strategy = self.strategy[language]
        if strategy == "none" or not self.is_follow_up(question):
            return question
        zh = language == "zh"
        # Names stand in for what a pronoun or a definite reference points at; an ellipsis
        # ("是哪几个国家？") leaves out the whole previous predicate, so it gets the topic
        # (names alone turned that question about 2017's initiative into another one).
        anchored = strategy == "anchors" and not self.elliptical(question)
        names = [n for n in self.names(history) if n not in question] if anchored else []
        context = ("、" if zh else ", ").join(names) if names else self.topic(self.resolve_previous(history))
        if not context or context in question:
            return question
        return f"{context}{'，' if zh else ': '}{question}"


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
