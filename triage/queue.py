"""Which tips a worker triages next: waiting tips are claimed in batches by "drains".

Intake does not send the worker a message per tip. It asks for a drain, and only when none is
already due: one task that claims the oldest waiting tips (up to TIPLINE_TRIAGE_BATCH), triages
them in one pass and, when it found a full batch, first asks for a successor so a second pool
process works on the next batch meanwhile. A drain that finds less than a full batch clears the
"due" mark and then looks once more, so a tip committed while the mark was still set is never
left waiting (docs/triage.md, "How tips reach the worker").

A claim is a session advisory lock per tip, not a transaction: the steps keep their own short
transactions (a photo's clean copy is written before its quarantine file is removed), and when a
worker dies its connection closes, PostgreSQL drops its locks, and the tips can be claimed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection
from django.db.models import Q

from reporting.bulk import integer_array
from reporting.models import Tip, TipStatus

from . import pipeline

logger = logging.getLogger(__name__)

# pg_try_advisory_lock(CLAIM_LOCK, tip id): the two-key form, a key space apart from the
# one-key locks (the gathering lock, the bot's lead lock). Ids past 2**31 wrap: two tips 2**31
# apart would only wait for each other.
CLAIM_LOCK = 0x74697074  # "tipt"
_LOCK_KEY = "(id %% 2147483648)::int"
# Waiting tips looked at per query, as a multiple of the batch: the oldest ones may be held by
# drains on other pool processes, and the claim reads on, page by page, past those.
CANDIDATES_PER_PAGE = 2

DRAIN_DUE_KEY = "triage:drain-due"
# The mark outlives a drain that died: after this long, the next tip asks for a new drain.
DRAIN_DUE_SECONDS = 5


@contextmanager
def claimed_tips(limit: int) -> Iterator[list[int]]:
    """Up to `limit` waiting tips, oldest first, that no other drain holds; held until the block ends.

    Waiting: "received" and not failed on their last try. A tip another drain triaged in the
    meantime may still be among them; the pipeline finds it done and leaves it.
    """
    waiting = Tip.objects.filter(status=TipStatus.RECEIVED, triage_failed_at__isnull=True).order_by("received_at", "pk")
    if connection.vendor != "postgresql":  # SQLite (`make run`): one writer; a repeat is found done
        yield list(waiting.values_list("pk", flat=True)[:limit])
        return
    claimed: list[int] = []
    page_size = limit * CANDIDATES_PER_PAGE
    try:
        while len(claimed) < limit:
            page = list(waiting.values_list("received_at", "pk")[:page_size])
            taken = _try_locks([pk for _received, pk in page])
            wanted = limit - len(claimed)
            claimed += taken[:wanted]
            _release(taken[wanted:])
            if len(page) < page_size:
                break  # no more waiting tips
            last_received, last_pk = page[-1]
            waiting = waiting.filter(Q(received_at__gt=last_received) | Q(received_at=last_received, pk__gt=last_pk))
        yield claimed
    finally:
        _release(claimed)


def _try_locks(tip_ids: list[int]) -> list[int]:
    if not tip_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM unnest(%s::bigint[]) WITH ORDINALITY AS candidate(id, n) "
            f"WHERE pg_try_advisory_lock(%s, {_LOCK_KEY}) ORDER BY n",
            [integer_array(tip_ids), CLAIM_LOCK],
        )
        return [row[0] for row in cursor.fetchall()]


def _release(tip_ids: list[int]) -> None:
    if not tip_ids:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_unlock(%s, {_LOCK_KEY}) FROM unnest(%s::bigint[]) AS id",
                           [CLAIM_LOCK, integer_array(tip_ids)])
    except DatabaseError:
        # The connection broke (or its transaction did): closing it is what drops the locks.
        logger.warning("claims on %d tips released by closing the connection", len(tip_ids))
        connection.close()


@dataclass
class BatchOutcome:
    claimed: int
    full: bool
    tips: dict[int, str] = field(default_factory=dict)  # tip id -> "triaged", "failed", ...


def triage_next_batch(size: int, when_full: Callable[[], object]) -> BatchOutcome:
    """Claim up to `size` waiting tips and triage them; `when_full` is called first if all `size` were found."""
    with claimed_tips(size) as tip_ids:
        full = len(tip_ids) == size
        if full:
            when_full()  # more may wait: another drain takes the next batch while this one works
        outcome = pipeline.triage_batch(tip_ids) if tip_ids else {}
    return BatchOutcome(claimed=len(tip_ids), full=full, tips=outcome)


def drain_waiting_tips(size: int, ask_for_drain: Callable[[], object]) -> list[BatchOutcome]:
    """One drain: a batch; if it was not full, clear the "due" mark and look once more.

    The second look finds any tip committed while the mark was set (its intake, seeing the mark,
    asked for no drain of its own). Tips committed after the mark was cleared ask for their own.
    """
    first = triage_next_batch(size, ask_for_drain)
    if first.full:
        return [first]
    drain_no_longer_due()
    return [first, triage_next_batch(size, ask_for_drain)]


def _mark_is_shared() -> bool:
    # A per-process cache would keep the web process's mark where no drain can clear it.
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def drain_already_due() -> bool:
    """Mark a drain as due; True when one already was, so no other need be asked for."""
    if not _mark_is_shared():
        return False
    try:
        return not caches["default"].add(DRAIN_DUE_KEY, 1, timeout=DRAIN_DUE_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is down: ask for a drain; an extra one finds nothing
        return False


def drain_no_longer_due() -> None:
    if not _mark_is_shared():
        return
    try:
        caches["default"].delete(DRAIN_DUE_KEY)
    except Exception:  # noqa: BLE001 - the mark expires by itself within DRAIN_DUE_SECONDS
        logger.warning("triage drain mark not cleared; it expires in %d s", DRAIN_DUE_SECONDS)
