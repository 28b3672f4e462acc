"""The learning loop: corrections reach a candidate, which is compared and promoted on purpose.

Sam is a supervisor and Carla a caseworker, both enrolled as `add_staff` enrols them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from reporting.models import AuditEvent
from triage import classify, retraining
from triage.models import ClassifierVersion, RetrainingRun, TrainingExample
from triage.staff import enroll_staff

from ..conftest import verified_login

pytestmark = pytest.mark.django_db

FAST = {"architecture": "bow", "max_epochs": 4, "patience": 2}
# Words no seed tip holds: only the corrections can teach the candidate what they mean.
INVENTED = "zorblax quimbly fnordic"


@pytest.fixture(autouse=True)
def models_dir(tmp_path: Path, settings) -> Path:  # noqa: ANN001
    settings.TIPLINE_MODELS_DIR = tmp_path / "models"
    return settings.TIPLINE_MODELS_DIR


def add_corrections(count: int = 25) -> list[TrainingExample]:
    return [
        TrainingExample.objects.create(
            text=f"{INVENTED} again near the old mill, trip number {i}", labels=["arms_trafficking"], language="en",
        )
        for i in range(count)
    ]


def staff_client(name: str, role: str) -> Client:
    user, _device = enroll_staff(name, role, "a-long-passphrase-" + name)
    client = Client()
    verified_login(client, user)
    return client


def test_corrections_reach_the_candidate_and_some_are_held_back_to_compare(active_model: ClassifierVersion) -> None:
    stored = add_corrections()
    held = [e for e in stored if e.pk % retraining.HELD_BACK_EVERY == 0]

    candidate = retraining.train_candidate(**FAST)

    assert candidate.training_summary["corrections"] == len(stored) - len(held)
    assert candidate.training_summary["held_back_corrections"] == len(held)
    assert candidate.training_summary["examples"] == len(classify.seed_examples()) + len(stored) - len(held)
    assert not candidate.is_active and candidate.compared_with == active_model
    tip = f"{INVENTED} seen last night"
    learned = classify.LoadedClassifier(classify.version_path(candidate)).classify(tip, "en")
    before = classify.LoadedClassifier(classify.version_path(active_model)).classify(tip, "en")
    assert learned.scores["arms_trafficking"] > before.scores["arms_trafficking"] + 0.2
    assert "arms_trafficking" in learned.labels
    if held:
        figures = candidate.comparison["corrections"]
        assert figures["documents"] == len(held) and figures["active"] is not None
    if classify.EVALUATION_PATH.exists():
        assert candidate.comparison["evaluation"]["documents"] == len(classify.read_examples(classify.EVALUATION_PATH))


def test_a_supervisor_trains_compares_and_promotes_only_with_a_reason_when_worse(active_model: ClassifierVersion) -> None:
    add_corrections()
    sam = staff_client("sam", "supervisor")
    page = sam.get("/en/admin/triage/classifierversion/")
    assert page.status_code == 200 and "Train a candidate" in page.content.decode()

    assert sam.post("/en/admin/triage/classifierversion/train/").status_code == 302
    run = RetrainingRun.objects.get()
    assert "waits for a worker" in sam.get("/en/admin/triage/classifierversion/").content.decode()
    candidate = retraining.run_retraining(run.pk, **FAST)  # what the worker's task does
    assert candidate is not None and retraining.run_retraining(run.pk, **FAST) is None  # a second delivery: nothing
    run.refresh_from_db()
    assert run.finished_at and run.candidate == candidate and not run.error
    assert AuditEvent.objects.filter(action="trained_classifier", object_id=str(candidate.pk)).exists()

    promote_url = f"/en/admin/triage/classifierversion/{candidate.pk}/promote/"
    assert "data-comparison" in sam.get(promote_url).content.decode()

    # Say the candidate came out worse on held-back corrections than the model in service.
    candidate.comparison = {"corrections": {
        "documents": 10, "candidate": {"macro_f1": 0.5, "micro_f1": 0.5}, "active": {"macro_f1": 0.7, "micro_f1": 0.7}}}
    candidate.save(update_fields=["comparison"])
    refused = sam.post(promote_url, {"reason": "trust me"})
    assert refused.status_code == 200 and "scores worse" in refused.content.decode()
    no_reason = sam.post(promote_url, {"force": "on", "reason": "  "})
    assert no_reason.status_code == 200 and "Say why" in no_reason.content.decode()
    assert ClassifierVersion.objects.get(is_active=True) == active_model

    forced = sam.post(promote_url, {"force": "on", "reason": "the held-back set is ten old tips"})
    assert forced.status_code == 302
    assert ClassifierVersion.objects.get(is_active=True) == candidate
    audit = AuditEvent.objects.get(action="promoted_classifier")
    assert audit.detail["forced"] is True and audit.detail["worse_on"] == ["corrections"]
    assert audit.detail["reason"] == "the held-back set is ten old tips" and audit.detail["replaced"] == active_model.version
    classify.forget_active_classifier()


def test_a_better_candidate_is_promoted_in_one_click(active_model: ClassifierVersion) -> None:
    sam = staff_client("sam", "supervisor")
    candidate = retraining.train_candidate(**FAST)
    candidate.comparison = {"evaluation": {
        "documents": 600, "candidate": {"macro_f1": 0.8, "micro_f1": 0.8}, "active": {"macro_f1": 0.6, "micro_f1": 0.6}}}
    candidate.save(update_fields=["comparison"])
    assert sam.post(f"/en/admin/triage/classifierversion/{candidate.pk}/promote/", {}).status_code == 302
    assert ClassifierVersion.objects.get(is_active=True) == candidate
    assert AuditEvent.objects.get(action="promoted_classifier").detail["forced"] is False
    classify.forget_active_classifier()


def test_a_caseworker_can_neither_train_nor_promote(active_model: ClassifierVersion) -> None:
    carla = staff_client("carla", "caseworker")
    assert carla.post("/en/admin/triage/classifierversion/train/").status_code == 403
    assert carla.post(f"/en/admin/triage/classifierversion/{active_model.pk}/promote/", {}).status_code == 403
    assert not RetrainingRun.objects.exists()


def test_the_sweeper_finds_runs_nobody_finished() -> None:
    now = timezone.now()
    waiting = RetrainingRun.objects.create(requested_at=now - timedelta(minutes=5))
    RetrainingRun.objects.create(requested_at=now)  # just asked: a worker is on its way
    RetrainingRun.objects.create(requested_at=now - timedelta(hours=2), started_at=now - timedelta(minutes=1))
    died = RetrainingRun.objects.create(requested_at=now - timedelta(hours=3), started_at=now - timedelta(hours=2))
    RetrainingRun.objects.create(requested_at=now - timedelta(hours=3), started_at=now - timedelta(hours=2), finished_at=now)
    assert sorted(retraining.unfinished_runs()) == sorted([waiting.pk, died.pk])
