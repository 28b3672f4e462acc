"""Tip references (public) and receipts (secret, shown once, stored as a slow keyed hash)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from django.conf import settings

from .privacy import PSEUDONYM_ALPHABET, keyed_digest, random_code

RECEIPT_DIGITS = 16
_REFERENCE_RE = re.compile(rf"^T([{PSEUDONYM_ALPHABET}]{{4}})([{PSEUDONYM_ALPHABET}]{{2}})$")


def new_reference() -> str:
    """A short public reference such as T-7KQ3-M9 (30**6 ≈ 729 million values)."""
    code = random_code(6)
    return f"T-{code[:4]}-{code[4:]}"


def normalise_reference(raw: str) -> str | None:
    """Accept what people type (lower case, spaces, missing dashes); None when it cannot be one."""
    compact = re.sub(r"[\s\-]", "", raw or "").upper()
    match = _REFERENCE_RE.match(compact)
    if not match:
        return None
    return f"T-{match.group(1)}-{match.group(2)}"


def new_receipt() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """1234 5678 9012 3456: easier to copy by hand."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def normalise_receipt(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "")


def _scrypt(receipt: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # The keyed digest acts as a pepper: the table alone does not let anyone test a guess.
    peppered = keyed_digest("receipt", receipt).encode()
    return hashlib.scrypt(peppered, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)


def hash_receipt(receipt: str) -> str:
    n, r, p = settings.TIPLINE_RECEIPT_SCRYPT_N, 8, 1
    salt = secrets.token_bytes(16)
    digest = _scrypt(receipt, salt, n, r, p)
    encode = base64.b64encode
    return f"scrypt${n}${r}${p}${encode(salt).decode()}${encode(digest).decode()}"


def check_receipt(receipt: str, stored: str) -> bool:
    try:
        algorithm, n, r, p, salt, digest = stored.split("$")
        if algorithm != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(normalise_receipt(receipt), base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# A well-formed hash of a receipt nobody holds: checking against it when the reference is
# unknown costs the same time as a real check, so timing does not tell which references exist.
_DECOY_HASH: str | None = None


def decoy_check(receipt: str) -> None:
    global _DECOY_HASH
    if _DECOY_HASH is None:
        _DECOY_HASH = hash_receipt(new_receipt())
    check_receipt(receipt, _DECOY_HASH)
