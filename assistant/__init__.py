"""Question -> claims bound to evidence spans, in the question's language, over any LangChain chat model."""

from assistant.answer import Answer, Citation, Claim, Evidence
from assistant.answer_pipeline import AnswerPipeline
from assistant.assistant import Assistant
from assistant.rewrite import ChatModelRewriter, RuleBasedRewriter

__all__ = [
    "Answer",
    "AnswerPipeline",
    "Assistant",
    "ChatModelRewriter",
    "Citation",
    "Claim",
    "Evidence",
    "RuleBasedRewriter",
]
