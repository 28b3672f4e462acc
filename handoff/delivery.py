"""Delivering a frozen packet: a signed webhook POST or an e-mail, recorded attempt by attempt.

At least once: every attempt carries the same `webhook-id` (the idempotency key), so an agency
that dedupes on it acts once even when an answer was lost and the packet came again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.mail import EmailMessage

from reporting.privacy import decrypt_handle

from .actions import mark_delivered, record_failure
from .models import DeliveryMethod, Handoff, HandoffAttempt, HandoffState
from .signing import signed_headers

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    error: str = ""


def packet_body(handoff: Handoff) -> bytes:
    return json.dumps(handoff.packet, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def post_webhook(handoff: Handoff) -> DeliveryResult:
    agency = handoff.agency
    secret = decrypt_handle(agency.webhook_secret) if agency.webhook_secret else None
    if not agency.webhook_url or secret is None:
        return DeliveryResult(False, "the agency has no webhook address or secret")
    body = packet_body(handoff)
    headers = {"Content-Type": "application/json", **signed_headers(secret, str(handoff.idempotency_key), body)}
    try:
        response = httpx.post(agency.webhook_url, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        HandoffAttempt.objects.create(handoff=handoff, error=f"network: {type(exc).__name__}")
        return DeliveryResult(False, f"network: {type(exc).__name__}")
    error = "" if response.is_success else f"HTTP {response.status_code}: {response.text[:200]}"
    HandoffAttempt.objects.create(handoff=handoff, status_code=response.status_code, error=error)
    return DeliveryResult(response.is_success, error)


def send_email(handoff: Handoff) -> DeliveryResult:
    agency = handoff.agency
    if not agency.email:
        return DeliveryResult(False, "the agency has no e-mail address")
    message = EmailMessage(
        subject=f"Tipline incident {handoff.packet['incident']['reference']}",  # type: ignore[index]
        body=f"Incident packet attached. Idempotency key: {handoff.idempotency_key}",
        to=[agency.email],
    )
    message.attach(f"{handoff.idempotency_key}.json", packet_body(handoff), "application/json")
    try:
        message.send()
    except OSError as exc:
        HandoffAttempt.objects.create(handoff=handoff, error=f"mail: {type(exc).__name__}")
        return DeliveryResult(False, f"mail: {type(exc).__name__}")
    HandoffAttempt.objects.create(handoff=handoff, status_code=250)
    return DeliveryResult(True)


def deliver(handoff_id: int, *, final_attempt: bool) -> DeliveryResult | None:
    """One attempt; None when there is nothing to deliver (already delivered, or manual)."""
    handoff = Handoff.objects.select_related("agency").filter(pk=handoff_id, state=HandoffState.QUEUED).first()
    if handoff is None or handoff.agency.delivery_method == DeliveryMethod.MANUAL:
        return None
    Handoff.objects.filter(pk=handoff.pk).update(attempts=handoff.attempts + 1)
    result = post_webhook(handoff) if handoff.agency.delivery_method == DeliveryMethod.WEBHOOK else send_email(handoff)
    if result.delivered:
        mark_delivered(handoff)
    else:
        record_failure(handoff, result.error, final=final_attempt)
    return result


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: base, 2×base, 4×base ..."""
    return settings.TIPLINE_HANDOFF_RETRY_BASE_SECONDS * 2**attempt
