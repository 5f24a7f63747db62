"""The Gradio app: chat, library and settings tabs wired to the handlers.

``build_app`` takes its collaborators ready-made (the ``ui`` package never reads settings);
``launch_app`` starts the server with the app's look and limits.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from ui.answer_markup import escape
from ui.chat_handlers import AssistantFactory, ChatHandlers
from ui.conversation import Conversation
from ui.feedback_store import FeedbackStore
from ui.labels import UILabels, labels_for, language_from_accept
from ui.library_handlers import LibraryHandlers
from ui.library_manager import LibraryManager
from ui.login_throttle import LoginThrottle
from ui.passage_lookup import PassageLookup
from ui.phone_layout import CHAT_SCROLL_JS, PHONE_CSS

BACKENDS = ("local", "openai", "extractive")

DEFAULT_EXAMPLES = (
    "新冠疫情对全球数字经济发展带来了哪些影响？",
    "“一带一路”数字经济合作面临哪些挑战？",
    "What challenges does Belt and Road digital economy cooperation face?",
    "What do the reports recommend for global digital governance?",
)

# Title, file, chunks, indexed at: shares of the table's width. Left to itself the table sizes
# columns to their unwrapped contents, overflows, and squeezes the short headers onto two lines.
DOCUMENT_COLUMN_WIDTHS = ("39%", "30%", "11%", "20%")

FONT_STACK = (
    "system-ui", "-apple-system", "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
    "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif",
)

# Clicks inside the chat: a citation asks the server for its passage; "copy" copies the
# answer with its references (Clipboard API on secure origins, a hidden textarea otherwise).
CHAT_JS = """
element.addEventListener('click', (event) => {
  const cite = event.target.closest('.rq-cite');
  if (cite) {
    trigger('cite', {turn: Number(cite.dataset.turn), n: Number(cite.dataset.n)});
    return;
  }
  const copy = event.target.closest('.rq-copy');
  if (!copy) return;
  const text = copy.parentElement.querySelector('.rq-copy-text').value;
  const done = () => {
    const label = copy.textContent;
    copy.textContent = copy.dataset.done;
    setTimeout(() => { copy.textContent = label; }, 1500);
  };
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try { document.execCommand('copy'); done(); } finally { area.remove(); }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
});
"""

# Keep each highlighted span in view inside its (scrolling) context box, whenever the panel
# changes or a passage is opened.
SOURCES_JS = """
const center = () => element.querySelectorAll('.rq-src[open] .rq-context').forEach((box) => {
  const mark = box.querySelector('mark');
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
});
watch('value', center);
element.addEventListener('toggle', center, true);
center();
"""

SCROLL_TO_ACTIVE_SOURCE_JS = """
() => {
  const active = document.querySelector('#rq-sources .rq-src.active');
  if (active) active.scrollIntoView({block: 'nearest', behavior: 'smooth'});
}
"""

CSS = """
.gradio-container { max-width: 1400px !important; }
#rq-header { align-items: center; }
.rq-title h1 { font-size: 1.45rem; margin: 0; }
.rq-title p { margin: 2px 0 0; color: var(--body-text-color-subdued); font-size: .9rem; }
#rq-lang { max-width: 300px; }
#rq-chat { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  padding: 12px; background: var(--background-fill-secondary); min-height: 420px; }
.rq-chat { display: flex; flex-direction: column; gap: 16px; }
.rq-chat.rq-empty, .rq-sources.rq-empty { color: var(--body-text-color-subdued); padding: 32px 12px;
  text-align: center; }
.rq-q { display: flex; justify-content: flex-end; }
.rq-bubble { background: var(--color-accent-soft); border-radius: 14px 14px 3px 14px; padding: 8px 12px;
  max-width: 85%; white-space: pre-wrap; overflow-wrap: anywhere; }
.rq-a { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-radius: 3px 14px 14px 14px; padding: 10px 14px; max-width: 96%; }
.rq-a.rq-error { border-color: #f87171; color: #b91c1c; }
.rq-a.rq-refused { border-style: dashed; }
.rq-text { white-space: pre-wrap; line-height: 1.7; overflow-wrap: anywhere; }
.rq-preview .rq-text { color: var(--body-text-color-subdued); }
.rq-cite { display: inline-block; border: none; background: var(--color-accent-soft);
  color: var(--color-accent); font-size: .75em; font-weight: 600; line-height: 1.2; padding: 0 4px;
  margin: 0 1px; border-radius: 4px; cursor: pointer; vertical-align: super; }
.rq-cite:hover, .rq-cite:focus-visible { background: var(--color-accent); color: #fff; }
.rq-badge { display: inline-block; font-size: .75rem; padding: 1px 9px; border-radius: 999px;
  background: #fef3c7; color: #92400e; margin-bottom: 6px; }
.rq-badge-refused { background: #fee2e2; color: #991b1b; }
.rq-draft { white-space: pre-wrap; border-left: 3px solid var(--color-accent); padding-left: 10px;
  margin-top: 8px; line-height: 1.7; }
.rq-status { display: flex; align-items: center; gap: 8px; color: var(--body-text-color-subdued);
  font-size: .88rem; margin-top: 6px; }
.rq-spinner { width: 12px; height: 12px; border: 2px solid currentColor; border-right-color: transparent;
  border-radius: 50%; animation: rq-spin .8s linear infinite; }
@keyframes rq-spin { to { transform: rotate(360deg); } }
.rq-partial summary { cursor: pointer; font-size: .85rem; color: var(--body-text-color-subdued); }
.rq-foot { display: flex; justify-content: space-between; align-items: center; gap: 8px; margin-top: 10px;
  font-size: .78rem; color: var(--body-text-color-subdued); }
.rq-copy { border: 1px solid var(--border-color-primary); background: transparent; color: inherit;
  border-radius: 6px; padding: 1px 10px; cursor: pointer; font-size: .78rem; white-space: nowrap; flex-shrink: 0; }
.rq-copy:hover { border-color: var(--color-accent); color: var(--color-accent); }
.rq-note { font-size: .82rem; color: var(--body-text-color-subdued); margin: 6px 0 2px; }
.rq-note ul { margin: 2px 0 0 18px; padding: 0; }
#rq-sources { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  padding: 12px; background: var(--background-fill-primary); }
.rq-sources h4 { margin: 0 0 4px; font-size: 1rem; }
.rq-sources-q { font-size: .82rem; color: var(--body-text-color-subdued); margin-bottom: 10px; }
.rq-src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px;
  margin-bottom: 8px; }
.rq-src.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.rq-src.rq-unsupported { border-style: dashed; }
.rq-src summary { cursor: pointer; font-size: .9rem; line-height: 1.5; }
.rq-src-n { color: var(--color-accent); font-weight: 700; }
.rq-src-title { font-weight: 600; }
.rq-src-meta { color: var(--body-text-color-subdued); margin-left: 8px; font-size: .82rem; }
.rq-context { position: relative; white-space: pre-wrap; font-size: .86rem; line-height: 1.65; margin-top: 6px;
  max-height: 280px; overflow-y: auto; overflow-wrap: anywhere; }
.rq-context mark { background: #fde68a; color: #111827; padding: 0 1px; border-radius: 2px; }
.rq-section-title { font-weight: 600; margin: 4px 0; }
/* The library table: the UI font rather than Gradio's monospace (titles are prose), headers on one line. */
#rq-documents { --font-mono: var(--font); }
#rq-documents .header-cell .header { white-space: nowrap; text-overflow: ellipsis; overflow: hidden; }
.rq-status-table { border-collapse: collapse; font-size: .88rem; }
.rq-status-table th { text-align: left; font-weight: 500; padding: 3px 14px 3px 0;
  color: var(--body-text-color-subdued); }
.rq-status-table td { padding: 3px 0; }
.rq-messages { list-style: none; padding: 0; margin: 4px 0; }
.rq-msg-ok { color: #15803d; }
.rq-msg-error { color: #b91c1c; }
.rq-confirm { font-weight: 600; color: #b91c1c; }
.rq-hint { font-size: .82rem; color: var(--body-text-color-subdued); }
.rq-wait { font-size: .8rem; color: var(--body-text-color-subdued); margin: 2px 0 0 20px; }
#rq-feedback button.rq-rated { box-shadow: 0 0 0 2px var(--color-accent); font-weight: 700; }
#rq-examples { flex-wrap: wrap; gap: 8px; }
#rq-examples button { flex: 0 1 auto !important; min-width: 0 !important; width: auto !important;
  font-size: .82rem; }
"""


def header_html(labels: UILabels) -> str:
    return (
        f'<div class="rq-title"><h1>{escape(labels.app_title)}</h1>'
        f"<p>{escape(labels.app_subtitle)}</p></div>"
    )


def _section(text: str) -> str:
    return f'<div class="rq-section-title">{escape(text)}</div>'


def build_app(
    *,
    assistant_factory: AssistantFactory,
    library: LibraryManager,
    feedback_store: FeedbackStore,
    backends: Sequence[str] = BACKENDS,
    default_backend: str = "local",
    default_passages: int = 4,
    max_passages: int = 20,
    examples: Sequence[str] = DEFAULT_EXAMPLES,
    concurrency: int = 1,
    preview_concurrency: int = 4,
    stream_interval: float = 0.1,
    context_chars: int = 300,
    model_speed: Any = None,
    upload_cache: str | Path | None = None,
    upload_max_age: int | None = None,
) -> gr.Blocks:
    """The whole interface.

    Args:
        assistant_factory: ``(backend, passages) -> assistant`` (``stream(question, history)``).
        library: the library manager (documents, texts, uploads, removal).
        feedback_store: where ratings go.
        backends: the back-ends offered in the settings tab; ``default_backend`` is preselected.
        default_passages, max_passages: the passages-per-answer slider.
        examples: example questions (give some in each language).
        concurrency: how many model answers run at once.
        preview_concurrency: how many questions are retrieved and previewed at once (at least
            ``concurrency``); their query embeddings are encoded together.
        stream_interval: seconds between screen updates while tokens stream in.
        context_chars: characters of context shown around a cited span.
        model_speed: the local model's measured speed (``ui.model_speed.ModelSpeed``), for the
            expected wait shown while it answers; ``None`` shows only the queue position.
        upload_cache: the folder Gradio keeps posted files in (e.g. inside the data directory);
            files are deleted from it once added or rejected. None: Gradio's temporary folder.
        upload_max_age: seconds after which posted files never added are deleted (None: kept).
    """
    backends = tuple(backends)
    if not backends or any(b not in BACKENDS for b in backends):
        raise ValueError(f"backends must be a non-empty subset of {BACKENDS}, got {backends!r}")
    if default_backend not in backends:
        raise ValueError(f"default_backend {default_backend!r} is not among the backends {backends!r}")
    if not 1 <= default_passages <= max_passages:
        raise ValueError(f"default_passages must be between 1 and max_passages ({max_passages}), got {default_passages}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")

    lookup = PassageLookup(library, context_chars=context_chars)  # cached per library version
    chat = ChatHandlers(
        assistant_factory=assistant_factory,
        lookup=lookup,
        feedback_store=feedback_store,
        manifest_hash=lambda: str(library.status().get("manifest_sha256") or ""),
        stream_interval=stream_interval,
        model_speed=model_speed,
        model_slots=concurrency,
    )
    if upload_cache is not None:  # read by Gradio when components and the server are created
        Path(upload_cache).mkdir(parents=True, exist_ok=True)
        os.environ["GRADIO_TEMP_DIR"] = str(Path(upload_cache).resolve())
    lib = LibraryHandlers(manager=library, upload_cache=upload_cache)
    policy = library.policy
    first = labels_for("zh")
    translated: list[tuple[Any, Callable[[UILabels], Any]]] = []

    def tr(component: Any, update: Callable[[UILabels], dict[str, Any]]) -> Any:
        translated.append((component, lambda labels: gr.update(**update(labels))))
        return component

    delete_cache = (upload_max_age, upload_max_age) if upload_max_age else None
    with gr.Blocks(title="reportqa", analytics_enabled=False, delete_cache=delete_cache) as app:
        conversation = gr.State(Conversation())
        with gr.Row(elem_id="rq-header", equal_height=True):
            header = tr(gr.HTML(header_html(first), apply_default_css=False, js_on_load=None),
                        lambda lb: {"value": header_html(lb)})
            lang = tr(gr.Radio([("中文", "zh"), ("English", "en")], value="zh", label=first.language_switch,
                               elem_id="rq-lang", scale=0, min_width=260),
                      lambda lb: {"label": lb.language_switch})
        with gr.Tabs():
            with tr(gr.Tab(first.tab_chat, id="chat"), lambda lb: {"label": lb.tab_chat}):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        chat_view = gr.HTML(
                            chat.view(None, "zh").chat, elem_id="rq-chat", js_on_load=CHAT_JS + CHAT_SCROLL_JS,
                            apply_default_css=False, autoscroll=False, max_height=640,
                        )
                        question = tr(
                            gr.Textbox(label=first.question, placeholder=first.question_placeholder, lines=1,
                                       max_lines=8, elem_id="rq-question", show_label=False),
                            lambda lb: {"label": lb.question, "placeholder": lb.question_placeholder},
                        )
                        with gr.Row():
                            send = tr(gr.Button(first.send, variant="primary", elem_id="rq-send"),
                                      lambda lb: {"value": lb.send})
                            stop = tr(gr.Button(first.stop, variant="stop", elem_id="rq-stop"),
                                      lambda lb: {"value": lb.stop})
                            new = tr(gr.Button(first.new_chat, elem_id="rq-new"), lambda lb: {"value": lb.new_chat})
                        tr(gr.HTML(_section(first.examples), apply_default_css=False, js_on_load=None),
                           lambda lb: {"value": _section(lb.examples)})
                        with gr.Row(elem_id="rq-examples"):
                            example_buttons = [
                                (gr.Button(text, size="sm", variant="secondary"), text) for text in examples
                            ]
                        with tr(gr.Accordion(first.copy_box, open=False), lambda lb: {"label": lb.copy_box}):
                            copy_box = gr.Textbox(show_label=False, lines=6, max_lines=20, interactive=False,
                                                  buttons=["copy"], elem_id="rq-copy-box")
                    with gr.Column(scale=2, min_width=320):
                        sources = gr.HTML(chat.view(None, "zh").sources, elem_id="rq-sources", js_on_load=SOURCES_JS,
                                          apply_default_css=False, max_height=560)
                        with gr.Column(variant="panel", elem_id="rq-feedback"):
                            tr(gr.HTML(_section(first.feedback_title), apply_default_css=False, js_on_load=None),
                               lambda lb: {"value": _section(lb.feedback_title)})
                            comment = tr(
                                gr.Textbox(label=first.feedback_comment, placeholder=first.feedback_comment_placeholder,
                                           lines=2, elem_id="rq-comment"),
                                lambda lb: {"label": lb.feedback_comment, "placeholder": lb.feedback_comment_placeholder},
                            )
                            with gr.Row():
                                thumbs_up = tr(gr.Button(first.thumbs_up, size="sm", elem_id="rq-up"),
                                               lambda lb: {"value": lb.thumbs_up})
                                thumbs_down = tr(gr.Button(first.thumbs_down, size="sm", elem_id="rq-down"),
                                                 lambda lb: {"value": lb.thumbs_down})
                            feedback_message = gr.HTML("", apply_default_css=False, js_on_load=None,
                                                       elem_id="rq-feedback-message")

            with tr(gr.Tab(first.tab_library, id="library"), lambda lb: {"label": lb.tab_library}) as library_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        tr(gr.HTML(_section(first.documents), apply_default_css=False, js_on_load=None),
                           lambda lb: {"value": _section(lb.documents)})
                        documents = gr.Dataframe(lib.documents_frame("zh"), interactive=False, wrap=True,
                                                 column_widths=list(DOCUMENT_COLUMN_WIDTHS),
                                                 elem_id="rq-documents", show_label=False)
                        tr(gr.HTML(_section(first.index_status), apply_default_css=False, js_on_load=None),
                           lambda lb: {"value": _section(lb.index_status)})
                        status = gr.HTML(lib.status_html("zh"), apply_default_css=False, js_on_load=None,
                                         elem_id="rq-index-status")
                    with gr.Column(scale=2):
                        def hint(lb: UILabels) -> str:
                            text = lb.upload_hint.format(types=", ".join(policy.suffixes), max_mb=policy.max_mb)
                            return f'<div class="rq-hint">{escape(text)}</div>'

                        upload = tr(gr.File(label=first.upload, file_count="multiple", type="filepath",
                                            file_types=list(policy.suffixes), elem_id="rq-upload"),
                                    lambda lb: {"label": lb.upload})
                        tr(gr.HTML(hint(first), apply_default_css=False, js_on_load=None),
                           lambda lb: {"value": hint(lb)})
                        add = tr(gr.Button(first.add_to_library, variant="primary", elem_id="rq-add"),
                                 lambda lb: {"value": lb.add_to_library})
                        library_message = gr.HTML("", apply_default_css=False, js_on_load=None,
                                                  elem_id="rq-library-message")
                        remove_choice = tr(gr.Dropdown(lib.choices(), value=None, label=first.remove_document,
                                                       elem_id="rq-remove-choice"),
                                           lambda lb: {"label": lb.remove_document})
                        remove = tr(gr.Button(first.remove, variant="stop", elem_id="rq-remove"),
                                    lambda lb: {"value": lb.remove})
                        with gr.Group(visible=False) as confirm_group:
                            confirm_message = gr.HTML("", apply_default_css=False, js_on_load=None, padding=True)
                            with gr.Row():
                                confirm = tr(gr.Button(first.confirm, variant="stop", elem_id="rq-confirm"),
                                             lambda lb: {"value": lb.confirm})
                                cancel = tr(gr.Button(first.cancel, elem_id="rq-cancel"),
                                            lambda lb: {"value": lb.cancel})

            with tr(gr.Tab(first.tab_settings, id="settings"), lambda lb: {"label": lb.tab_settings}):
                backend = tr(
                    gr.Radio([(first.backend_names[b], b) for b in backends], value=default_backend,
                             label=first.backend, elem_id="rq-backend"),
                    lambda lb: {"label": lb.backend, "choices": [(lb.backend_names[b], b) for b in backends]},
                )
                passages = tr(gr.Slider(1, max_passages, value=default_passages, step=1, label=first.passages,
                                        elem_id="rq-passages"),
                              lambda lb: {"label": lb.passages})
                tr(gr.HTML(f'<div class="rq-hint">{escape(first.settings_note)}</div>', apply_default_css=False,
                           js_on_load=None),
                   lambda lb: {"value": f'<div class="rq-hint">{escape(lb.settings_note)}</div>'})

        # ----- chat events -----------------------------------------------------------------
        chat_outputs = [conversation, chat_view, sources, copy_box]

        def thumb_states(conv: Conversation) -> list[Any]:
            """The thumb of the latest answer's rating is shown selected, the other one not."""
            rating, _ = chat.feedback_state(conv)
            return [gr.update(variant="primary" if rating == r else "secondary",
                              elem_classes=["rq-rated"] if rating == r else []) for r in ("up", "down")]

        def feedback_view(conv: Conversation) -> list[Any]:
            """After a new answer (or a new chat) the panel rates that one: its state, no old message."""
            return [*thumb_states(conv), ""]

        feedback_outputs = [thumbs_up, thumbs_down, feedback_message]
        asking: list[Any] = []

        def ask_after(trigger: Callable[..., Any]) -> None:
            first_step = trigger(
                chat.start, [question, conversation, backend, passages, lang], [*chat_outputs, question],
                concurrency_id="preview", concurrency_limit=max(preview_concurrency, concurrency), show_progress="hidden",
            )
            second_step = first_step.then(
                chat.generate, [conversation, lang], chat_outputs,
                concurrency_id="generate", concurrency_limit=concurrency, show_progress="hidden",
            )
            asking.extend([first_step, second_step])
            second_step.then(feedback_view, conversation, feedback_outputs, queue=False, show_progress="hidden")

        ask_after(question.submit)
        ask_after(send.click)
        for button, text in example_buttons:
            ask_after(button.click(lambda text=text: text, None, question, queue=False).then)

        for control, action in ((stop, chat.stop), (new, chat.new_chat)):
            control.click(action, [conversation, lang], chat_outputs, cancels=asking, concurrency_limit=None).then(
                feedback_view, conversation, feedback_outputs, queue=False, show_progress="hidden")

        def on_cite(conv: Conversation, language: str, event: gr.EventData):
            data = getattr(event, "_data", None) or {}
            update = chat.select_citation(conv, int(data.get("turn", -1)), int(data.get("n", 0)), language)
            return update.conversation, update.sources, update.copy_text

        chat_view.cite(on_cite, [conversation, lang], [conversation, sources, copy_box], concurrency_limit=None,
                       show_progress="hidden").then(None, js=SCROLL_TO_ACTIVE_SOURCE_JS)

        def rate(rating: str) -> Callable[[Conversation, str, str], list[Any]]:
            def handler(conv: Conversation, text: str, language: str) -> list[Any]:
                message = chat.rate(conv, rating, text, language)
                # The stored comment is named in the message, so the box is free for the next one.
                return [f'<div class="rq-hint">{escape(message)}</div>', "", *thumb_states(conv)]
            return handler

        rating_outputs = [feedback_message, comment, thumbs_up, thumbs_down]
        thumbs_up.click(rate("up"), [conversation, comment, lang], rating_outputs, concurrency_limit=None)
        thumbs_down.click(rate("down"), [conversation, comment, lang], rating_outputs, concurrency_limit=None)

        # ----- library events ----------------------------------------------------------------
        library_outputs = [library_message, documents, status, remove_choice]

        def library_update(view: Any) -> list[Any]:
            return [view.message, view.documents, view.status, gr.update(choices=view.choices, value=None)]

        # One progress indicator, on the message box, in the interface language (the index's own
        # tqdm bars are English and would be copied onto every output).
        def add_uploads(files: Any, language: str, progress: gr.Progress = gr.Progress()):
            return [*library_update(lib.add(files, language, progress)), None]

        def refresh_library(language: str):  # another window may have changed the library meanwhile
            view = lib.view(language)
            return library_update(view)[1:]

        library_tab.select(refresh_library, [lang], library_outputs[1:], concurrency_limit=None,
                           show_progress="hidden")
        add.click(add_uploads, [upload, lang], [*library_outputs, upload],
                  concurrency_id="library", concurrency_limit=1, show_progress_on=[library_message])

        def ask_remove(doc_id: str | None, language: str):
            show, message = lib.ask_remove(doc_id, language)
            return gr.update(visible=show), message, ("" if show else message)

        remove.click(ask_remove, [remove_choice, lang], [confirm_group, confirm_message, library_message],
                     concurrency_limit=None)

        def confirm_remove(doc_id: str | None, language: str):
            return [*library_update(lib.remove(doc_id, language)), gr.update(visible=False)]

        confirm.click(confirm_remove, [remove_choice, lang], [*library_outputs, confirm_group],
                      concurrency_id="library", concurrency_limit=1)
        cancel.click(lambda: gr.update(visible=False), None, confirm_group, queue=False)

        # ----- language ---------------------------------------------------------------------
        translated_components = [component for component, _ in translated]

        def relabel(language: str, conv: Conversation) -> list[Any]:
            labels = labels_for(language)
            view = chat.view(conv, language)
            return [
                *(update(labels) for _, update in translated),
                view.chat, view.sources, lib.documents_frame(language), lib.status_html(language),
            ]

        relabel_outputs = [*translated_components, chat_view, sources, documents, status]
        lang.input(relabel, [lang, conversation], relabel_outputs, concurrency_limit=None, show_progress="hidden")

        def on_load(conv: Conversation, request: gr.Request):
            headers = getattr(request, "headers", None) or {}
            language = language_from_accept(headers.get("accept-language"))
            updates = relabel(language, conv)
            updates[translated_components.index(lang)] = gr.update(value=language, label=labels_for(language).language_switch)
            return updates

        app.load(on_load, [conversation], relabel_outputs, concurrency_limit=None, show_progress="hidden")

    app.queue(default_concurrency_limit=concurrency)
    return app


def launch_app(
    app: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    max_upload_mb: float = 20.0,
    login_free_failures: int = 3,
    login_max_lockout: float = 60.0,
    quiet: bool = True,
) -> str:
    """Start serving ``app`` in the background and return its local URL; call
    ``app.block_thread()`` to wait, ``app.close()`` to stop. With ``auth``, repeated failed logins
    from one address are slowed down (see :class:`~ui.login_throttle.LoginThrottle`)."""
    throttle = Middleware(LoginThrottle, free_failures=login_free_failures, max_lockout=login_max_lockout)
    _, url, _ = app.launch(
        app_kwargs={"middleware": [throttle]} if auth else None,
        server_name=host,
        server_port=port,
        auth=auth,
        # Gradio refuses bigger files before storing them (the upload hint states the limit).
        max_file_size=int(max_upload_mb * 2**20),
        prevent_thread_lock=True,
        show_error=True,
        quiet=quiet,
        ssr_mode=False,
        footer_links=[],
        theme=gr.themes.Soft(font=FONT_STACK),
        css=CSS + PHONE_CSS,
        # Gradio's check that its page answers (5 HEAD requests, 3 s each, given up at the first
        # refused connection) failed on a machine at load average 14-16 while the server thread
        # was still starting, and it then refuses to start at all ("a shareable link must be
        # created"). The check is the only thing ``_frontend`` does (gradio 6 blocks.py); the
        # server is local by design and serve prints its URL once it is up.
        _frontend=False,
    )
    return url
