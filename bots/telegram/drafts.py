"""A report written in the bot, kept as it arrives, sent through the same intake as the web form.

Every change names the Telegram message it came from, so an update handled twice (a crash
before it was marked processed) adds nothing twice; `submit_draft` sends once and, asked again,
answers with the same tip.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting import validation
from reporting.intake import SubmittedTip, TipSubmission, submit_tip
from reporting.models import Channel, OccurredWindow, Reporter

from ..models import DraftPhoto, ReportDraft


def start_draft(reporter: Reporter) -> ReportDraft:
    """A fresh draft, carrying the campaign that brought the resident; an unsent one is replaced."""
    with transaction.atomic():
        ReportDraft.objects.filter(reporter=reporter).delete()
        return ReportDraft.objects.create(reporter=reporter, campaign_code=reporter.campaign_code)


def current_draft(reporter: Reporter) -> ReportDraft | None:
    return ReportDraft.objects.filter(reporter=reporter, submitted_tip=None).first()


def discard_draft(reporter: Reporter) -> None:
    ReportDraft.objects.filter(reporter=reporter).delete()


def draft_text(draft: ReportDraft) -> str:
    return "\n\n".join(part["text"] for part in draft.text_parts)


def add_text(draft: ReportDraft, message_id: int, text: str) -> None:
    """Add one message of the report, or replace it when the resident edited it; a report that
    would grow too long is refused and changes nothing."""
    text = validation.clean_free_text(text, min_chars=1, max_chars=settings.TIPLINE_TIP_MAX_CHARS)
    others = [part for part in draft.text_parts if part["message_id"] != message_id]
    parts = [*others, {"message_id": message_id, "text": text}] if len(others) == len(draft.text_parts) else [
        {"message_id": message_id, "text": text} if part["message_id"] == message_id else part
        for part in draft.text_parts
    ]
    if len("\n\n".join(part["text"] for part in parts)) > settings.TIPLINE_TIP_MAX_CHARS:
        raise ValidationError(
            _("That makes the report too long (at most %(max)d characters). Please send a shorter message.")
            % {"max": settings.TIPLINE_TIP_MAX_CHARS},
            code="too_long",
        )
    draft.text_parts = parts
    draft.save(update_fields=["text_parts", "updated_at"])


def check_text_is_enough(draft: ReportDraft) -> None:
    validation.clean_tip_text(draft_text(draft))


def set_pin(draft: ReportDraft, latitude: float, longitude: float) -> None:
    draft.latitude, draft.longitude = validation.clean_coordinates(latitude, longitude)
    draft.save(update_fields=["latitude", "longitude", "updated_at"])


def set_place_name(draft: ReportDraft, text: str) -> None:
    draft.place_name = validation.clean_place_name(text)
    draft.save(update_fields=["place_name", "updated_at"])


def set_window(draft: ReportDraft, window: str) -> None:
    draft.occurred_window = OccurredWindow(window).value
    draft.occurred_text = ""
    draft.save(update_fields=["occurred_window", "occurred_text", "updated_at"])


def set_when_text(draft: ReportDraft, text: str) -> None:
    draft.occurred_text = validation.clean_free_text(text, min_chars=1, max_chars=200)
    draft.occurred_window = ""
    draft.save(update_fields=["occurred_window", "occurred_text", "updated_at"])


def photo_count(draft: ReportDraft) -> int:
    return draft.photos.count()


def add_photo(draft: ReportDraft, message_id: int, data: bytes) -> int:
    """Keep a photo for the report after checking it is one; returns how many there are."""
    if draft.photos.filter(message_id=message_id).exists():
        return photo_count(draft)
    validation.check_photo_count(photo_count(draft) + 1)
    validation.inspect_photo(data)
    DraftPhoto.objects.create(draft=draft, message_id=message_id, data=data)
    return photo_count(draft)


def submit_draft(reporter: Reporter) -> SubmittedTip:
    """Send the draft through intake, once: asked again, it answers with the same tip."""
    with transaction.atomic():
        draft = ReportDraft.objects.select_for_update().get(reporter=reporter)
        if draft.submitted_tip is not None:
            tip = draft.submitted_tip
            return SubmittedTip(tip_id=tip.pk, reference=tip.reference, receipt="", status=tip.status)
        text = draft_text(draft)
        if draft.occurred_text:
            text += "\n\n" + _("When: %(when)s") % {"when": draft.occurred_text}
        submitted = submit_tip(
            TipSubmission(
                text=text,
                channel=Channel.TELEGRAM,
                declared_language=reporter.language,
                place_name=draft.place_name,
                latitude=draft.latitude,
                longitude=draft.longitude,
                occurred_window=draft.occurred_window,
                photos=[bytes(photo.data) for photo in draft.photos.all()],
                campaign_code=draft.campaign_code,
                reporter=reporter,
                issue_receipt=False,  # the bot itself is the way back to the tip
            )
        )
        draft.photos.all().delete()  # the bytes now wait in intake's quarantine
        draft.submitted_tip_id = submitted.tip_id
        draft.save(update_fields=["submitted_tip", "updated_at"])
    return submitted


def purge_old_drafts() -> dict[str, int]:
    cutoff = timezone.now() - settings.TELEGRAM_DRAFT_RETENTION
    deleted, _ = ReportDraft.objects.filter(updated_at__lt=cutoff).delete()
    return {"deleted": deleted}
