"""Cleaning photos: re-encode pixels only, so EXIF (GPS, device) and other metadata are gone.

The original upload waits in the quarantine storage and is deleted once a clean copy exists.
Nobody can open an attachment before this has run (views serve only CLEAN ones).
"""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps

from .models import Attachment, AttachmentState

logger = logging.getLogger(__name__)


def reencode_without_metadata(data: bytes, max_side: int | None = None) -> tuple[bytes, str, str]:
    """Return (bytes, content type, extension) of a fresh image built from the pixels alone.

    Orientation from EXIF is applied to the pixels first, so the photo still looks right.
    Images with transparency become PNG, everything else JPEG. With `max_side`, a larger image
    is scaled down to fit it.
    """
    with Image.open(io.BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original)
        if max_side is not None:
            image.thumbnail((max_side, max_side))
        has_alpha = image.mode in {"RGBA", "LA"} or (
            image.mode == "P" and "transparency" in image.info
        )
        pixels = image.convert("RGBA" if has_alpha else "RGB")
    # Copy into a new image object: nothing from the original's info dict can ride along.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png", "png"
    clean.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue(), "image/jpeg", "jpg"


def clean_attachment(attachment_id: int) -> str:
    """Clean one pending attachment; idempotent (a second run finds it no longer pending)."""
    quarantine = storages["quarantine"]
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.state != AttachmentState.PENDING:
        return "skipped"
    try:
        with quarantine.open(attachment.quarantine_name, "rb") as handle:
            original = handle.read()
        data, content_type, extension = reencode_without_metadata(original)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        Attachment.objects.filter(pk=attachment_id, state=AttachmentState.PENDING).update(
            state=AttachmentState.REJECTED, rejection_reason=type(exc).__name__
        )
        _delete_quietly(attachment.quarantine_name)
        logger.warning("attachment %s could not be cleaned: %s", attachment_id, type(exc).__name__)
        return "rejected"

    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(f"photos/{digest}.{extension}", ContentFile(data))
    with Image.open(io.BytesIO(data)) as cleaned:
        width, height = cleaned.size
    with transaction.atomic():
        claimed = Attachment.objects.filter(pk=attachment_id, state=AttachmentState.PENDING).update(
            state=AttachmentState.CLEAN,
            file=name,
            content_type=content_type,
            width=width,
            height=height,
            byte_size=len(data),
            sha256=digest,
            cleaned_at=timezone.now(),
            quarantine_name="",
        )
    if claimed != 1:  # another run got there first; keep its file, drop ours
        if not Attachment.objects.filter(file=name).exists():
            default_storage.delete(name)
        return "skipped"
    _delete_quietly(attachment.quarantine_name)
    return "clean"


def clean_pending_attachments(*tip_ids: int) -> dict[str, int]:
    """Clean every pending attachment of these tips (one query to find them: most tips have none)."""
    outcome: dict[str, int] = {}
    pending = Attachment.objects.filter(tip_id__in=tip_ids, state=AttachmentState.PENDING).order_by("pk")
    for attachment_id in pending.values_list("pk", flat=True):
        result = clean_attachment(attachment_id)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


def purge_stale_quarantine(older_than: timedelta = timedelta(days=1)) -> dict[str, int]:
    """Delete quarantine files no pending attachment refers to (left by a crash mid-clean)."""
    quarantine = storages["quarantine"]
    try:
        _dirs, files = quarantine.listdir("")
    except FileNotFoundError:
        return {"purged": 0}
    in_use = set(
        Attachment.objects.filter(state=AttachmentState.PENDING).values_list(
            "quarantine_name", flat=True
        )
    )
    cutoff = timezone.now() - older_than
    purged = 0
    for name in files:
        if name in in_use or quarantine.get_modified_time(name) > cutoff:
            continue
        quarantine.delete(name)
        purged += 1
    return {"purged": purged}


def _delete_quietly(name: str) -> None:
    try:
        storages["quarantine"].delete(name)
    except OSError:
        logger.warning("quarantine file could not be deleted; the purge job will retry")
