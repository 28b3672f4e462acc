"""The learning loop: train a candidate from seed + corrections, compare it, promote it on purpose.

1. A supervisor (or the beat job, off by default) asks for a retraining: a `RetrainingRun` row,
   committed before the worker is asked; the sweeper asks again for a run nobody finished.
2. The worker trains a candidate on the seed set plus caseworkers' corrections, except one in
   `HELD_BACK_EVERY`, kept back (by id, so always the same ones) to compare models on.
3. The candidate is scored beside the active model on the evaluation set and on the held-back
   corrections; the figures are stored on the candidate (`comparison`).
4. Promotion is one click, refused when the candidate scores worse than the active model on
   either set, unless forced with a reason. Both are in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from reporting.audit import record_audit

from . import classify
from .classify import LabelledText, LoadedClassifier
from .models import ClassifierVersion, RetrainingRun, TrainingExample

# One correction in this many (by id) is never trained on: models are compared on them.
HELD_BACK_EVERY = 5
# A candidate may score this much lower in macro F1 on a set before it counts as worse
# (a correction set of a few dozen moves by more than that from one tip).
TOLERANCE = 0.005
COMPARED_SETS = ("evaluation", "corrections")


# --- data -----------------------------------------------------------------------------------------


def corrections() -> tuple[list[LabelledText], list[LabelledText]]:
    """Caseworkers' confirmations and corrections: (to train on, held back to compare on)."""
    train: list[LabelledText] = []
    held_back: list[LabelledText] = []
    rows = TrainingExample.objects.order_by("pk").values_list("pk", "text", "labels", "language")
    for pk, text, labels, language in rows:
        if labels:
            (held_back if pk % HELD_BACK_EVERY == 0 else train).append(LabelledText(text, tuple(labels), language))
    return train, held_back


def candidate_training_data() -> list[LabelledText]:
    """What every new model learns from: the seed set and the corrections not held back."""
    return classify.seed_examples() + corrections()[0]


def evaluation_examples() -> list[LabelledText]:
    path = classify.EVALUATION_PATH
    return classify.read_examples(path) if path.exists() else []


# --- comparison -----------------------------------------------------------------------------------


def _figures(model: LoadedClassifier, examples: Sequence[LabelledText]) -> dict[str, float]:
    report = classify.evaluate_classifier(model, examples, worst=0)
    return {"macro_f1": round(float(report["macro_f1"]), 4), "micro_f1": round(float(report["micro_f1"]), 4)}


def compare(candidate: LoadedClassifier, active: LoadedClassifier | None, held_back: Sequence[LabelledText]) -> dict[str, object]:
    """Both models' figures on each set that has examples."""
    comparison: dict[str, object] = {}
    for name, examples in (("evaluation", evaluation_examples()), ("corrections", list(held_back))):
        if examples:
            comparison[name] = {
                "documents": len(examples),
                "candidate": _figures(candidate, examples),
                "active": _figures(active, examples) if active is not None else None,
            }
    return comparison


def worse_on(comparison: dict[str, object]) -> list[str]:
    """The sets on which the candidate's macro F1 is below the active model's."""
    worse = []
    for name in COMPARED_SETS:
        figures = comparison.get(name)
        if isinstance(figures, dict) and figures.get("active"):
            if figures["candidate"]["macro_f1"] < figures["active"]["macro_f1"] - TOLERANCE:
                worse.append(name)
    return worse


# --- training -------------------------------------------------------------------------------------


def train_candidate(trained_by: AbstractBaseUser | None = None, **training: object) -> ClassifierVersion:
    """Train, register and compare a candidate; it is not promoted."""
    train_part, held_back = corrections()
    name = classify.new_version_name()
    report = classify.train_classifier(
        classify.seed_examples() + train_part, Path(settings.TIPLINE_MODELS_DIR) / name, **training  # type: ignore[arg-type]
    )
    report.summary.update(corrections=len(train_part), held_back_corrections=len(held_back))
    active_version = ClassifierVersion.objects.filter(is_active=True).first()
    active = LoadedClassifier(classify.version_path(active_version), active_version.version) if active_version else None
    candidate = classify.register_version(report, name, trained_by)
    candidate.comparison = compare(LoadedClassifier(report.path, name), active, held_back)
    candidate.compared_with = active_version
    candidate.save(update_fields=["comparison", "compared_with"])
    return candidate


def request_retraining(requested_by: AbstractBaseUser | None = None) -> RetrainingRun:
    """Record the request, then ask a worker once it is committed (the sweeper asks again)."""
    from .tasks import publish_retraining

    run = RetrainingRun.objects.create(requested_by=requested_by if requested_by and requested_by.is_authenticated else None)
    transaction.on_commit(lambda: publish_retraining(run.pk))
    return run


def unfinished_runs() -> list[int]:
    """Runs nobody started for a while, or started so long ago that their worker must have died."""
    now = timezone.now()
    lost = Q(started_at__isnull=True, requested_at__lte=now - timedelta(minutes=2)) | Q(
        started_at__lte=now - timedelta(seconds=settings.TIPLINE_RETRAIN_TIME_LIMIT)
    )
    return list(RetrainingRun.objects.filter(lost, finished_at__isnull=True).values_list("pk", flat=True))


def run_retraining(run_id: int, **training: object) -> ClassifierVersion | None:
    """Carry out one request; a second delivery of a run already started (and alive) does nothing."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.TIPLINE_RETRAIN_TIME_LIMIT)
    claimed = RetrainingRun.objects.filter(
        Q(started_at__isnull=True) | Q(started_at__lte=stale), pk=run_id, finished_at__isnull=True
    ).update(started_at=now)
    if not claimed:
        return None
    run = RetrainingRun.objects.select_related("requested_by").get(pk=run_id)
    try:
        candidate = train_candidate(run.requested_by, **training)
    except Exception as exc:
        RetrainingRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    RetrainingRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), candidate=candidate)
    record_audit(run.requested_by, "trained_classifier", candidate, comparison=candidate.comparison)
    return candidate


# --- promotion ------------------------------------------------------------------------------------


def promote_candidate(
    candidate: ClassifierVersion, by: AbstractBaseUser, *, force: bool = False, reason: str = ""
) -> None:
    """Make the candidate the served model, unless it scores worse and nobody said why."""
    reason = reason.strip()
    active = ClassifierVersion.objects.filter(is_active=True).first()
    if active is not None and active.pk == candidate.pk:
        raise ValidationError(_("This model is already the active one."))
    comparison = candidate.comparison
    if active is not None and (candidate.compared_with_id != active.pk or not comparison):
        # The active model changed since the candidate was compared: compare again, now.
        comparison = compare(
            LoadedClassifier(classify.version_path(candidate), candidate.version),
            LoadedClassifier(classify.version_path(active), active.version),
            corrections()[1],
        )
        candidate.comparison, candidate.compared_with = comparison, active
        candidate.save(update_fields=["comparison", "compared_with"])
    worse = worse_on(comparison) if active is not None else []
    if worse and not force:
        raise ValidationError(
            _("The candidate scores worse than the active model on: %(sets)s. To promote it anyway, "
              "tick “promote anyway” and give the reason.") % {"sets": get_text_list([_set_name(name) for name in worse], _("and"))}
        )
    if worse and not reason:
        raise ValidationError(_("Say why you promote a model that scores worse than the active one."))
    with transaction.atomic():
        classify.promote_version(candidate, by)
        record_audit(by, "promoted_classifier", candidate, replaced=active.version if active else "",
                     forced=bool(worse), worse_on=worse, reason=reason, comparison=comparison)


def _set_name(name: str) -> str:
    return {"evaluation": _("the evaluation set"), "corrections": _("held-back corrections")}.get(name, name)
