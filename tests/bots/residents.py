"""Scripted residents: Telegram-shaped updates, as the Bot API would POST them to the webhook.

The odd inputs (sticker, voice, video, a PDF) are fixture files under tests/fixtures/telegram/,
copied from real updates' shape; the factory fills in the resident's ids.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
_update_ids = itertools.count(900_000_000)


class Resident:
    def __init__(self, user_id: int, language_code: str = "en", first_name: str = "Resident") -> None:
        self.user_id = user_id
        self.chat_id = user_id  # a private chat's id is the user's
        self.language_code = language_code
        self.first_name = first_name
        self._message_ids = itertools.count(1)

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "first_name": self.first_name, "type": "private"}

    def message(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(_update_ids), "message": {
            "message_id": next(self._message_ids), "from": self._user(), "chat": self._chat(),
            "date": int(time.time()), **content}}

    def text(self, text: str, reply_to: int | None = None) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra["reply_to_message"] = {"message_id": reply_to, "date": int(time.time()), "chat": self._chat(),
                                         "from": {"id": 7000001, "is_bot": True, "first_name": "Tipline"},
                                         "text": "…"}
        return self.message(text=text, **extra)

    def command(self, name: str, argument: str = "") -> dict[str, Any]:
        text = f"/{name}" + (f" {argument}" if argument else "")
        return self.message(text=text, entities=[{"type": "bot_command", "offset": 0, "length": len(name) + 1}])

    def press(self, data: str) -> dict[str, Any]:
        return {"update_id": next(_update_ids), "callback_query": {
            "id": str(next(_update_ids)), "from": self._user(), "chat_instance": "42", "data": data,
            "message": {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(),
                        "from": {"id": 7000001, "is_bot": True, "first_name": "Tipline"}, "text": "…"}}}

    def location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self.message(location={"latitude": latitude, "longitude": longitude})

    def photo(self, file_id: str, file_size: int, caption: str | None = None) -> dict[str, Any]:
        sizes = [{"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 67, "file_size": 900},
                 {"file_id": file_id, "file_unique_id": "l", "width": 64, "height": 48, "file_size": file_size}]
        return self.message(photo=sizes, **({"caption": caption} if caption else {}))

    def document(self, file_id: str, file_size: int, mime_type: str = "image/jpeg",
                 file_name: str = "IMG_0001.jpg") -> dict[str, Any]:
        return self.message(document={"file_id": file_id, "file_unique_id": "d", "file_name": file_name,
                                      "mime_type": mime_type, "file_size": file_size})

    def fixture(self, name: str) -> dict[str, Any]:
        update = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))
        update["update_id"] = next(_update_ids)
        message = update["message"]
        message["message_id"] = next(self._message_ids)
        message["from"] = self._user()
        message["chat"] = self._chat()
        return update
