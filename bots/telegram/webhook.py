"""POST /telegram/webhook/: check Telegram's secret, store the update, answer 200 (docs/bot.md).

Nothing is processed here: the update is committed first, and the bot process handles it, so
a crash in a handler cannot lose it and a retried update is a no-op.
"""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .updates import MalformedUpdate, store_update

logger = logging.getLogger(__name__)

SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"
# Telegram's updates are a few kilobytes; a photo arrives as a file id, not as bytes.
MAX_BODY_BYTES = 1024 * 1024


def secret_matches(presented: str) -> bool:
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    # Constant time, so the secret cannot be guessed one character at a time.
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    if not secret_matches(request.META.get(SECRET_HEADER, "")):
        return HttpResponse(status=403)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    try:
        is_new = store_update(json.loads(request.body))
    except (ValueError, MalformedUpdate):  # JSONDecodeError is a ValueError
        # Telegram never sends this; answering 400 makes a broken sender visible in its logs.
        return HttpResponse(status=400)
    if not is_new:
        logger.info("telegram update already stored; ignored")
    return HttpResponse(status=200)
