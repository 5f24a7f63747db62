"""The one typed settings object.

Precedence, highest first: explicit overrides (CLI flags), ``REPORTQA_*`` environment
variables (nested with ``__``, e.g. ``REPORTQA_RETRIEVAL__TOP_K=8``), ``reportqa.toml``
in the working directory (or the file named by ``REPORTQA_CONFIG``), then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from index.embeddings.query_batcher_config import QueryBatcherConfig
from index.store_config import StoreConfig

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reportqa"


EMBEDDER_BACKENDS = ("torch", "onnx", "openvino")
OPENAI_EMBEDDER_PREFIX = "openai:"


class ModelSettings(BaseModel):
    """Where model weights live and which ones to use (names from the registry).

    ``embedder`` is a registry name, or ``openai:<model>`` for an OpenAI-compatible
    ``/v1/embeddings`` endpoint at ``embedder_base_url`` (e.g. EmbeddingGemma on a GPU box).
    """

    cache_dir: Path = Field(default_factory=_default_cache_dir)
    embedder: str = "embeddinggemma-300m"
    # How a registry embedder runs: "torch" (fp32 weights as published), or the int8 export made
    # by `reportqa models export`, run by ONNX Runtime ("onnx") or OpenVINO ("openvino").
    # See benchmarks/README.md, "Embedder backends", for the measurements behind the default.
    embedder_backend: Literal["torch", "onnx", "openvino"] = "torch"
    # Which export the onnx/openvino backends run: a recipe of reportqa.models_export.RECIPES.
    # "fp32" (no quantisation): cosine 1.0000 against torch on 200 real chunks and 221 questions, 1.05x
    # (onnx) / 1.22x (openvino) torch's speed. The int8 "quint8-nodown" (0.9941 on a first 80, 1.55x)
    # awaits its recall figures (benchmarks/README.md, "Third session").
    embedder_quantization: str = "fp32"
    # Texts per forward pass (texts are sorted by length first, so batches pad little).
    embedder_batch_size: int = Field(16, ge=1, le=1024)
    embedder_base_url: str | None = None
    embedder_api_key: str | None = None
    embedder_concurrency: int = Field(4, ge=1, le=64, description="requests in flight to the endpoint")
    embedder_max_retries: int = Field(3, ge=0, le=20)
    # An OpenAI-compatible server embeds what it is sent: the retrieval prompts are added here
    # (EmbeddingGemma's, from its config_sentence_transformers.json).
    embedder_query_prompt: str = "task: search result | query: "
    embedder_document_prompt: str = "title: none | text: "
    chat_model: str = "qwen2.5-coder-1.5b-instruct-q4"
    # The local back-end's English translations, one per unit ("" = chat_model). A translation
    # that states a figure its unit lacks, or keeps Chinese, is made again by chat_model. Off by
    # default: with qwen2.5-coder-0.5b-instruct-q4, dev en (local, same load) total p50 27.7 ->
    # 20.8 s, key facts 0.782 -> 0.761, but it mistranslates names and claims ("Alpine countries"
    # for 沿线国家) where no number check can see it.
    translation_model: str = ""
    threads: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1)

    def in_use(self) -> list[str]:
        """The models this configuration runs on this machine (an endpoint embedder runs elsewhere)."""
        names = [] if self.embedder_is_endpoint else [self.embedder]
        return list(dict.fromkeys([*names, self.chat_model, *([self.translation_model] if self.translation_model else [])]))

    @model_validator(mode="after")
    def _known_quantization(self) -> ModelSettings:
        from reportqa.models_export import RECIPES

        if self.embedder_quantization not in RECIPES:
            raise ValueError(f"models.embedder_quantization must be one of {', '.join(RECIPES)}, "
                             f"got {self.embedder_quantization!r}")
        return self

    @model_validator(mode="after")
    def _endpoint_embedder(self) -> ModelSettings:
        if self.embedder.startswith(OPENAI_EMBEDDER_PREFIX):
            if not self.embedder[len(OPENAI_EMBEDDER_PREFIX):].strip():
                raise ValueError("models.embedder 'openai:<model>' needs the model name after 'openai:'")
            if not self.embedder_base_url:
                raise ValueError(
                    "models.embedder = 'openai:<model>' needs models.embedder_base_url "
                    "(e.g. REPORTQA_MODELS__EMBEDDER_BASE_URL=http://gpu-box:7997/v1)"
                )
        return self

    @property
    def embedder_is_endpoint(self) -> bool:
        return self.embedder.startswith(OPENAI_EMBEDDER_PREFIX)


class IngestSettings(BaseModel):
    chunk_size: int = Field(350, ge=50, description="maximum characters per chunk")
    chunk_overlap: int = Field(80, ge=0, description="characters of trailing sentences repeated")
    max_file_mb: float = Field(50.0, gt=0)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> IngestSettings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})"
            )
        return self


class RetrievalSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=100)
    candidates: int = Field(30, ge=1, description="per-retriever candidates before fusion")
    rrf_k: int = Field(60, ge=1)
    bm25_weight_zh: float = Field(0.3, ge=0)
    bm25_weight_en: float = Field(0.0, ge=0)
    # Encode the questions of concurrent requests in one model call (see
    # benchmarks/load_benchmark.py for what it does under load).
    batch_queries: bool = True
    query_batcher: QueryBatcherConfig = Field(default_factory=QueryBatcherConfig)


STAGES = ("resolve", "retrieve", "select", "gate", "compose", "verify")


class AssistantSettings(BaseModel):
    """The back-end and overrides for the answer pipeline's stages: ``[assistant.select]``,
    ``[assistant.gate]``, ... (e.g. ``REPORTQA_ASSISTANT__SELECT__MAX_UNITS=4``). The defaults,
    and the measurements behind them, are declared once, in each stage's ``Config``
    (``assistant/stages/``); the factory checks the names when it builds the stages."""

    backend: Literal["local", "openai", "extractive"] = "local"
    language: Literal["auto", "zh", "en"] = "auto"
    context_window: int = Field(4096, ge=512)
    temperature: float = Field(0.0, ge=0, le=2)  # greedy: copy figures, do not sample them
    # While previews are being computed, the local model pauses between tokens, at most this many
    # seconds each time, so that the preview of someone who just asked is not slowed down by
    # another person's answer being written (see benchmarks/README.md "Load", local back-end).
    pause_model_for_previews: float = Field(2.0, ge=0, le=30)
    # How much lower the local model's threads run than the rest of the server (Linux nice), so
    # previews get the cores first also while the model reads a prompt (see benchmarks/README.md
    # "Load", local back-end). 0: the same priority.
    model_nice: int = Field(0, ge=0, le=19)
    max_answer_tokens: int = Field(448, ge=16)  # the openai back-end's cap; the composer sets its own per answer
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    openai_model: str | None = None
    resolve: dict[str, Any] = Field(default_factory=dict)
    retrieve: dict[str, Any] = Field(default_factory=dict)
    select: dict[str, Any] = Field(default_factory=dict)
    gate: dict[str, Any] = Field(default_factory=dict)
    compose: dict[str, Any] = Field(default_factory=dict)
    verify: dict[str, Any] = Field(default_factory=dict)


class UISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)
    username: str | None = None
    password: str | None = None
    max_upload_mb: float = Field(20.0, gt=0)
    # Files posted to the upload endpoint but never added are deleted after this long (an
    # upload is added within a minute or two of being posted).
    upload_cache_seconds: int = Field(3600, ge=60)
    # How often a running server looks at the index manifest for a build or update made by
    # another process (one stat() call).
    index_check_seconds: float = Field(2.0, ge=0)
    # Failed logins from one address allowed in a row; then it waits 1, 2, 4 ... s (at most
    # login_max_lockout) before each further try.
    login_free_failures: int = Field(3, ge=1)
    login_max_lockout: float = Field(60.0, gt=0)
    concurrency: int = Field(1, ge=1)
    # Questions retrieved and previewed at once (see benchmarks/load_benchmark.py).
    preview_concurrency: int = Field(4, ge=1)


class Settings(BaseSettings):
    """All of reportqa's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="REPORTQA_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=os.environ.get("REPORTQA_CONFIG", "reportqa.toml"),
    )

    data_dir: Path = Path("var")
    library_dir: Path = REPO_ROOT / "data" / "reports"
    models: ModelSettings = Field(default_factory=ModelSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    index: StoreConfig = Field(default_factory=StoreConfig)
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    ui: UISettings = Field(default_factory=UISettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    # Derived locations inside the data directory.
    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def embedding_cache_path(self) -> Path:
        return self.data_dir / "embedding_cache.sqlite"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.sqlite"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Settings from file and environment, with ``overrides`` (dotted keys allowed) on top."""
    nested: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        target = nested
        *parents, leaf = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    if not nested:
        return Settings()
    # Merge with lower-priority sources per section, so one CLI flag does not reset its section.
    base = Settings().model_dump()
    for section, values in nested.items():
        if isinstance(values, dict) and isinstance(base.get(section), dict):
            base[section].update(values)
        else:
            base[section] = values
    return Settings.model_validate(base)
