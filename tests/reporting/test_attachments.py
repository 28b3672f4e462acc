"""Photos come out of quarantine re-encoded: no EXIF GPS, no camera model, original gone."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from PIL import Image

from reporting.attachments import (
    clean_attachment,
    clean_pending_attachments,
    purge_stale_quarantine,
)
from reporting.intake import TipSubmission, submit_tip
from reporting.models import Attachment, Channel
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db

TEXT = "Photo of the truck that waits near the border fence every evening."


def _submit(*photos: bytes) -> int:
    return submit_tip(TipSubmission(text=TEXT, channel=Channel.WEB, photos=list(photos))).tip_id


def test_the_test_photo_really_carries_gps(jpeg_with_gps: bytes) -> None:
    exif = Image.open(io.BytesIO(jpeg_with_gps)).getexif()
    assert exif.get_ifd(0x8825) and exif[0x0110] == "Model X"


def test_a_jpeg_with_gps_comes_out_without_it(jpeg_with_gps: bytes) -> None:
    tip_id = _submit(jpeg_with_gps)
    attachment = Attachment.objects.get(tip_id=tip_id)
    quarantined = attachment.quarantine_name

    assert clean_attachment(attachment.pk) == "clean"

    attachment.refresh_from_db()
    assert attachment.state == "clean" and attachment.quarantine_name == ""
    assert not storages["quarantine"].exists(quarantined)
    with default_storage.open(attachment.file.name, "rb") as handle:
        data = handle.read()
    cleaned = Image.open(io.BytesIO(data))
    assert cleaned.format == "JPEG" and cleaned.size == (64, 48)
    assert len(cleaned.getexif()) == 0 and "exif" not in cleaned.info
    assert b"Model X" not in data and b"PhoneMaker" not in data
    assert len(attachment.sha256) == 64 and attachment.byte_size == len(data)


def test_orientation_is_applied_before_the_metadata_goes() -> None:
    image = Image.new("RGB", (60, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    tip_id = _submit(out.getvalue())
    clean_pending_attachments(tip_id)
    attachment = Attachment.objects.get(tip_id=tip_id)
    assert (attachment.width, attachment.height) == (20, 60)


def test_transparent_images_stay_png() -> None:
    tip_id = _submit(make_photo("PNG", mode="RGBA"))
    clean_pending_attachments(tip_id)
    attachment = Attachment.objects.get(tip_id=tip_id)
    assert attachment.content_type == "image/png" and attachment.file.name.endswith(".png")


def test_cleaning_twice_changes_nothing(jpeg_with_gps: bytes) -> None:
    tip_id = _submit(jpeg_with_gps)
    assert clean_pending_attachments(tip_id) == {"clean": 1}
    first = Attachment.objects.get(tip_id=tip_id)
    assert clean_attachment(first.pk) == "skipped"
    assert clean_pending_attachments(tip_id) == {}
    assert Attachment.objects.get(tip_id=tip_id).file == first.file


def test_a_file_that_cannot_be_decoded_is_rejected_and_deleted() -> None:
    tip_id = _submit(make_photo())
    attachment = Attachment.objects.get(tip_id=tip_id)
    storages["quarantine"].delete(attachment.quarantine_name)
    storages["quarantine"].save(attachment.quarantine_name, ContentFile(b"garbage"))
    assert clean_attachment(attachment.pk) == "rejected"
    attachment.refresh_from_db()
    assert attachment.state == "rejected" and not attachment.file
    assert not storages["quarantine"].exists(attachment.quarantine_name)


def test_the_purge_removes_only_orphaned_quarantine_files(settings) -> None:
    from datetime import timedelta

    tip_id = _submit(make_photo())
    pending = Attachment.objects.get(tip_id=tip_id).quarantine_name
    orphan = storages["quarantine"].save("orphan.upload", ContentFile(b"left by a crash"))
    assert purge_stale_quarantine(older_than=timedelta(0)) == {"purged": 1}
    assert storages["quarantine"].exists(pending) and not storages["quarantine"].exists(orphan)
