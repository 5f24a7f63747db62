"""What the chat tab's buttons do, as plain Python (Gradio only wires them to components).

A question runs in two steps so a slow model never hides the instant answer:
``start`` retrieves and shows the extractive preview (fast, high concurrency), then
``generate`` streams the model's tokens and swaps in the final answer (limited concurrency).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol

import gradio as gr

from assistant.answer import Answer
from ui.chat_view import chat_html
from ui.conversation import Conversation, Turn
from ui.feedback_store import FeedbackStore
from ui.labels import labels_for
from ui.passage_lookup import PassageLookup
from ui.sources_panel import references_text, sources_html

logger = logging.getLogger(__name__)


class StreamingAssistant(Protocol):
    def preview(self, question: str, history: Any = ()) -> Answer: ...

    def stream(self, question: str, history: Any = (), *, preview: Answer | None = None) -> Iterator[Answer | str]: ...


def preview_then_answer(assistant: StreamingAssistant, question: str, history: Any) -> Iterator[Answer | str]:
    """The instant extractive preview, then (for a generative back-end) the model's tokens and
    final answer, composed over the preview's evidence."""
    preview = assistant.preview(question, history)
    yield preview
    if not preview.final:
        yield from assistant.stream(question, history, preview=preview)


# (back-end name, number of passages) -> an assistant; the caller caches as it sees fit.
AssistantFactory = Callable[[str, int], StreamingAssistant]


def _close(stream: Iterator[Any]) -> None:
    """Close a back-end's stream so that it stops generating, unless another thread is inside it
    right now (a generator cannot be closed while it runs)."""
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            close()
        except ValueError:  # "generator already executing"
            pass


class ChatUpdate(NamedTuple):
    """The outputs every chat handler refreshes, in the order the app wires them."""

    conversation: Conversation
    chat: str
    sources: str
    copy_text: str


class ChatHandlers:
    """The chat tab's behaviour.

    Args:
        assistant_factory: ``(backend, passages) -> assistant`` with ``stream(question, history)``.
        lookup: reads cited spans from the library.
        feedback_store: where thumbs up/down go.
        manifest_hash: returns the current index's manifest hash (stored with each rating).
        stream_interval: at most one screen update per this many seconds while tokens arrive.
        model_speed: the local model's measured speed (``estimate()``, see ``ui.model_speed``),
            for the expected wait; ``None`` shows no estimate.
        model_slots: how many model answers run at once (the generate step's concurrency).
    """

    def __init__(
        self,
        *,
        assistant_factory: AssistantFactory,
        lookup: PassageLookup,
        feedback_store: FeedbackStore,
        manifest_hash: Callable[[], str] = lambda: "",
        stream_interval: float = 0.1,
        model_speed: Any = None,
        model_slots: int = 1,
    ):
        if not callable(assistant_factory):
            raise ValueError("assistant_factory must be callable: (backend, passages) -> assistant")
        if stream_interval < 0:
            raise ValueError(f"stream_interval must be >= 0, got {stream_interval}")
        self.assistant_factory = assistant_factory
        self.lookup = lookup
        self.feedback_store = feedback_store
        self.manifest_hash = manifest_hash
        self.stream_interval = stream_interval
        if model_slots < 1:
            raise ValueError(f"model_slots must be at least 1, got {model_slots}")
        self.model_speed = model_speed
        self.model_slots = model_slots
        self._claim_lock = threading.Lock()
        self._line: list[Turn] = []  # turns waiting for or being answered by a model, in order

    # ----- rendering -------------------------------------------------------------------
    def view(self, conversation: Conversation | None, lang: str) -> ChatUpdate:
        conversation = conversation if conversation is not None else Conversation()
        labels = labels_for(lang)
        focus = conversation.focus_index()
        answer = conversation.turns[focus].shown if focus is not None else None
        active = conversation.selected_citation if conversation.selected_turn == focus else None
        sources = sources_html(answer, turn=focus or 0, lookup=self.lookup, labels=labels, active=active)
        copy_text = (
            references_text(answer, lookup=self.lookup, labels=labels)
            if answer is not None and focus is not None and not conversation.turns[focus].pending
            else ""
        )
        return ChatUpdate(conversation, chat_html(conversation, lookup=self.lookup, labels=labels), sources, copy_text)

    # ----- asking ----------------------------------------------------------------------
    def start(
        self, question: str, conversation: Conversation | None, backend: str, passages: int, lang: str
    ) -> Iterator[tuple[Any, ...]]:
        """Show the question at once, then the preview (or, for the extractive back-end, the
        answer). Yields the ``ChatUpdate`` fields plus the new question-box text."""
        conversation = conversation if conversation is not None else Conversation()
        labels = labels_for(lang)
        question = (question or "").strip()
        if not question:
            gr.Warning(labels.empty_question)
            yield (*self.view(conversation, lang), "")
            return
        if conversation.pending_turn is not None:
            gr.Warning(labels.busy)
            yield (*self.view(conversation, lang), question)
            return
        history = conversation.history()
        turn = Turn(question=question, backend=backend)
        conversation.turns.append(turn)
        conversation.selected_turn = conversation.selected_citation = None
        yield (*self.view(conversation, lang), "")
        try:
            stream = preview_then_answer(self.assistant_factory(backend, int(passages)), question, history)
            turn.stream, turn.status = stream, "generating"
            for _ in self._advance(turn, stream, first_only=True):
                pass
            if turn.pending:
                self._queue(turn)
        except Exception as exc:  # shown in the chat; the session goes on
            self._fail(turn, exc)
        yield (*self.view(conversation, lang), "")

    def _queue(self, turn: Turn) -> None:
        """Put ``turn`` in line for the model: how many answers are ahead of it, and (local model)
        how long one answer takes on this machine by its measured speed."""
        with self._claim_lock:
            self._line = [t for t in self._line if t.pending]
            ahead = max(0, len(self._line) - self.model_slots + 1)
            self._line.append(turn)
        turn.queue_ahead = ahead
        estimate = self.model_speed.estimate() if self.model_speed is not None and turn.backend == "local" else None
        if estimate is not None:
            turn.expected_seconds = estimate.expected_seconds
            turn.speeds = (estimate.prompt_tokens_per_second, estimate.answer_tokens_per_second)
            turn.queue_wait = math.ceil(ahead / self.model_slots) * estimate.expected_seconds

    def generate(self, conversation: Conversation | None, lang: str) -> Iterator[ChatUpdate]:
        """Stream the model's tokens under the preview, then replace it with the final answer."""
        conversation = conversation if conversation is not None else Conversation()
        turn = conversation.pending_turn
        with self._claim_lock:  # two queued generate steps must not pull from one stream
            claimed = turn is not None and turn.stream is not None and not turn.streaming
            if claimed:
                turn.streaming = True
                turn.queue_ahead, turn.model_started = 0, time.monotonic()
        if not claimed:
            yield self.view(conversation, lang)
            return
        last, unshown = 0.0, False
        try:
            for _ in self._advance(turn, turn.stream, first_only=False):
                unshown = True
                now = time.monotonic()
                if now - last >= self.stream_interval or not turn.pending:
                    last, unshown = now, False
                    yield self.view(conversation, lang)
        except Exception as exc:
            self._fail(turn, exc)
            unshown = True
        if unshown or turn.pending:
            yield self.view(conversation, lang)

    @staticmethod
    def _advance(turn: Turn, stream: Iterator[Answer | str], *, first_only: bool) -> Iterator[None]:
        """Apply the stream's items to ``turn``, yielding after each; with ``first_only``, stop
        after the first one (the preview) and leave the rest of the stream to ``generate``."""
        for item in stream:
            if turn.status != "generating":  # stopped meanwhile, while this thread was waiting on the
                _close(stream)  # stream, so stop() could not close it: close it here
                break
            if isinstance(item, Answer):
                if item.final:
                    turn.answer, turn.status, turn.stream = item, "done", None
                else:
                    turn.preview = item
            else:
                turn.draft += str(item)
            yield None
            if first_only or turn.status == "done":
                return
        if turn.status == "generating" and turn.stream is stream:
            # The stream ended without a final answer: keep what arrived, as stopped.
            turn.status, turn.stream = "stopped", None

    @staticmethod
    def _fail(turn: Turn, exc: Exception) -> None:
        logger.exception("answering %r failed", turn.question)
        turn.status, turn.error, turn.stream = "error", str(exc) or type(exc).__name__, None

    def stop(self, conversation: Conversation | None, lang: str) -> ChatUpdate:
        conversation = conversation if conversation is not None else Conversation()
        turn = conversation.pending_turn
        if turn is not None:
            stream, turn.stream = turn.stream, None
            turn.status = "stopped"
            if stream is not None:
                _close(stream)  # if a worker is inside it right now, the worker closes it (_advance)
        return self.view(conversation, lang)

    def new_chat(self, conversation: Conversation | None, lang: str) -> ChatUpdate:
        self.stop(conversation, lang)
        return self.view(Conversation(), lang)

    # ----- sources ---------------------------------------------------------------------
    def select_citation(self, conversation: Conversation | None, turn: int, n: int, lang: str) -> ChatUpdate:
        """Show turn ``turn``'s sources with citation ``n`` opened."""
        conversation = conversation if conversation is not None else Conversation()
        if 0 <= int(turn) < len(conversation.turns):
            conversation.selected_turn, conversation.selected_citation = int(turn), int(n)
        return self.view(conversation, lang)

    # ----- feedback --------------------------------------------------------------------
    @staticmethod
    def feedback_state(conversation: Conversation | None) -> tuple[str | None, str]:
        """The latest finished answer's rating (the selected thumb, or None) and its stored comment."""
        latest = (conversation or Conversation()).latest_answered()
        return (latest[1].rating, latest[1].feedback_comment) if latest is not None else (None, "")

    def rate(self, conversation: Conversation | None, rating: str, comment: str, lang: str) -> str:
        """Store a rating of the latest finished answer; returns the message to show.

        Changing the rating with an empty comment box keeps the comment given before."""
        labels = labels_for(lang)
        latest = (conversation or Conversation()).latest_answered()
        if latest is None:
            return labels.feedback_nothing
        _, turn = latest
        answer = turn.shown
        assert answer is not None
        comment = (comment or "").strip() or turn.feedback_comment
        if turn.feedback_id is not None:
            self.feedback_store.update(turn.feedback_id, rating=rating, comment=comment)  # type: ignore[arg-type]
            turn.rating, turn.feedback_comment = rating, comment
            return self._saved(labels, comment)
        citations = [{**c.to_dict(), "quote": self.lookup.span_text(c)} for c in answer.citations]
        try:
            manifest_hash = self.manifest_hash() or ""
        except Exception:  # the rating matters more than the hash
            manifest_hash = ""
        turn.feedback_id = self.feedback_store.add(
            rating=rating,  # type: ignore[arg-type]
            question=turn.question,
            answer=answer.answer,
            language=answer.language,
            citations=citations,
            backend=answer.backend or turn.backend,
            manifest_hash=manifest_hash,
            refused=answer.refused,
            comment=comment,
        )
        turn.rating, turn.feedback_comment = rating, comment
        return self._saved(labels, comment)

    @staticmethod
    def _saved(labels: Any, comment: str) -> str:
        return labels.feedback_saved + (" " + labels.feedback_comment_kept.format(comment=comment) if comment else "")
