"""Retention: a tip closed longer ago than TIPLINE_RETENTION_DAYS goes, with all that came from it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from handoff.models import Agency, Handoff
from reporting.intake import TipSubmission, submit_tip
from reporting.models import Attachment, Channel, Message, Tip, TipEvent
from tests.conftest import make_photo
from triage.models import Incident, TipBand, TipTriage, TrainingExample
from triage.pipeline import triage_tip
from triage.retention import purge_expired_tips

pytestmark = pytest.mark.django_db

CONVOY = "A convoy of three white vans crosses the dry riverbed near the old mill every night at two."


def _triaged(text: str, **fields: object) -> Tip:
    tip_id = submit_tip(TipSubmission(text=text, channel=Channel.WEB, **fields)).tip_id
    triage_tip(tip_id)
    return Tip.objects.get(pk=tip_id)


def _age(tip: Tip, status: str, days: int) -> None:
    Tip.objects.filter(pk=tip.pk).update(status=status, status_changed_at=timezone.now() - timedelta(days=days))


def test_tips_closed_past_the_retention_period_go_with_their_files_history_and_empty_incidents(
    settings: object, django_capture_on_commit_callbacks  # noqa: ANN001
) -> None:
    settings.TIPLINE_RETENTION_DAYS = 365  # type: ignore[attr-defined]
    old = _triaged("Boats unload sacks of rice at the southern pier at dawn, men paid in cash.", photos=[make_photo()])
    Message.objects.create(tip=old, direction="to_reporter", body="Which pier exactly?")
    TrainingExample.objects.create(tip=old, text=old.redacted_text, labels=["goods_smuggling"])
    photo = Attachment.objects.get(tip=old).file.name
    alone = old.triage.incident
    Handoff.objects.create(incident=alone, agency=Agency.objects.create(name="Customs"), state="actioned")
    shared_old, shared_open = _triaged(CONVOY), _triaged(CONVOY + " Again tonight.")
    shared = shared_old.triage.incident
    assert shared_open.triage.incident == shared and shared.tip_count == 2
    recent = _triaged("Somebody sells fake passports at the bus terminal, ask for Juan.")
    still_open = _triaged("A man with a rifle guards the tunnel entrance behind the warehouse.")
    _age(old, "closed", 400)
    _age(shared_old, "handed_off", 366)
    _age(recent, "rejected_spam", 30)
    _age(still_open, "verified", 900)  # open work is never purged, however old
    assert storages["default"].exists(photo)

    with django_capture_on_commit_callbacks(execute=True):
        purged = purge_expired_tips()

    assert (purged.tips, purged.incidents, purged.handoffs, purged.files) == (2, 1, 1, 1)
    assert set(Tip.objects.values_list("pk", flat=True)) == {shared_open.pk, recent.pk, still_open.pk}
    assert not storages["default"].exists(photo)
    for model in (Attachment, Message, TipEvent, TipTriage, TipBand, TrainingExample):
        assert not model.objects.filter(tip_id__in=[old.pk, shared_old.pk]).exists(), model
    assert not Incident.objects.filter(pk=alone.pk).exists() and not Handoff.objects.exists()
    shared.refresh_from_db()
    assert shared.tip_count == 1 and shared.reporter_count == 1
    assert purge_expired_tips().tips == 0
