"""Translate the Chinese fragments a small model leaves in an English answer ("data要素").

One short extra request lists every fragment and asks for its English, one per line; the
fragments are then replaced in place. The request holds only the fragments (no passages), so it
costs a second or two. A fragment the model still does not translate is removed: the answer must
be readable by someone who reads no Chinese, and brackets/quotes (names kept in the original)
are never touched.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.language_check import replace_untranslated, untranslated_fragments

_SYSTEM = (
    "Translate each numbered Chinese phrase into English. Reply with the same numbering, one "
    "line per phrase, English only."
)
_LINE = re.compile(r"^\s*(\d+)[.)、:：]\s*(.*?)\s*$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class LanguageRepair:
    """Args:
    chat_model: the model that wrote the answer (any LangChain chat model).
    max_fragments: at most this many distinct fragments are translated (the rest are removed).
    tokens_per_fragment: the answer budget of the repair request, per fragment.
    """

    def __init__(self, chat_model: BaseChatModel, *, max_fragments: int = 8, tokens_per_fragment: int = 16):
        if max_fragments < 1:
            raise ValueError(f"max_fragments must be at least 1, got {max_fragments}")
        if tokens_per_fragment < 1:
            raise ValueError(f"tokens_per_fragment must be at least 1, got {tokens_per_fragment}")
        self.chat_model = chat_model
        self.max_fragments = max_fragments
        self.tokens_per_fragment = tokens_per_fragment

    def config(self) -> dict[str, Any]:
        return {"max_fragments": self.max_fragments, "tokens_per_fragment": self.tokens_per_fragment}

    def translations(self, fragments: list[str]) -> dict[str, str]:
        """Fragment -> English, for the fragments the model translated (others are left out)."""
        asked = fragments[: self.max_fragments]
        if not asked:
            return {}
        listing = "\n".join(f"{i}. {f}" for i, f in enumerate(asked, start=1))
        reply = self.chat_model.invoke(
            [SystemMessage(_SYSTEM), HumanMessage(listing)],
            max_tokens=self.tokens_per_fragment * len(asked),
            temperature=0,
        )
        text = reply.content if isinstance(reply.content, str) else ""
        found: dict[str, str] = {}
        lines = [m for m in map(_LINE.match, text.splitlines()) if m]
        if not lines and len(asked) == 1:
            lines = [_LINE.match(f"1. {text.strip()}")]
        for match in lines:
            i, english = int(match.group(1)), match.group(2).strip().strip("\"'")
            if 1 <= i <= len(asked) and english and not _CJK.search(english):
                found[asked[i - 1]] = english
        return found

    def repair(self, answer: str) -> str:
        """``answer`` with every untranslated fragment replaced by its English (or removed)."""
        fragments = list(dict.fromkeys(untranslated_fragments(answer)))
        if not fragments:
            return answer
        english = self.translations(fragments)
        answer = replace_untranslated(answer, lambda fragment: f" {english.get(fragment, '')} ")
        answer = re.sub(r"[ \t]{2,}", " ", answer)
        return re.sub(r" +([,.;:!?)\]])", r"\1", answer).strip()

