"""Chat back-ends; all are LangChain ``BaseChatModel``s (the OpenAI one is ``ChatOpenAI`` itself)."""

from assistant.chat_models.extractive_chat_model import ExtractiveChatModel
from assistant.chat_models.llamacpp_chat_model import LlamaCppChatModel, LlamaCppError

__all__ = ["ExtractiveChatModel", "LlamaCppChatModel", "LlamaCppError"]
