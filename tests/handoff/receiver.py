"""An agency's webhook receiver on loopback: it verifies every signature, acts once per
webhook-id, and can be told to fail its first calls."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from handoff.signing import InvalidSignature, verify


@dataclass
class AgencyReceiver:
    secret: str
    fail_first: int = 0
    # Fail after acting, as if the answer were lost on the way back: the sender must retry.
    lose_answers: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)  # webhook-id → packet, acted on once
    bad_signatures: int = 0
    server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Handler,), {"receiver": self}))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}/tipline"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.calls.append(headers)
            try:
                verify(self.secret, headers, body)
            except InvalidSignature:
                self.bad_signatures += 1
                return 401
            if len(self.calls) <= self.fail_first:
                return 503
            self.effects.setdefault(headers["webhook-id"], json.loads(body))  # idempotent on the id
            if len(self.calls) <= self.fail_first + self.lose_answers:
                return 502
            return 200


class _Handler(BaseHTTPRequestHandler):
    receiver: AgencyReceiver

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
