"""One browser session's conversation: its turns and which sources the user is looking at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.answer import Answer

TurnStatus = Literal["searching", "generating", "done", "stopped", "error"]


@dataclass
class Turn:
    """A question and what has arrived for it so far.

    ``preview`` is the instant extractive answer shown while the model writes ``draft``;
    ``answer`` is the final one. ``stream`` is the assistant's live iterator between the
    preview and the final answer (never copied: the session state keeps it by reference).
    """

    question: str
    backend: str
    status: TurnStatus = "searching"
    preview: Answer | None = None
    answer: Answer | None = None
    draft: str = ""
    error: str = ""
    feedback_id: int | None = None
    rating: str | None = None  # "up" / "down" once rated: the selected thumb
    feedback_comment: str = ""  # the comment stored with the rating
    stream: Iterator[Any] | None = field(default=None, repr=False, compare=False)
    streaming: bool = False  # a generate step is pulling from ``stream``
    # Honest waiting (see ChatHandlers): answers ahead in the model's queue when this one was
    # queued, the measured time one answer takes here, and when the model started on this one.
    queue_ahead: int = 0
    queue_wait: float | None = None
    expected_seconds: float | None = None
    speeds: tuple[float, float] | None = None  # prompt, answer tokens per second
    model_started: float | None = None

    @property
    def shown(self) -> Answer | None:
        """The answer to display and cite: the final one, else the preview."""
        return self.answer or self.preview

    @property
    def pending(self) -> bool:
        return self.status in ("searching", "generating")


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)
    selected_turn: int | None = None  # whose sources the panel shows; None = the latest
    selected_citation: int | None = None  # the citation number opened in the panel

    def history(self) -> list[dict[str, str]]:
        """Finished turns as the assistant's ``{"q", "a"}`` history, oldest first."""
        turns = []
        for turn in self.turns:
            shown = turn.shown
            if shown is not None and not turn.pending and shown.answer:
                turns.append({"q": turn.question, "a": shown.answer})
        return turns

    @property
    def pending_turn(self) -> Turn | None:
        for turn in self.turns:
            if turn.pending:
                return turn
        return None

    def focus_index(self) -> int | None:
        """The turn whose sources are shown: the selected one, else the latest with an answer."""
        if self.selected_turn is not None and 0 <= self.selected_turn < len(self.turns):
            return self.selected_turn
        for index in range(len(self.turns) - 1, -1, -1):
            if self.turns[index].shown is not None:
                return index
        return None

    def latest_answered(self) -> tuple[int, Turn] | None:
        """The most recent turn with an answer that is no longer changing."""
        for index in range(len(self.turns) - 1, -1, -1):
            turn = self.turns[index]
            if turn.shown is not None and not turn.pending:
                return index, turn
        return None
