"""Generative back-ends; all are LangChain ``BaseChatModel``s (the OpenAI one is ``ChatOpenAI`` itself).
The extractive back-end needs no chat model: its claims are the evidence units."""

from assistant.chat_models.llamacpp_chat_model import LlamaCppChatModel, LlamaCppError

__all__ = ["LlamaCppChatModel", "LlamaCppError"]
