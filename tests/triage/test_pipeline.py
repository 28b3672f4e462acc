from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Attachment, Channel, Tip, TipEvent
from tests.conftest import make_photo
from triage.pipeline import TriageContext, triage_tip
from triage.tasks import find_untriaged_tips

pytestmark = pytest.mark.django_db


def _tip(text: str, **fields: object) -> int:
    fields.setdefault("photos", [make_photo(gps=True)])
    return submit_tip(TipSubmission(text=text, channel=Channel.WEB, declared_language="en", **fields)).tip_id


def test_it_triages_a_tip_once_with_language_timings_and_clean_photos() -> None:
    tip_id = _tip("Hombres armados esperan los camiones en el vado cada noche.")

    assert triage_tip(tip_id) == "triaged"

    tip = Tip.objects.get(pk=tip_id)
    assert tip.status == "triaged" and tip.detected_language == "es" and tip.triaged_at
    assert set(tip.triage_timings) == {"attachments", "language", "identifiers", "classify", "duplicates", "record"}
    assert Attachment.objects.get(tip_id=tip_id).state == "clean"
    assert triage_tip(tip_id) == "already_triaged"
    assert list(TipEvent.objects.filter(tip_id=tip_id).values_list("to_status", flat=True)) == [
        "received", "triaged"]


def test_a_missing_tip_is_not_an_error() -> None:
    assert triage_tip(987654) == "missing"


def test_later_steps_plug_in_and_write_in_the_same_transaction() -> None:
    tip_id = _tip("Smugglers use the drainage tunnel under the road at night.")

    def shout(context: TriageContext) -> None:
        context.tip_updates["redacted_text"] = context.text.upper()

    assert triage_tip(tip_id, steps=[("shout", shout)]) == "triaged"
    tip = Tip.objects.get(pk=tip_id)
    assert tip.redacted_text.startswith("SMUGGLERS") and list(tip.triage_timings) == ["shout", "record"]


def test_a_step_that_fails_leaves_the_tip_received_for_a_retry() -> None:
    tip_id = _tip("The same boat again at the pier with many people in it.")

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
    assert find_untriaged_tips(timedelta(minutes=1)) == [old]
    triage_tip(old)
    assert find_untriaged_tips(timedelta(minutes=1)) == []
    assert fresh not in find_untriaged_tips(timedelta(minutes=1))


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
