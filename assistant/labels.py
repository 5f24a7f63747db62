"""Every user-facing string the assistant writes, in both answer languages."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer import Language


@dataclass(frozen=True)
class Labels:
    refusal: str
    weak_retrieval: str
    sources: str
    related: str
    unsupported: str
    question_truncated: str  # formatted with the number of characters kept
    extractive_intro: str


LABELS: dict[str, Labels] = {
    "zh": Labels(
        refusal="资料中没有找到能回答这个问题的内容。",
        weak_retrieval="资料库中没有与这个问题足够相关的内容，无法回答。",
        sources="来源",
        related="相关段落",
        unsupported="以下内容未得到所引段落的支持",
        question_truncated="问题过长，只使用了前 {kept} 个字符。",
        extractive_intro="资料中相关的内容：",
    ),
    "en": Labels(
        refusal="The reports do not contain the answer to this question.",
        weak_retrieval="Nothing in the library is close enough to this question to answer it.",
        sources="Sources",
        related="Related passages",
        unsupported="Not supported by the cited passages",
        question_truncated="The question was too long; only its first {kept} characters were used.",
        extractive_intro="The reports say:",
    ),
}


def labels_for(language: Language) -> Labels:
    return LABELS[language]
