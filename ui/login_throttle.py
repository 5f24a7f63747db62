"""Slow down password guessing: after a few failed logins from one client address, that address
must wait before its next try, twice as long after each further failure."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

LOGIN_PATHS = ("/login", "/login/")  # Gradio's login form posts here
MAX_TRACKED = 10_000  # addresses remembered at most (forgotten oldest first when full)


@dataclass
class _Failures:
    count: int
    last: float  # clock time of the last failure


class LoginThrottle:
    """ASGI middleware in front of the login route.

    A client address may fail ``free_failures`` times in a row; after that each further try must
    wait ``2 ** (failures - free_failures)`` seconds (at most ``max_lockout``) from its last
    failure, and is answered 429 with ``Retry-After`` until then, without the password being
    checked. A success, or ``forget_after`` seconds without failures, clears the address. Every
    failure is logged with the address.
    """

    def __init__(self, app: ASGIApp, *, free_failures: int = 3, max_lockout: float = 60.0,
                 forget_after: float = 900.0, clock: Callable[[], float] = time.monotonic):
        if free_failures < 1:
            raise ValueError(f"free_failures must be at least 1, got {free_failures}")
        if max_lockout <= 0 or forget_after <= 0:
            raise ValueError("max_lockout and forget_after must be positive seconds")
        self.app = app
        self.free_failures = free_failures
        self.max_lockout = max_lockout
        self.forget_after = forget_after
        self._clock = clock
        self._failures: dict[str, _Failures] = {}

    def config(self) -> dict[str, float]:
        return {"free_failures": self.free_failures, "max_lockout": self.max_lockout,
                "forget_after": self.forget_after}

    def wait_seconds(self, address: str) -> float:
        """How long ``address`` must still wait before its next login try (0: it may try now)."""
        failures = self._failures.get(address)
        if failures is None or failures.count < self.free_failures:
            return 0.0
        now = self._clock()
        if now - failures.last >= self.forget_after:
            del self._failures[address]
            return 0.0
        lockout = min(self.max_lockout, 2.0 ** (failures.count - self.free_failures))
        return max(0.0, failures.last + lockout - now)

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in LOGIN_PATHS:
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        wait = self.wait_seconds(address)
        if wait > 0:
            await _too_many(send, wait)
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] < 300:
            self._failures.pop(address, None)
        elif status and status[0] in (400, 401, 403):
            self._record_failure(address)

    def _record_failure(self, address: str) -> None:
        now = self._clock()
        previous = self._failures.pop(address, None)
        if previous is not None and now - previous.last >= self.forget_after:
            previous = None
        count = previous.count + 1 if previous else 1
        if len(self._failures) >= MAX_TRACKED:
            self._failures.pop(next(iter(self._failures)))
        self._failures[address] = _Failures(count, now)  # re-inserted: the dict stays oldest first
        logger.warning("failed login from %s (%d in a row)%s", address, count,
                       "; further tries are delayed" if count >= self.free_failures else "")


async def _too_many(send: Callable[[Message], Awaitable[None]], wait: float) -> None:
    seconds = max(1, int(wait + 0.999))
    body = f'{{"detail": "Too many failed logins from this address; try again in {seconds} s."}}'.encode()
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", str(seconds).encode()),
        (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
