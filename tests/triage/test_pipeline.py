from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Attachment, Channel, Tip, TipEvent
from tests.conftest import make_photo
from triage.pipeline import TriageContext, for_each, triage_batch, triage_tip
from triage.tasks import find_failed_tips, find_waiting_tips

pytestmark = pytest.mark.django_db


def _tip(text: str, **fields: object) -> int:
    fields.setdefault("photos", [make_photo(gps=True)])
    return submit_tip(TipSubmission(text=text, channel=Channel.WEB, declared_language="en", **fields)).tip_id


def test_it_triages_a_tip_once_with_language_timings_and_clean_photos() -> None:
    tip_id = _tip("Hombres armados esperan los camiones en el vado cada noche.")

    assert triage_tip(tip_id) == "triaged"

    tip = Tip.objects.get(pk=tip_id)
    assert tip.status == "triaged" and tip.detected_language == "es" and tip.triaged_at
    assert set(tip.triage_timings) == {"attachments", "language", "identifiers", "classify", "urgency", "sketch", "duplicates", "incidents",
                                       "record"}
    assert Attachment.objects.get(tip_id=tip_id).state == "clean"
    assert triage_tip(tip_id) == "already_triaged"
    assert list(TipEvent.objects.filter(tip_id=tip_id).values_list("to_status", flat=True)) == [
        "received", "triaged"]


def test_a_missing_tip_is_not_an_error() -> None:
    assert triage_tip(987654) == "missing"


def test_later_steps_plug_in_and_write_in_the_same_transaction() -> None:
    tip_id = _tip("Smugglers use the drainage tunnel under the road at night.")

    @for_each
    def shout(context: TriageContext) -> None:
        context.tip_updates["redacted_text"] = context.text.upper()

    assert triage_tip(tip_id, steps=[("shout", shout)]) == "triaged"
    tip = Tip.objects.get(pk=tip_id)
    assert tip.redacted_text.startswith("SMUGGLERS") and list(tip.triage_timings) == ["shout", "record"]


def test_a_step_that_fails_leaves_the_tip_received_for_a_retry() -> None:
    tip_id = _tip("The same boat again at the pier with many people in it.")

    @for_each
    def broken(context: TriageContext) -> None:
        raise RuntimeError("model file missing")

    with pytest.raises(RuntimeError):
        triage_tip(tip_id, steps=[("broken", broken)])
    assert Tip.objects.get(pk=tip_id).status == "received"
    assert triage_tip(tip_id) == "triaged"


def test_the_sweeper_finds_tips_left_received() -> None:
    old = _tip("Old tip that was never triaged because the broker was down.")
    fresh = _tip("Fresh tip that the worker will get to in a moment anyway.")
    Tip.objects.filter(pk=old).update(received_at=timezone.now() - timedelta(minutes=5))
    assert find_waiting_tips(timedelta(minutes=1)) == [old]
    triage_tip(old)
    assert find_waiting_tips(timedelta(minutes=1)) == []
    assert fresh not in find_waiting_tips(timedelta(minutes=1))


def test_a_caseworkers_correction_is_kept_as_training_data(django_user_model) -> None:
    from django.core.exceptions import ValidationError

    from triage.actions import correct_categories
    from triage.defaults import load_defaults
    from triage.models import TrainingExample

    load_defaults()
    alice = django_user_model.objects.create_user("alice", password="x" * 12)
    tip_id = _tip("Call +52 55 1234 5678: a man sells fake passports at the bus terminal.")
    tip = Tip.objects.get(pk=tip_id)
    with pytest.raises(ValidationError):
        correct_categories(tip, ["corruption"], by=alice)  # not triaged yet
    triage_tip(tip_id)
    tip.refresh_from_db()

    example = correct_categories(tip, ["corruption", "goods_smuggling"], by=alice)

    assert example.labels == ["corruption", "goods_smuggling"] and example.source == "correction"
    assert "+52" not in example.text and "[PHONE]" in example.text  # trained on the redacted text
    assert tip.triage.labels == ["corruption", "goods_smuggling"] and not tip.triage.needs_human
    with pytest.raises(ValidationError):
        correct_categories(tip, ["not_a_category"], by=alice)
    assert TrainingExample.objects.count() == 1


def _from(reporter: object, text: str) -> int:
    return submit_tip(TipSubmission(text=text, channel=Channel.TELEGRAM, reporter=reporter, issue_receipt=False)).tip_id


def test_a_batch_gathers_reports_of_one_event_made_within_it() -> None:
    from reporting.models import Reporter
    from triage.models import Incident

    alice, bob = (Reporter.objects.create(pseudonym=f"R-{name}", channel=Channel.TELEGRAM) for name in ("ALICE234", "BOB23456"))
    text = "Men with guns unload crates from a white van AB-123-CD at the old mill every night."
    first = _from(alice, text)
    again = _from(alice, text + " Again tonight.")
    other = _from(bob, "At the old mill, van AB 123 CD, armed men unloading crates.")
    unrelated = _from(bob, "A fishing boat drops sacks of rice at the southern pier at dawn, people paid in cash.")

    outcome = triage_batch([other, first, again, unrelated, 987654])

    assert outcome == {first: "triaged", again: "triaged", other: "triaged", unrelated: "triaged", 987654: "missing"}
    event = Incident.objects.get(tip_triages__tip_id=first)
    assert (event.tip_count, event.reporter_count) == (3, 2)  # two people corroborate, one of them twice
    assert Tip.objects.get(pk=unrelated).triage.incident_id not in {None, event.pk}
    assert Tip.objects.get(pk=other).triage.matched_tip_id in {first, again}  # the earlier reports, same batch
    assert Incident.objects.count() == 2
    timings = Tip.objects.get(pk=first).triage_timings
    assert set(timings) == {"attachments", "language", "identifiers", "classify", "urgency", "sketch", "duplicates", "incidents",
                                       "record"}
    assert triage_batch([first, again]) == {first: "already_triaged", again: "already_triaged"}


def test_a_tip_that_breaks_its_batch_does_not_hold_back_the_others() -> None:
    from triage.pipeline import STEPS

    good = _tip("Two pickups without plates cross the dry riverbed every night around midnight.")
    bad = _tip("This one breaks a step, as a corrupt text would.")

    @for_each
    def unreadable(context: TriageContext) -> None:
        if "breaks a step" in context.text:
            raise ValueError("unreadable text")

    assert triage_batch([good, bad], steps=[("unreadable", unreadable), *STEPS]) == {good: "triaged", bad: "failed"}
    assert Tip.objects.get(pk=bad).status == "received"
    assert Tip.objects.get(pk=good).status == "triaged"
    # Drains now pass it by; the sweeper tries it again on its own, later.
    assert bad not in find_waiting_tips(timedelta(0))
    assert find_failed_tips(timedelta(minutes=10)) == []
    assert find_failed_tips(timedelta(0)) == [bad]
    assert triage_batch([bad]) == {bad: "triaged"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_gather_reports_one_batch_at_a_time() -> None:
    """So two batches with reports of one event, triaged at once, cannot each open an incident."""
    import threading

    import psycopg
    from django.db import connection

    from reporting.signals import tip_received
    from tests.conftest import wait_until
    from triage.pipeline import GATHERING_LOCK
    from triage.tasks import enqueue_triage_after_commit

    tip_received.disconnect(dispatch_uid="triage-on-tip-received")  # no Celery worker takes this tip
    try:
        tip_id = _tip("Men with rifles load a grey truck at the ford tonight, plate XYZ 123.")
    finally:
        tip_received.connect(enqueue_triage_after_commit, dispatch_uid="triage-on-tip-received")
    db = connection.settings_dict
    outcome: dict[str, str] = {}

    def second_worker() -> None:
        try:
            outcome["result"] = triage_tip(tip_id)
        finally:
            connection.close()

    def second_worker_waits() -> bool:
        row = other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
                            [GATHERING_LOCK]).fetchone()
        return row[0] >= 1

    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [GATHERING_LOCK])  # a first worker, gathering its batch
        thread = threading.Thread(target=second_worker)
        thread.start()
        wait_until(second_worker_waits, timeout=60)
        assert Tip.objects.get(pk=tip_id).status == "received"
        other.execute("SELECT pg_advisory_unlock(%s)", [GATHERING_LOCK])
        thread.join(timeout=60)
    assert outcome["result"] == "triaged" and Tip.objects.get(pk=tip_id).status == "triaged"


def test_a_retry_that_waited_in_the_queue_behind_another_one_does_not_try_again() -> None:
    from triage.tasks import triage_tip as retry_task

    tip_id = _tip("A tip whose triage failed a moment ago, retried by an earlier copy of the task.")
    Tip.objects.filter(pk=tip_id).update(triage_failed_at=timezone.now())
    assert retry_task(tip_id) == "retried_lately"
    assert Tip.objects.get(pk=tip_id).status == "received"

    Tip.objects.filter(pk=tip_id).update(triage_failed_at=timezone.now() - timedelta(minutes=11))
    assert retry_task(tip_id) == "triaged"
