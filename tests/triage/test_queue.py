"""Drains claim waiting tips in batches; one drain is asked for while one is due (triage.queue)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Channel, Tip, TipStatus
from triage import queue
from triage.tasks import drain_waiting_tips

pytestmark = pytest.mark.django_db


def _tip(text: str) -> int:
    return submit_tip(TipSubmission(text=text, channel=Channel.WEB, declared_language="en")).tip_id


@pytest.fixture
def other_drain() -> Iterator[psycopg.Connection]:
    """Another worker's connection, to hold claims the way a drain on another process does."""
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True) as other:
        yield other


def _held_by(other: psycopg.Connection, tip_id: int) -> bool:
    """True when someone else holds the claim on the tip (`other` cannot take it)."""
    taken = other.execute("SELECT pg_try_advisory_lock(%s, %s)", [queue.CLAIM_LOCK, tip_id]).fetchone()[0]
    if taken:
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [queue.CLAIM_LOCK, tip_id])
    return not taken


def test_a_drain_claims_the_oldest_waiting_tips_no_other_drain_holds(other_drain: psycopg.Connection) -> None:
    first, second, third, fourth, failed = (_tip(f"Report number {n}: a truck crossed the river at night.") for n in range(5))
    Tip.objects.filter(pk=failed).update(triage_failed_at=timezone.now())
    other_drain.execute("SELECT pg_advisory_lock(%s, %s)", [queue.CLAIM_LOCK, first])

    with queue.claimed_tips(2) as claim:
        assert claim.tip_ids == [second, third] and claim.more_waiting
        assert _held_by(other_drain, second) and _held_by(other_drain, third)
        assert not _held_by(other_drain, fourth)  # looked at, but beyond the batch: let go at once
    assert not _held_by(other_drain, second) and not _held_by(other_drain, third)

    with queue.claimed_tips(10) as rest:
        # Not `failed`: the sweeper retries it on its own.
        assert rest.tip_ids == [second, third, fourth] and not rest.more_waiting


def test_a_claim_reads_past_the_tips_other_drains_hold(other_drain: psycopg.Connection) -> None:
    page = 2 * queue.CANDIDATES_PER_PAGE  # the candidates one query reads for a batch of 2
    tips = [_tip(f"Report number {n}: a boat lands at the pier without lights.") for n in range(page + 3)]
    for held in tips[:page + 1]:  # a whole page and more, held by other drains
        other_drain.execute("SELECT pg_advisory_lock(%s, %s)", [queue.CLAIM_LOCK, held])

    with queue.claimed_tips(2) as claim:
        assert claim.tip_ids == tips[page + 1:page + 3]


def test_a_batch_takes_only_so_many_photos_to_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """So a batch ends well within the task's time limit, however many photos residents sent."""
    from tests.conftest import make_photo

    monkeypatch.setattr(queue, "PHOTOS_PER_BATCH", 3)

    def with_photos(count: int) -> int:
        return submit_tip(TipSubmission(text="Photos of the trucks at the ford last night.", channel=Channel.WEB,
                                        photos=[make_photo() for _n in range(count)])).tip_id

    two, two_more, none, five = with_photos(2), with_photos(2), with_photos(0), with_photos(5)
    with queue.claimed_tips(10) as claim:
        assert claim.tip_ids == [two] and claim.more_waiting  # two more photos would pass 3
    queue.triage_next_batch(10, when_full=lambda: None)
    with queue.claimed_tips(10) as claim:
        assert claim.tip_ids == [two_more, none] and claim.more_waiting
    queue.triage_next_batch(10, when_full=lambda: None)
    with queue.claimed_tips(10) as claim:
        assert claim.tip_ids == [five] and not claim.more_waiting  # a batch's first tip always goes


def test_a_full_batch_asks_for_another_drain_before_it_is_triaged() -> None:
    tips = [_tip(f"Men carry boxes over the fence near post {n} every evening.") for n in range(3)]
    asked: list[list[str]] = []

    def ask() -> None:
        asked.append(list(Tip.objects.filter(pk__in=tips).values_list("status", flat=True).distinct()))

    full = queue.triage_next_batch(2, when_full=ask)
    assert (full.claimed, full.full) == (2, True) and full.tips == {tips[0]: "triaged", tips[1]: "triaged"}
    assert asked == [[TipStatus.RECEIVED]]  # asked while its own tips still waited: both work at once
    rest = queue.triage_next_batch(2, when_full=ask)
    assert (rest.claimed, rest.full, rest.tips) == (1, False, {tips[2]: "triaged"})
    assert len(asked) == 1
    assert queue.triage_next_batch(2, when_full=ask).claimed == 0


def test_one_drain_is_due_at_a_time_and_clears_the_mark_when_it_runs_dry() -> None:
    queue.drain_no_longer_due()
    assert queue.drain_already_due() is False  # this intake asks for a drain...
    assert queue.drain_already_due() is True  # ...the next ones need not
    tip_id = _tip("A boat without lights lands at the south beach, men unload heavy bags.")

    assert drain_waiting_tips() == {"triaged": 1}  # the task, run here: one batch, then a last look

    assert Tip.objects.get(pk=tip_id).status == TipStatus.TRIAGED
    assert queue.drain_already_due() is False  # dry: the next tip asks for a drain again
    queue.drain_no_longer_due()


def test_a_drain_hands_over_while_batches_are_full_and_clears_the_mark_only_when_dry() -> None:
    tips = [_tip(f"A grey pickup crosses at the ford at midnight, lights off, night {n}.") for n in range(3)]
    asked: list[None] = []
    queue.drain_no_longer_due()
    assert queue.drain_already_due() is False

    batches = queue.drain_waiting_tips(2, ask_for_drain=lambda: asked.append(None))
    assert [b.tips for b in batches] == [{tips[0]: "triaged", tips[1]: "triaged"}] and len(asked) == 1
    assert queue.drain_already_due() is True  # the asked-for drain goes on: intake need not ask

    batches = queue.drain_waiting_tips(2, ask_for_drain=lambda: asked.append(None))
    assert [(b.claimed, b.full) for b in batches] == [(1, False), (0, False)]  # the rest, then a last look
    assert queue.drain_already_due() is False and len(asked) == 1
    queue.drain_no_longer_due()


def test_a_drain_that_starts_renews_the_mark(settings) -> None:  # noqa: ANN001
    import time

    from django.core.cache import cache

    cache.set(queue.DRAIN_DUE_KEY, 1, timeout=1)  # asked for a while ago: about to expire
    queue.drain_waiting_tips(10, ask_for_drain=lambda: None)  # finds nothing: clears it at the end
    assert queue.drain_already_due() is False

    cache.set(queue.DRAIN_DUE_KEY, 1, timeout=1)
    queue.drain_still_due()
    time.sleep(1.5)
    assert queue.drain_already_due() is True  # renewed for DRAIN_DUE_SECONDS when the drain started
    queue.drain_no_longer_due()
