"""Repeated failed logins from one address are slowed down and logged."""

from __future__ import annotations

import logging
import socket

import gradio as gr
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.app import launch_app
from ui.login_throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _login(request: Request) -> JSONResponse:
    form = await request.form()
    if form.get("password") == "right":
        return JSONResponse({"success": True})
    return JSONResponse({"detail": "Incorrect credentials."}, status_code=400)


def _client(clock: Clock) -> TestClient:
    app = Starlette(routes=[Route("/login", _login, methods=["POST"])])
    return TestClient(LoginThrottle(app, free_failures=3, max_lockout=10, forget_after=600, clock=clock))


def test_failures_after_the_free_ones_wait_longer_each_time(caplog):
    # Regression: twenty wrong passwords in a row were all answered at once.
    clock = Clock()
    client = _client(clock)
    with caplog.at_level(logging.WARNING, logger="ui.login_throttle"):
        codes = [client.post("/login", data={"username": "a", "password": "wrong"}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]  # the 4th is refused without checking the password
    assert sum("failed login from testclient" in r.getMessage() for r in caplog.records) == 3
    refused = client.post("/login", data={"username": "a", "password": "right"})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"

    clock.now += 1.0  # waited out the 1 s: one more try, wrong again -> 2 s
    assert client.post("/login", data={"password": "wrong"}).status_code == 400
    assert client.post("/login", data={"password": "right"}).status_code == 429
    clock.now += 2.0
    assert client.post("/login", data={"password": "wrong"}).status_code == 400
    clock.now += 3.9  # 4 s needed
    assert client.post("/login", data={"password": "right"}).headers["retry-after"] == "1"
    for _ in range(10):  # the wait never exceeds max_lockout
        clock.now += 10.0
        assert client.post("/login", data={"password": "wrong"}).status_code == 400
    clock.now += 10.0
    assert client.post("/login", data={"password": "right"}).status_code == 200
    assert client.post("/login", data={"password": "wrong"}).status_code == 400  # counting starts over


def test_other_routes_and_old_failures_are_not_throttled():
    clock = Clock()
    client = _client(clock)
    for _ in range(5):
        client.post("/login", data={"password": "wrong"})
    assert client.get("/elsewhere").status_code == 404  # passed through, not 429
    clock.now += 601  # forgotten after forget_after seconds
    assert client.post("/login", data={"password": "wrong"}).status_code == 400


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_served_app_throttles_its_login_route():
    with gr.Blocks() as app:
        gr.Markdown("hello")
    url = launch_app(app, port=_free_port(), auth=("user", "secret"), login_free_failures=2, login_max_lockout=30)
    try:
        login = url.rstrip("/") + "/login"
        codes = [httpx.post(login, data={"username": "user", "password": "guess"}, timeout=30).status_code
                 for _ in range(3)]
        assert codes == [400, 400, 429]
        assert httpx.post(login, data={"username": "user", "password": "secret"}, timeout=30).status_code == 429
    finally:
        app.close()
