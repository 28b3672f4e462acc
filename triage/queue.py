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
from django.db.models import Count, Q

from reporting.bulk import integer_array
from reporting.models import Attachment, AttachmentState, Tip, TipStatus

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


# Photos to clean per batch, at most (beyond the first tip's): re-encoding a large photo takes
# up to a couple of seconds, and a batch must end well within the task's time limit, or a
# killed, redelivered drain would take the same tips again and again.
PHOTOS_PER_BATCH = 25


@dataclass
class Claim:
    tip_ids: list[int]
    # Stopped at the batch's size or photo budget rather than for want of waiting tips.
    more_waiting: bool


@contextmanager
def claimed_tips(limit: int) -> Iterator[Claim]:
    """Up to `limit` waiting tips, oldest first, that no other drain holds; held until the block ends.

    Waiting: "received" and not failed on their last try. A tip another drain triaged in the
    meantime may still be among them; the pipeline finds it done and leaves it. Tips with photos
    count against PHOTOS_PER_BATCH too.
    """
    waiting = Tip.objects.filter(status=TipStatus.RECEIVED, triage_failed_at__isnull=True).order_by("received_at", "pk")
    if connection.vendor != "postgresql":  # SQLite (`make run`): one writer; a repeat is found done
        found = list(waiting.values_list("pk", flat=True)[: limit + 1])
        fitting, _photos = _within_budget(found, limit, PHOTOS_PER_BATCH)
        yield Claim(fitting, more_waiting=len(fitting) < len(found))
        return
    claimed: list[int] = []
    photos_left = PHOTOS_PER_BATCH
    page_size = limit * CANDIDATES_PER_PAGE
    more_waiting = False
    try:
        while True:
            page = list(waiting.values_list("received_at", "pk")[:page_size])
            taken = _try_locks([pk for _received, pk in page])
            fitting, photos = _within_budget(taken, limit - len(claimed), photos_left, first=not claimed)
            claimed += fitting
            photos_left -= photos
            _release(taken[len(fitting):])
            if len(fitting) < len(taken) or len(claimed) == limit:
                more_waiting = True  # the batch is full, by count or by photos
                break
            if len(page) < page_size:
                break  # no more waiting tips
            last_received, last_pk = page[-1]
            waiting = waiting.filter(Q(received_at__gt=last_received) | Q(received_at=last_received, pk__gt=last_pk))
        yield Claim(claimed, more_waiting)
    finally:
        _release(claimed)


def _within_budget(tip_ids: list[int], count: int, photos: int, *, first: bool = True) -> tuple[list[int], int]:
    """The leading tips that fit `count` and `photos` (a batch's first tip always fits), and
    how many photos they bring."""
    pending = Attachment.objects.filter(tip_id__in=tip_ids[:count], state=AttachmentState.PENDING)
    per_tip = dict(pending.values_list("tip").annotate(n=Count("pk")).values_list("tip", "n")) if tip_ids else {}
    fitting: list[int] = []
    used = 0
    for tip_id in tip_ids[:count]:
        brings = per_tip.get(tip_id, 0)
        if used + brings > photos and (fitting or not first):
            break
        fitting.append(tip_id)
        used += brings
    return fitting, used


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
    full: bool
    tips: dict[int, str] = field(default_factory=dict)  # each claimed tip -> "triaged", "failed", ...

    @property
    def claimed(self) -> int:
        return len(self.tips)


def triage_next_batch(size: int, when_full: Callable[[], object]) -> BatchOutcome:
    """Claim up to `size` waiting tips and triage them; `when_full` is called first if the batch
    filled up (by count or by photos) before the waiting tips ran out."""
    with claimed_tips(size) as claim:
        if claim.more_waiting:
            when_full()  # more may wait: another drain takes the next batch while this one works
        outcome = pipeline.triage_batch(claim.tip_ids) if claim.tip_ids else {}
    return BatchOutcome(full=claim.more_waiting, tips=outcome)


def drain_waiting_tips(size: int, ask_for_drain: Callable[[], object]) -> list[BatchOutcome]:
    """One drain: renew the "due" mark, take a batch; if it was not full, clear the mark and
    look once more.

    The second look finds any tip committed while the mark was set (its intake, seeing the mark,
    asked for no drain of its own). Tips committed after the mark was cleared ask for their own.
    """
    drain_still_due()
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


def drain_still_due() -> None:
    """A drain starting: the mark, if set, lasts DRAIN_DUE_SECONDS from now (it was set when
    this drain was asked for, maybe a while ago), so tips meanwhile ask for no other."""
    if not _mark_is_shared():
        return
    try:
        caches["default"].touch(DRAIN_DUE_KEY, DRAIN_DUE_SECONDS)
    except Exception:  # noqa: BLE001 - then more drains are asked for; each finds its share
        logger.warning("triage drain mark not renewed")


def drain_no_longer_due() -> None:
    if not _mark_is_shared():
        return
    try:
        caches["default"].delete(DRAIN_DUE_KEY)
    except Exception:  # noqa: BLE001 - the mark expires by itself within DRAIN_DUE_SECONDS
        logger.warning("triage drain mark not cleared; it expires in %d s", DRAIN_DUE_SECONDS)
