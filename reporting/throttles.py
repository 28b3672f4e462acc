"""Rate limits keyed on a keyed digest of the client address, never on the address itself."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

from .privacy import client_fingerprint


class PseudonymousClientThrottle(SimpleRateThrottle):
    scope = "client"

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        # DRF's get_ident honours NUM_PROXIES for X-Forwarded-For; only its digest is kept.
        return self.cache_format % {"scope": self.scope, "ident": client_fingerprint(self.get_ident(request))}


class ReceiptThrottle(PseudonymousClientThrottle):
    """Status look-ups: slows anyone guessing receipts."""

    scope = "receipt"


def is_throttled(request: HttpRequest, throttle_class: type[SimpleRateThrottle]) -> bool:
    """For plain Django views (the web form): the same limits as the API."""
    return not throttle_class().allow_request(request, None)
