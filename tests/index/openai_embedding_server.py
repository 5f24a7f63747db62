"""A minimal OpenAI-compatible ``POST /v1/embeddings`` server on 127.0.0.1, for the endpoint tests.

It embeds with whatever ``encode(texts) -> 2-D array`` it is given (the real EmbeddingGemma in the
slow test), applies no prompt (like vLLM, TEI or Infinity serving a plain model), and can fail a
number of requests with HTTP 503 first, to exercise the client's retries. ``infinity-emb`` would
downgrade numpy, rich, typer and uvicorn in the shared environment, so the suite serves its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


class EmbeddingServer:
    """``with EmbeddingServer(encode, model="m") as server: server.base_url`` -> ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], *, model: str, fail_first: int = 0,
                 delay: float = 0.0):
        self.encode = encode
        self.model = model
        self.fail_first = fail_first
        self.delay = delay
        self.requests: list[list[str]] = []  # inputs of every request answered with vectors
        self.failures = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()  # one model, one forward pass at a time
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> EmbeddingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.rstrip("/") != "/v1/embeddings":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    fail = server.failures < server.fail_first
                    server.failures += fail
                try:
                    if fail:
                        self._send(503, {"error": {"message": "warming up"}})
                        return
                    texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
                    time.sleep(server.delay)
                    with server._encode_lock:
                        vectors = np.asarray(server.encode(texts), dtype=np.float32)
                    with server._lock:
                        server.requests.append(texts)
                    self._send(200, {
                        "object": "list", "model": server.model,
                        "data": [{"object": "embedding", "index": i, "embedding": v.tolist()}
                                 for i, v in enumerate(vectors)],
                        "usage": {"prompt_tokens": 0, "total_tokens": 0},
                    })  # fmt: skip
                finally:
                    with server._lock:
                        server.in_flight -= 1

        return Handler
