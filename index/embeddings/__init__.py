"""Embedders behind LangChain's ``Embeddings`` interface, with numpy encoders for the index."""

from index.embeddings.base import NATIVE_BACKENDS, VectorEmbeddings
from index.embeddings.exported_embeddings import ExportedEmbeddings
from index.embeddings.fingerprint import file_sha256
from index.embeddings.openai_endpoint_embeddings import OPENAI_PREFIX, OpenAIEndpointEmbeddings
from index.embeddings.sentence_transformer_embeddings import SentenceTransformerEmbeddings
from index.embeddings.use_embeddings import USEEmbeddings

__all__ = ["NATIVE_BACKENDS", "OPENAI_PREFIX", "ExportedEmbeddings", "OpenAIEndpointEmbeddings",
           "SentenceTransformerEmbeddings", "USEEmbeddings", "VectorEmbeddings", "file_sha256"]
