"""``reportqa serve``: the web interface (chat, library, feedback) on this machine."""

from __future__ import annotations

import argparse
import logging
import threading
from dataclasses import dataclass
from typing import Any

from reportqa.errors import CommandError
from reportqa.settings import Settings

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="start the web interface",
        description="Serve the chat and library interface. Binds to 127.0.0.1 unless --host says otherwise; "
        "set ui.username and ui.password (e.g. REPORTQA_UI__USERNAME / REPORTQA_UI__PASSWORD) to require a login. "
        "Builds the index first if there is none.",
    )  # fmt: skip
    parser.add_argument("--host", dest="ui.host", metavar="HOST",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", dest="ui.port", type=int, metavar="PORT", help="port (default 7860)")
    parser.set_defaults(func=run)


def _auth(settings: Settings) -> tuple[str, str] | None:
    username, password = settings.ui.username, settings.ui.password
    if bool(username) != bool(password):
        raise CommandError("set both ui.username and ui.password to require a login, or neither")
    return (username, password) if username and password else None


def _open_or_build(settings: Settings, cache: Any):
    """The process's library, its index built first (with progress bars) when there is none yet."""
    from index.errors import IndexNotFoundError, LibraryIndexError
    from reportqa.factory import open_library

    library = open_library(settings)
    try:
        library.current()
        return library
    except IndexNotFoundError:
        pass
    except LibraryIndexError as exc:  # built with other settings, damaged: say what to run
        raise CommandError(str(exc)) from exc
    if not settings.library_dir.is_dir():
        raise CommandError(f"no index yet, and the library folder {settings.library_dir} does not exist")
    print(f"No index at {settings.index_dir} yet: building it from {', '.join(map(str, library.sources))} "
          f"(first start only; this embeds every report and takes a few minutes) …", flush=True)
    result = library.build(cache=cache, progress=True)
    for error in result.errors:
        print(f"reportqa: skipped {error}", flush=True)
    print(f"Index ready: {result.summary()}", flush=True)
    return library


class AssistantFactory:
    """``(backend, passages) -> Assistant`` for the UI: one assistant per pair over the library's
    current snapshot, keyed on its version, so that a question asked after any change (here or by
    another process) searches the new snapshot (the models themselves stay loaded by the factory
    functions)."""

    def __init__(self, settings: Settings, library: Any, *, model_speed: Any = None):
        self.settings = settings
        self.library = library  # anything with ``current() -> LibraryIndex`` (index.library.Library)
        self.model_speed = model_speed  # measures the local model's own timings (ui.model_speed)
        self._cache: dict[tuple[str, int], tuple[int, Any]] = {}  # -> (snapshot version, assistant over it)
        self._lock = threading.Lock()

    def __call__(self, backend: str, passages: int) -> Any:
        from reportqa.factory import make_assistant, make_retriever

        key = (backend, int(passages))
        index = self.library.current()  # a newer snapshot on disk is switched to here
        with self._lock:
            cached = self._cache.get(key)
            if cached is None or cached[0] != index.version:
                retrieve = {**self.settings.assistant.retrieve, "passages": int(passages)}
                options = self.settings.assistant.model_copy(update={"retrieve": retrieve})
                settings = self.settings.model_copy(update={"assistant": options})
                retriever = make_retriever(settings, index)
                assistant = make_assistant(settings, backend, retriever=retriever)
                if backend == "local" and self.model_speed is not None:
                    model = assistant.chat_model
                    if self.model_speed not in (model.callbacks or []):
                        model.callbacks = [*(model.callbacks or []), self.model_speed]
                cached = self._cache[key] = (index.version, assistant)
            return cached[1]


def _default_passages(settings: Settings) -> int:
    """Chunks searched per question: the retrieval stage's setting (its default lives in its Config)."""
    from assistant.stages import RetrievalStage
    from reportqa.factory import stage_config

    return stage_config(RetrievalStage, settings.assistant.retrieve).passages


def _offered_backends(settings: Settings) -> tuple[str, ...]:
    options = settings.assistant
    openai_ready = bool(options.openai_base_url and options.openai_model)
    return tuple(b for b in ("local", "openai", "extractive") if b != "openai" or openai_ready)


@dataclass
class ServedUI:
    """Everything ``reportqa serve`` puts together, before it starts listening."""

    app: Any  # gradio.Blocks
    library: Any  # ui.library_manager.LibraryManager
    backends: tuple[str, ...]
    default_backend: str
    cache: Any  # index.embedding_cache.EmbeddingCache, to close on exit

    def close(self) -> None:
        self.app.close()
        self.cache.close()


# Chinese, so that the Chinese segmenter is loaded too.
_WARM_UP_QUESTION = "数字经济合作的主要内容是什么？"


def _warm_up(assistant) -> None:
    """One preview before the server listens: the embedder, the segmenter and the search
    structures load now, not during the first person's question."""
    try:
        assistant.preview(_WARM_UP_QUESTION)
    except Exception as exc:  # never fatal: the first question then pays for the loading
        logger.warning("warm-up question failed: %s", exc)


def build_ui(settings: Settings, *, preload: bool = True) -> ServedUI:
    """The app over the index in ``settings.data_dir`` (built first if missing), with uploads going
    to ``settings.uploads_dir`` and ratings to ``settings.feedback_path``. ``preload`` loads the
    default back-end's model and asks one warm-up question now rather than on the first question."""
    from index.embedding_cache import EmbeddingCache
    from ui.app import build_app
    from ui.feedback_store import FeedbackStore
    from ui.library_manager import LibraryManager
    from ui.model_speed import ModelSpeed
    from ui.upload_policy import UploadPolicy

    cache = EmbeddingCache(settings.embedding_cache_path)
    shared = _open_or_build(settings, cache)
    library = LibraryManager(
        library=shared,
        work_dir=settings.data_dir / "ui",
        policy=UploadPolicy(max_bytes=int(settings.ui.max_upload_mb * 2**20)),
        cache=cache,
    )
    model_speed = ModelSpeed(record_path=settings.data_dir / "ui" / "model_speed.json")
    assistants = AssistantFactory(settings, shared, model_speed=model_speed)
    backends = _offered_backends(settings)
    default_backend = settings.assistant.backend if settings.assistant.backend in backends else "extractive"
    if preload:
        try:
            assistant = assistants(default_backend, _default_passages(settings))
            for model in assistant.chat_models:
                load = getattr(model, "load", None)
                if callable(load):
                    load()
        except Exception as exc:  # e.g. the local model is not pulled: still serve, answer extractively
            logger.warning("back-end %s unavailable: %s", default_backend, exc)
            print(f"reportqa: the {default_backend} back-end is unavailable ({exc}); answering extractively",
                  flush=True)
            backends = tuple(b for b in backends if b != default_backend)
            default_backend = "extractive"
        _warm_up(assistants(default_backend, _default_passages(settings)))
    app = build_app(
        assistant_factory=assistants,
        library=library,
        feedback_store=FeedbackStore(settings.feedback_path),
        backends=backends,
        default_backend=default_backend,
        default_passages=_default_passages(settings),
        concurrency=settings.ui.concurrency,
        model_speed=model_speed,
        preview_concurrency=settings.ui.preview_concurrency,
        upload_cache=settings.data_dir / "gradio-uploads",  # not in uploads_dir: that one is indexed
        upload_max_age=settings.ui.upload_cache_seconds,
    )
    return ServedUI(app, library, backends, default_backend, cache)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import launch_app

    auth = _auth(settings)
    served = build_ui(settings)
    try:
        url = launch_app(served.app, host=settings.ui.host, port=settings.ui.port, auth=auth,
                         max_upload_mb=settings.ui.max_upload_mb, login_free_failures=settings.ui.login_free_failures,
                         login_max_lockout=settings.ui.login_max_lockout)
    except OSError as exc:
        served.cache.close()
        raise CommandError(f"cannot listen on {settings.ui.host}:{settings.ui.port}: {exc}") from exc
    login = " (login required)" if auth else ""
    print(f"reportqa: serving {len(served.library.documents())} reports at {url}{login}; press Ctrl-C to stop",
          flush=True)
    try:
        served.app.block_thread()
    finally:
        served.close()
    return 0
