"""The one intake service every channel calls (web form, API, Telegram). See docs/intake.md.

A tip is committed, with its attachments in quarantine, before the caller learns its
reference; triage is announced only after that commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import validation
from .models import (
    Attachment,
    Channel,
    DeliveryState,
    Message,
    MessageDirection,
    OccurredWindow,
    Reporter,
    Tip,
    TipEvent,
    TipStatus,
)
from .privacy import new_pseudonym
from .receipts import (
    check_receipt,
    decoy_check,
    hash_receipt,
    new_receipt,
    new_reference,
    normalise_reference,
)
from .regions import region_for
from .signals import reporter_replied, tip_received

logger = logging.getLogger(__name__)

# Approximate offsets for "roughly when"; the window itself is kept beside the estimate.
_WINDOW_OFFSETS = {
    OccurredWindow.NOW: timedelta(0),
    OccurredWindow.TODAY: timedelta(hours=6),
    OccurredWindow.YESTERDAY: timedelta(days=1),
    OccurredWindow.THIS_WEEK: timedelta(days=3),
    OccurredWindow.EARLIER: timedelta(days=14),
}


def occurred_at_for(window: str, received_at: datetime) -> datetime | None:
    """The approximate time of the event from the form's "when" answer."""
    return received_at - _WINDOW_OFFSETS[OccurredWindow(window)] if window else None


@dataclass(frozen=True)
class TipSubmission:
    text: str
    channel: str
    declared_language: str = ""
    place_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    location_precision_m: int | None = None
    occurred_window: str = ""
    photos: Sequence[bytes] = field(default_factory=tuple)
    campaign_code: str = ""
    # A known reporter (Telegram); None makes a one-off pseudonym (web and API).
    reporter: Reporter | None = None
    issue_receipt: bool = True


@dataclass(frozen=True)
class SubmittedTip:
    tip_id: int
    reference: str
    receipt: str  # shown once; empty when no receipt was asked for
    status: str


def clean_submission(submission: TipSubmission) -> dict[str, object]:
    """Every check, collected per field; raises ValidationError(dict) and touches nothing."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, object] = {}

    def check(name: str, func: Callable[..., object], *args: object) -> None:
        try:
            cleaned[name] = func(*args)
        except ValidationError as exc:
            errors.setdefault(name, []).append(exc)

    check("text", validation.clean_tip_text, submission.text)
    check("place_name", validation.clean_place_name, submission.place_name)
    check("location", validation.clean_coordinates, submission.latitude, submission.longitude)
    if submission.channel not in Channel.values:
        errors.setdefault("channel", []).append(ValidationError(_("Unknown channel.")))
    if submission.occurred_window and submission.occurred_window not in OccurredWindow.values:
        errors.setdefault("occurred", []).append(
            ValidationError(_("Choose one of the offered times."), code="occurred_choice")
        )
    photos: list[validation.PhotoInfo] = []
    try:
        validation.check_photo_count(len(submission.photos))
        for data in submission.photos:
            photos.append(validation.inspect_photo(data))
    except ValidationError as exc:
        errors.setdefault("photos", []).append(exc)
    if errors:
        raise ValidationError(errors)
    cleaned["photos"] = photos
    return cleaned


def submit_tip(submission: TipSubmission) -> SubmittedTip:
    """Validate, store the tip and its quarantined photos in one transaction, then announce it."""
    cleaned = clean_submission(submission)
    latitude, longitude = cleaned["location"]  # type: ignore[misc]
    receipt = new_receipt() if submission.issue_receipt else ""
    receipt_hash = hash_receipt(receipt) if receipt else ""
    now = timezone.now()
    window = submission.occurred_window
    occurred_at = occurred_at_for(window, now)

    quarantine = storages["quarantine"]
    # Files first, under random names (the reporter's own file name can say who they are);
    # the transaction below may be retried, and the files must not be written twice.
    saved_names = [quarantine.save(f"{uuid.uuid4().hex}.upload", ContentFile(data)) for data in submission.photos]
    fields = {
        "channel": submission.channel,
        "declared_language": submission.declared_language[:8],
        "text": cleaned["text"],
        "place_name": cleaned["place_name"],
        "region": region_for(latitude, longitude),
        "latitude": latitude,
        "longitude": longitude,
        "location_precision_m": submission.location_precision_m,
        "occurred_window": window,
        "occurred_at": occurred_at,
        "received_at": now,
        "status_changed_at": now,
        "receipt_hash": receipt_hash,
        "campaign_code": submission.campaign_code[:32],
    }
    try:
        for attempt in range(5):
            reference = new_reference()
            try:
                tip = _store(submission, fields, reference, saved_names, cleaned["photos"])  # type: ignore[arg-type]
                break
            except IntegrityError:
                # A drawn reference was taken (1 in ~10^8 today): draw again in a new transaction.
                if attempt == 4 or not Tip.objects.filter(reference=reference).exists():
                    raise
    except BaseException:
        for name in saved_names:  # the rows are gone with the rollback; so must the files be
            quarantine.delete(name)
        raise
    return SubmittedTip(tip_id=tip.pk, reference=tip.reference, receipt=receipt, status=tip.status)


def _store(
    submission: TipSubmission,
    fields: dict[str, object],
    reference: str,
    quarantine_names: list[str],
    photos: list[validation.PhotoInfo],
) -> Tip:
    with transaction.atomic():
        reporter = submission.reporter or Reporter.objects.create(
            pseudonym=new_pseudonym(), channel=submission.channel
        )
        tip = Tip.objects.create(reference=reference, reporter=reporter, **fields)
        TipEvent.objects.create(
            tip=tip, from_status="", to_status=TipStatus.RECEIVED, actor_label="reporter", at=tip.received_at
        )
        Attachment.objects.bulk_create(
            Attachment(
                tip=tip,
                quarantine_name=name,
                content_type=info.content_type,
                width=info.width,
                height=info.height,
                byte_size=info.byte_size,
            )
            for name, info in zip(quarantine_names, photos, strict=True)
        )
        transaction.on_commit(lambda: tip_received.send(sender=Tip, tip_id=tip.pk))
    return tip


def add_reporter_reply(tip: Tip, text: str) -> Message:
    """The reporter answers in the tip's thread (status page, API, or a reply in the bot)."""
    body = validation.clean_message_text(text)
    with transaction.atomic():
        message = Message.objects.create(
            tip=tip,
            direction=MessageDirection.FROM_REPORTER,
            body=body,
            delivery_state=DeliveryState.SENT,
            delivered_at=timezone.now(),
        )
        transaction.on_commit(lambda: reporter_replied.send(sender=Message, message_id=message.pk))
    return message


def messages_for_reporter(tip: Tip) -> list[Message]:
    """The thread as the reporter sees it: no staff names, nothing internal."""
    return list(tip.messages.only("direction", "body", "created_at").order_by("created_at", "id"))


def record_status_change(
    tip: Tip,
    to_status: str,
    *,
    actor_label: str = "system",
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> TipEvent:
    """Move a tip to a new status and record the transition (call inside a transaction)."""
    return record_status_changes([tip], to_status, actor_label=actor_label, actor=actor, note=note)[0]


def record_status_changes(
    tips: Sequence[Tip],
    to_status: str,
    *,
    actor_label: str = "system",
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> list[TipEvent]:
    """The same for many tips, in one insert (the triage pipeline moves tips in batches).

    Sets each tip's status fields; the caller saves the tips, inside the same transaction.
    """
    now = timezone.now()
    events = TipEvent.objects.bulk_create(
        TipEvent(tip=tip, from_status=tip.status, to_status=to_status, actor=actor, actor_label=actor_label,
                 note=note, at=now)
        for tip in tips
    )
    from .notices import announce_status_change  # notices reads statuses from this module

    for tip, event in zip(tips, events, strict=True):
        tip.status = to_status
        tip.status_changed_at = event.at
        announce_status_change(event)
    return events


def open_tip(reference: str, receipt: str) -> Tip | None:
    """The tip that reference + receipt open, or None; unknown references cost the same time."""
    normalised = normalise_reference(reference)
    tip = Tip.objects.filter(reference=normalised).first() if normalised else None
    if tip is None or not tip.receipt_hash:
        decoy_check(receipt)
        return None
    return tip if check_receipt(receipt, tip.receipt_hash) else None


# What a reporter is told: neutral wording that never reveals a caseworker's judgement of them.
_REPORTER_STATUS = {
    TipStatus.RECEIVED: gettext_lazy("Received. It will be reviewed soon."),
    TipStatus.TRIAGED: gettext_lazy("Received. It will be reviewed soon."),
    TipStatus.IN_REVIEW: gettext_lazy("Being reviewed."),
    TipStatus.VERIFIED: gettext_lazy("Reviewed and confirmed."),
    TipStatus.REJECTED_SPAM: gettext_lazy("Reviewed and closed."),
    TipStatus.REJECTED_NOT_ACTIONABLE: gettext_lazy("Reviewed and closed."),
    TipStatus.REJECTED_DUPLICATE: gettext_lazy("Reviewed together with other reports of the same event."),
    TipStatus.HANDED_OFF: gettext_lazy("Passed to a partner agency."),
    TipStatus.CLOSED: gettext_lazy("Closed."),
}


def reporter_facing_status(status: str) -> str:
    return str(_REPORTER_STATUS.get(TipStatus(status), ""))
