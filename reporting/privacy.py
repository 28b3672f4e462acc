"""Pseudonymous keys and encrypted reply handles: how Tipline avoids storing who a reporter is.

See docs/privacy.md. Nothing here logs its inputs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read aloud safely


def keyed_digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 (hex) of `value` under the deployment key, separated by purpose."""
    key = settings.TIPLINE_HMAC_KEY.encode()
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def reporter_lookup_key(channel: str, platform_user_id: str | int) -> str:
    """The only form in which a platform's user id is ever stored."""
    return keyed_digest("reporter", f"{channel}:{platform_user_id}")


def client_fingerprint(client_address: str) -> str:
    """A short keyed digest of a client address, for rate limits; the address itself is dropped."""
    return keyed_digest("client", client_address)[:24]


def random_code(length: int, alphabet: str = PSEUDONYM_ALPHABET) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_pseudonym() -> str:
    return "R-" + random_code(8)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("TIPLINE_HANDLE_KEYS is empty: reply handles cannot be encrypted.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt_handle(handle: str) -> bytes:
    return _fernet(tuple(settings.TIPLINE_HANDLE_KEYS)).encrypt(handle.encode())


def decrypt_handle(token: bytes | memoryview) -> str | None:
    """The plain handle, or None when no configured key opens it (rotated away)."""
    try:
        return _fernet(tuple(settings.TIPLINE_HANDLE_KEYS)).decrypt(bytes(token)).decode()
    except InvalidToken:
        return None
