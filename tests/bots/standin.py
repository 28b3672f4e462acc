"""A stand-in for Telegram's Bot API on loopback: what the tests and benchmarks talk to.

It answers the methods Tipline uses the way Telegram does (`{"ok": true, "result": ...}`),
records every call, serves files for getFile, and can be told to fail the next calls
(a 429 with retry_after, a 403 for a resident who blocked the bot). sendPhoto takes an upload
(multipart) and answers with a new file_id, or a file_id it gave before (else a 400).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

BOT_ID = 7000001
BOT_USERNAME = "tipline_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


class BadRequest(Exception):
    """Answered as Telegram's 400, with the message as its description."""


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class BotApiStandIn:
    token: str
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # served by getUpdates
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    blocked_chats: set[int] = field(default_factory=set)
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(5000))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    # Hold the answer to the N-th sendMessage until `release` is set (a worker killed while it waits).
    hold_send_number: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    send_count: int = 0  # sendMessage calls since the last clear()

    # --- Control from the test ------------------------------------------------------------

    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"standin": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        self.failures.setdefault(method, []).append(Failure(status, description, retry_after))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def texts_to(self, chat_id: int) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.calls_to("sendMessage")
                if str(c.params.get("chat_id")) == str(chat_id)]

    def photos_to(self, chat_id: int) -> list[tuple[str, str]]:
        """(how the photo came: "upload" or the file_id it named, caption) of each sendPhoto to the chat."""
        return [("upload" if isinstance(c.params.get("photo"), bytes) else str(c.params.get("photo")),
                 str(c.params.get("caption", ""))) for c in self.calls_to("sendPhoto")
                if str(c.params.get("chat_id")) == str(chat_id)]

    def last_text_to(self, chat_id: int) -> str:
        texts = self.texts_to(chat_id)
        return texts[-1] if texts else ""

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.send_count = 0

    # --- The API ----------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic()))
            queued = self.failures.get(method)
            failure = queued.pop(0) if queued else None
            if method == "sendMessage":  # counted, not recounted: a 100,000-message bench must not slow down
                self.send_count += 1
            sends = self.send_count if method == "sendMessage" else 0
        if self.hold_send_number is not None and sends == self.hold_send_number:
            self.release.wait(timeout=60)
        if failure is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, body
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked_chats:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return 200, {"ok": True, "result": True}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except BadRequest as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 - Telegram's names
        return {"id": BOT_ID, "is_bot": True, "first_name": "Tipline", "username": BOT_USERNAME,
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Tipline"}, **content}

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(params, text=str(params.get("text", "")))

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        photo = params.get("photo")
        if isinstance(photo, bytes):  # an upload: Telegram keeps it and names its sizes
            with self._lock:
                file_id = f"photo-{next(self._message_ids)}"
                self.files[file_id] = self.files[f"{file_id}-small"] = photo
        elif str(photo) in self.files:
            file_id = str(photo)
        else:
            raise BadRequest("wrong file identifier/HTTP URL specified")
        sizes = [{"file_id": f"{file_id}-small", "file_unique_id": f"u-{file_id}-small", "width": 90, "height": 90},
                 {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 800, "height": 800}]
        return self._message(params, photo=sizes, caption=str(params.get("caption", "")))

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(params, text=str(params.get("text", "")))

    def _getFile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        file_id = str(params["file_id"])
        data = self.files.get(file_id, b"")
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(data),
                "file_path": f"photos/{file_id}.jpg"}

    def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        with self._lock:
            pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending:
            time.sleep(min(float(params.get("timeout") or 0), 0.2))
        return pending

    def file_bytes(self, path: str) -> bytes | None:
        file_id = path.removeprefix("photos/").removesuffix(".jpg")
        return self.files.get(file_id)


class _Handler(BaseHTTPRequestHandler):
    standin: BotApiStandIn
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle's algorithm and delayed ACKs each
    # keep-alive answer would wait 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return  # quiet: the tests read the recorded calls instead

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        prefix = f"/file/bot{self.standin.token}/"
        path = unquote(self.path)  # python-telegram-bot writes the token's ":" as %3A in file URLs
        if path.startswith(prefix):
            data = self.standin.file_bytes(path.removeprefix(prefix))
            if data is not None:
                return self._send(200, data, "application/octet-stream")
            return self._send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return self._api()

    def do_POST(self) -> None:  # noqa: N802
        self._api()

    def _api(self) -> None:
        prefix = f"/bot{self.standin.token}/"
        if not self.path.startswith(prefix):
            return self._send_json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = self.path.removeprefix(prefix).split("?")[0]
        status, body = self.standin.answer(method, self._params())
        self._send_json(status, body)

    def _params(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return json.loads(raw or b"{}")
        if content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + raw
            )
            params: dict[str, Any] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                params[name] = part.get_payload(decode=True) if part.get_filename() else part.get_content()
            return {k: _json_or_text(v) for k, v in params.items()}
        return {k: _json_or_text(v) for k, v in parse_qsl(raw.decode())}

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _json_or_text(value: Any) -> Any:
    """Form fields carry objects as JSON (reply_markup) and scalars as text."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
