"""Work someone is watching for goes before a model answer that can wait a moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Foreground:
    """Counts previews in progress. A model writing an answer whose preview is already shown
    calls :meth:`pause_while_busy` between tokens and so gives the cores to the previews of the
    people who just asked (a preview is a fraction of a second of work; on 2 cores it competed
    with the model's threads). Each pause is bounded, so a stream of previews cannot stall the
    model."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0

    @contextmanager
    def running(self) -> Iterator[None]:
        with self._changed:
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    @property
    def busy(self) -> bool:
        return self._running > 0

    def pause_while_busy(self, max_pause: float) -> float:
        """Wait until no preview runs, at most ``max_pause`` seconds; returns the seconds waited."""
        if max_pause <= 0 or not self._running:
            return 0.0
        started = time.monotonic()
        with self._changed:
            self._changed.wait_for(lambda: self._running == 0, timeout=max_pause)
        return time.monotonic() - started


# One per process, like the llama.cpp server it pauses.
FOREGROUND = Foreground()
