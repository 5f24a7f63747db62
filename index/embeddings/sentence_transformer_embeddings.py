"""Any local sentence-transformers model (EmbeddingGemma by default) as index embeddings."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.embeddings.base import VectorEmbeddings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class SentenceTransformerEmbeddings(VectorEmbeddings):
    """A sentence-transformers model folder, loaded once, lazily and thread-safely, on the CPU.

    Retrieval models such as EmbeddingGemma are trained with different prompts for questions
    and passages; ``query_prompt_name``/``document_prompt_name`` name them in the model's
    ``config_sentence_transformers.json`` (``None`` for models without prompts).
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        name: str,
        fingerprint: str,
        query_prompt_name: str | None = "query",
        document_prompt_name: str | None = "document",
        batch_size: int = 16,
        device: str = "cpu",
        threads: int | None = None,
        dimension: int | None = None,
    ):
        super().__init__(name=name, fingerprint=fingerprint)
        path = Path(model_path).expanduser()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ValueError(f"{path} is not a sentence-transformers model folder (no modules.json)")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        if dimension is not None and (not isinstance(dimension, int) or dimension < 1):
            raise ValueError(f"dimension must be a positive integer, got {dimension!r}")
        self.model_path = path
        self.query_prompt_name = query_prompt_name
        self.document_prompt_name = document_prompt_name
        self.batch_size = batch_size
        self.device = device
        self.threads = threads or os.cpu_count() or 1
        self._declared_dimension = dimension
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (loaded on first use)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    @property
    def dimension(self) -> int:
        if self._declared_dimension is not None:
            return self._declared_dimension
        return int(self.model.get_embedding_dimension())

    def _load(self) -> SentenceTransformer:
        import torch
        from sentence_transformers import SentenceTransformer

        # The default is often one thread per *physical* core or fewer; use every core we have.
        torch.set_num_threads(self.threads)
        model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
        for prompt_name in (self.query_prompt_name, self.document_prompt_name):
            if prompt_name is not None and prompt_name not in model.prompts:
                raise ValueError(
                    f"{self.model_path} has no prompt named {prompt_name!r} "
                    f"(known: {', '.join(sorted(model.prompts)) or 'none'})"
                )
        actual = model.get_embedding_dimension()
        if self._declared_dimension is not None and actual != self._declared_dimension:
            raise ValueError(
                f"{self.name} produces {actual}-dimensional vectors, not the declared {self._declared_dimension}"
            )
        return model

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        return self.model.encode(
            texts,
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )

    def _encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.document_prompt_name)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt_name)

    def config(self) -> dict[str, Any]:
        return {
            **super().config(),
            "query_prompt_name": self.query_prompt_name,
            "document_prompt_name": self.document_prompt_name,
        }
