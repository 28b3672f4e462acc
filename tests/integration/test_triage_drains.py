"""Tips reach the worker through drains: one asked for while one is due, none left waiting."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from celery.signals import before_task_publish
from django.db import connection

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Channel, Tip, TipEvent, TipStatus
from tests.conftest import wait_until
from triage.pipeline import GATHERING_LOCK

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def drains_asked_for() -> Iterator[list[str]]:
    """Drain tasks this process (the intake) publishes."""
    published: list[str] = []

    def count(sender: str | None = None, **kwargs: object) -> None:
        if sender == "triage.tasks.drain_waiting_tips":
            published.append(sender)

    before_task_publish.connect(count, weak=False)
    yield published
    before_task_publish.disconnect(count)


def _waiting_on_gathering(other: psycopg.Connection) -> bool:
    row = other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
                        [GATHERING_LOCK]).fetchone()
    return row[0] >= 1


def test_tips_sent_while_a_drain_is_busy_ask_for_no_other_and_are_all_triaged_once(
    celery_worker: str, drains_asked_for: list[str]
) -> None:
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [GATHERING_LOCK])  # the drain will stop before writing
        first = submit_tip(TipSubmission(text="A white van with ten people inside waits at the river crossing.",
                                         channel=Channel.WEB)).tip_id
        wait_until(lambda: _waiting_on_gathering(other), timeout=60)
        # Twelve more while it is busy: more than two batches of 5 (the test worker's size).
        later = [submit_tip(TipSubmission(text=f"Another van crossed at the river at {n} o'clock, people packed inside.",
                                          channel=Channel.WEB)).tip_id for n in range(12)]
        assert drains_asked_for == ["triage.tasks.drain_waiting_tips"]  # one, by the first tip
        assert Tip.objects.filter(status=TipStatus.TRIAGED).count() == 0
        other.execute("SELECT pg_advisory_unlock(%s)", [GATHERING_LOCK])

    # The busy drain's last look finds the twelve; full batches hand over to further drains.
    everything = [first, *later]
    wait_until(lambda: Tip.objects.filter(pk__in=everything, status=TipStatus.TRIAGED).count() == 13, timeout=60)
    assert TipEvent.objects.filter(tip_id__in=everything, to_status=TipStatus.TRIAGED).count() == 13
    assert drains_asked_for == ["triage.tasks.drain_waiting_tips"]
