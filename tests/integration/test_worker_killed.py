"""A worker killed in the middle of a task loses nothing; the task runs again, writes once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Channel, Tip, TipEvent
from reporting.signals import tip_received
from tests.conftest import wait_until
from tests.integration.conftest import ROOT, worker_env
from triage.models import TipBand, TipTriage
from triage.tasks import drain_waiting_tips, enqueue_triage_after_commit

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

QUEUE = "kill-test"


@contextmanager
def worker_on_test_queue(log: Path) -> Iterator[subprocess.Popen]:
    """A worker that only consumes QUEUE and redelivers unacknowledged tasks after 3 s."""
    env = {**worker_env(), "CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_SECONDS": "1"}
    with open(log, "ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
             "--queues", QUEUE, "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _worker_blocked_on_the_tip(tip_id: int) -> bool:
    """True when some backend waits for a lock on the tip row (the worker's final write)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            ["%reporting_tip%FOR UPDATE%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_task_loses_nothing_and_the_rerun_writes_once(tmp_path: Path) -> None:
    tip_received.disconnect(dispatch_uid="triage-on-tip-received")  # we enqueue by hand, to QUEUE
    try:
        submitted = submit_tip(TipSubmission(
            text="Hombres armados cargan cajas de fusiles en una camioneta roja placa ABC-123-D en el vado.",
            channel=Channel.WEB,
        ))
    finally:
        tip_received.connect(enqueue_triage_after_commit, dispatch_uid="triage-on-tip-received")
    tip_id = submitted.tip_id
    db = connection.settings_dict
    log = tmp_path / "worker.log"

    # Hold the tip row locked, so the worker stops inside its final transaction.
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]) as blocker:
        blocker.execute("SELECT id FROM reporting_tip WHERE id = %s FOR UPDATE", [tip_id])
        with worker_on_test_queue(log) as worker:
            drain_waiting_tips.apply_async(queue=QUEUE)
            wait_until(lambda: _worker_blocked_on_the_tip(tip_id), timeout=60)
            os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, mid-task, no goodbye
            worker.wait(timeout=30)
        blocker.rollback()

    assert Tip.objects.get(pk=tip_id).status == "received"
    assert not TipTriage.objects.filter(tip_id=tip_id).exists()

    # A new worker gets the unacknowledged drain back; the dead worker's claim went with its
    # connection, so the drain claims the tip again and finishes it, exactly once.
    with worker_on_test_queue(log):
        wait_until(lambda: Tip.objects.get(pk=tip_id).status == "triaged", timeout=90)

    assert TipEvent.objects.filter(tip_id=tip_id, to_status="triaged").count() == 1
    triage = TipTriage.objects.get(tip_id=tip_id)
    assert triage.incident.tip_count == 1
    bands = TipBand.objects.filter(tip_id=tip_id)
    assert bands.count() == bands.values("band").distinct().count()
