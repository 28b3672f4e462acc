"""The overall send cap holds in every sliding second, across senders (bots.telegram.transport)."""

from __future__ import annotations

import threading
import time

import pytest

from bots.telegram.transport import wait_for_turn


@pytest.mark.parametrize("redis_shared", [True, False], ids=["across processes (Redis)", "one process"])
def test_no_more_sends_start_in_any_second_than_the_cap(settings, redis_shared: bool) -> None:  # noqa: ANN001
    settings.TELEGRAM_MESSAGES_PER_SECOND = 5
    if not redis_shared:
        settings.REDIS_URL = ""
    starts: list[float] = []
    lock = threading.Lock()

    def sender(name: str) -> None:
        for number in range(8):
            wait_for_turn(f"{name}-{number}")  # a chat each: only the overall cap applies
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(starts) == 16
    starts.sort()
    # A window a little under a second, so a thread noting its start late cannot fake a breach.
    busiest = max(sum(1 for later in starts[index:] if later < start + 0.95) for index, start in enumerate(starts))
    assert busiest <= 5
    assert starts[-1] - starts[0] >= 3.0 - 0.05  # the 16th send waits three windows after the first
