"""Question -> cited Answer, in the question's language, over any LangChain chat model."""

from assistant.answer import Answer, Citation
from assistant.answerability import AnswerabilityCheck
from assistant.assistant import Assistant
from assistant.citations import CitationChecker, parse_citations
from assistant.context_budget import ContextBudget
from assistant.language_repair import LanguageRepair
from assistant.refusal import RefusalPolicy
from assistant.rewrite import ChatModelRewriter, RuleBasedRewriter

__all__ = [
    "Answer",
    "AnswerabilityCheck",
    "Assistant",
    "ChatModelRewriter",
    "Citation",
    "CitationChecker",
    "ContextBudget",
    "LanguageRepair",
    "RefusalPolicy",
    "RuleBasedRewriter",
    "parse_citations",
]
