"""The conversation as escaped HTML: questions, answers with citation buttons, timings."""

from __future__ import annotations

import time
from collections.abc import Mapping

from assistant.answer import Answer
from ui.answer_markup import answer_html, escape
from ui.conversation import Conversation, Turn
from ui.labels import UILabels
from ui.passage_lookup import PassageLookup
from ui.stage_names import stage_label
from ui.sources_panel import references_text


def format_seconds(seconds: float, labels: UILabels) -> str:
    value = f"{seconds:.1f}" if seconds < 100 else f"{seconds:.0f}"
    return labels.seconds.format(seconds=value)


ALWAYS_SHOWN = frozenset({"retrieve", "retrieval", "total"})
NEGLIGIBLE_SECONDS = 0.05  # steps this quick (e.g. no rewrite needed) are not worth a mention


def timings_text(timings: Mapping[str, float], labels: UILabels) -> str:
    """e.g. "检索 0.2 秒 · 生成 12.3 秒" — in the assistant's order, unknown names as they are."""
    parts = []
    for name, seconds in timings.items():
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            continue
        if seconds < NEGLIGIBLE_SECONDS and name not in ALWAYS_SHOWN:
            continue
        parts.append(f"{stage_label(name, labels.timing_names)} {format_seconds(seconds, labels)}")
    return " · ".join(parts)


def wait_text(turn: Turn, labels: UILabels, *, now: float | None = None) -> str:
    """The pending turn's honest wait: its place in the model's queue, then the measured time
    one answer takes here and how much of it is left ("" when nothing is known)."""
    if turn.status != "generating":
        return ""
    if turn.model_started is None:
        if turn.queue_ahead <= 0:
            return ""
        if turn.queue_wait is None:
            return labels.queued.format(ahead=turn.queue_ahead)
        return labels.queued_estimate.format(ahead=turn.queue_ahead, wait=format_seconds(turn.queue_wait, labels))
    if turn.expected_seconds is None or turn.speeds is None:
        return ""
    elapsed = (time.monotonic() if now is None else now) - turn.model_started
    left = max(0.0, turn.expected_seconds - elapsed)
    return labels.expected.format(
        total=format_seconds(turn.expected_seconds, labels), left=format_seconds(left, labels),
        read=f"{turn.speeds[0]:.0f}", write=f"{turn.speeds[1]:.1f}",
    )


def _status(text: str, turn: Turn, labels: UILabels) -> str:
    wait = wait_text(turn, labels)
    note = f'<div class="rq-wait">{escape(wait)}</div>' if wait else ""
    return f'<div class="rq-status"><span class="rq-spinner"></span>{escape(text)}</div>{note}'


def _answer_body(answer: Answer, index: int, labels: UILabels) -> str:
    tooltips = {c.n: c.doc_title or c.doc_id for c in answer.citations}
    body = f'<div class="rq-text" lang="{escape(answer.language)}">{answer_html(answer.answer, turn=index, cited=tooltips)}</div>'
    if answer.unsupported:
        items = "".join(f"<li>{escape(sentence)}</li>" for sentence in answer.unsupported)
        body += f'<div class="rq-note rq-unsupported">{escape(labels.unsupported)}<ul>{items}</ul></div>'
    for note in getattr(answer, "notes", ()):
        body += f'<div class="rq-note">{escape(note)}</div>'
    return body


def _footer(turn: Turn, answer: Answer, index: int, lookup: PassageLookup, labels: UILabels) -> str:
    details = timings_text(answer.timings, labels)
    backend = labels.backend_names.get(answer.backend or turn.backend, answer.backend or turn.backend)
    meta = " · ".join(part for part in (details, backend) if part)
    copy_text = references_text(answer, lookup=lookup, labels=labels)
    return (
        f'<div class="rq-foot"><span class="rq-timings">{escape(meta)}</span>'
        f'<button type="button" class="rq-copy" data-done="{escape(labels.copied)}">{escape(labels.copy)}</button>'
        f'<textarea class="rq-copy-text" hidden readonly>{escape(copy_text)}</textarea></div>'
    )


def turn_html(turn: Turn, index: int, *, lookup: PassageLookup, labels: UILabels) -> str:
    question = f'<div class="rq-q"><div class="rq-bubble">{escape(turn.question)}</div></div>'
    shown = turn.shown
    classes = ["rq-a"]
    inner: list[str] = []
    if turn.status == "error":
        classes.append("rq-error")
        inner.append(f'<div class="rq-text">{escape(labels.error_prefix)}: {escape(turn.error)}</div>')
    elif shown is None and turn.status == "stopped":
        inner.append(f'<div class="rq-status">{escape(labels.stopped)}</div>')
        if turn.draft:
            inner.append(f'<div class="rq-draft">{escape(turn.draft)}</div>')
    elif shown is None:
        text = labels.generating if turn.draft else labels.searching
        inner.append(_status(text, turn, labels))
        if turn.draft:
            inner.append(f'<div class="rq-draft">{escape(turn.draft)}</div>')
    else:
        if shown.refused:
            classes.append("rq-refused")
            inner.append(f'<div class="rq-badge rq-badge-refused">{escape(labels.refused_badge)}</div>')
        if turn.status == "generating":
            classes.append("rq-preview")
            inner.append(f'<div class="rq-badge">{escape(labels.preview_badge)}</div>')
        elif turn.status == "stopped" and turn.answer is None:
            inner.append(f'<div class="rq-badge">{escape(labels.stopped_note)}</div>')
        inner.append(_answer_body(shown, index, labels))
        if turn.status == "generating":
            inner.append(_status(labels.generating, turn, labels))
            if turn.draft:
                inner.append(f'<div class="rq-draft">{escape(turn.draft)}</div>')
        elif turn.status == "stopped" and turn.answer is None and turn.draft:
            inner.append(
                f'<details class="rq-partial"><summary>{escape(labels.partial_output)}</summary>'
                f'<div class="rq-draft">{escape(turn.draft)}</div></details>'
            )
        if not turn.pending:
            inner.append(_footer(turn, shown, index, lookup, labels))
    answer = f'<div class="{" ".join(classes)}">{"".join(inner)}</div>'
    return f'<div class="rq-turn" data-turn="{index}">{question}{answer}</div>'


def chat_html(conversation: Conversation, *, lookup: PassageLookup, labels: UILabels) -> str:
    if not conversation.turns:
        return f'<div class="rq-chat rq-empty">{escape(labels.empty_chat)}</div>'
    turns = "".join(
        turn_html(turn, index, lookup=lookup, labels=labels) for index, turn in enumerate(conversation.turns)
    )
    return f'<div class="rq-chat">{turns}</div>'
