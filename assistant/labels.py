"""Every user-facing string the assistant writes, in both answer languages."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer import Language, RefusalDetail


@dataclass(frozen=True)
class Labels:
    refusal: str
    weak_retrieval: str
    sources: str
    related: str
    unsupported: str
    question_truncated: str  # formatted with the number of characters kept
    no_evidence: str
    model_no_answer: str
    no_value: str  # formatted with the kinds of value asked for
    no_year: str  # formatted with the years
    no_name: str  # formatted with the names
    value_kinds: dict[str, str]  # figure, money, percent, day, year -> words
    joiner: str

    def refusal_for(self, reason: str, detail: RefusalDetail | None = None) -> str:
        """The refusal text for a refusal reason (see ``assistant.answer.REFUSAL_REASONS``),
        naming what was missing when the gate's ``detail`` says."""
        template = {"value": self.no_value, "year": self.no_year, "name": self.no_name}.get(detail.test) if detail else None
        if reason == "no_evidence" and template and detail.missing:
            words = [self.value_kinds.get(k, k) for k in detail.missing] if detail.test == "value" else detail.missing
            return template.format(self.joiner.join(words))
        return {"weak_retrieval": self.weak_retrieval, "no_evidence": self.no_evidence,
                "model_no_answer": self.model_no_answer}.get(reason, self.refusal)


LABELS: dict[str, Labels] = {
    "zh": Labels(
        refusal="资料中没有找到能回答这个问题的内容。",
        weak_retrieval="资料库中没有与这个问题足够相关的内容，无法回答。",
        sources="来源",
        related="相关段落",
        unsupported="以下内容未得到所引段落的支持",
        question_truncated="问题过长，只使用了前 {kept} 个字符。",
        no_evidence="相关报告中没有直接回答这个问题的句子。",
        model_no_answer="找到的相关内容不能回答这个问题。",
        no_value="相关报告谈到了这个问题，但没有给出所问的{}。",
        no_year="相关报告谈到了这个问题，但没有提到{}年的情况。",
        no_name="找到的报告段落都没有提到“{}”。",
        value_kinds={"figure": "数字", "money": "金额", "percent": "比例", "day": "具体日期", "year": "年份"},
        joiner="、",
    ),
    "en": Labels(
        refusal="The reports do not contain the answer to this question.",
        weak_retrieval="Nothing in the library is close enough to this question to answer it.",
        sources="Sources",
        related="Related passages",
        unsupported="Not supported by the cited passages",
        question_truncated="The question was too long; only its first {kept} characters were used.",
        no_evidence="The related reports contain no sentence that answers this question.",
        model_no_answer="The passages found do not answer this question.",
        no_value="The related reports discuss this, but state no {} for it.",
        no_year="The related reports discuss this, but say nothing about {}.",
        no_name="None of the passages found mentions “{}”.",
        value_kinds={"figure": "figure", "money": "amount of money", "percent": "share or percentage",
                     "day": "exact date", "year": "year"},
        joiner=", ",
    ),
}


def labels_for(language: Language) -> Labels:
    return LABELS[language]
