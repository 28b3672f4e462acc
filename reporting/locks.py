"""A lock so periodic jobs never overlap (across workers when the cache is Redis)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache


@contextmanager
def periodic_lock(name: str, timeout_seconds: int) -> Iterator[bool]:
    """Yields True when this run holds the lock; the lock expires even if the holder dies."""
    key = f"tipline:lock:{name}"
    acquired = cache.add(key, "1", timeout=timeout_seconds)
    try:
        yield acquired
    finally:
        if acquired:
            cache.delete(key)
