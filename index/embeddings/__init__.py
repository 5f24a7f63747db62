"""Embedders behind LangChain's ``Embeddings`` interface, with numpy encoders for the index."""

from index.embeddings.base import VectorEmbeddings
from index.embeddings.fingerprint import file_sha256
from index.embeddings.sentence_transformer_embeddings import SentenceTransformerEmbeddings
from index.embeddings.use_embeddings import USEEmbeddings

__all__ = ["SentenceTransformerEmbeddings", "USEEmbeddings", "VectorEmbeddings", "file_sha256"]
