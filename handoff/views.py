"""Photo links in packets: signed, expiring, and only for photos of the handed-off incident."""

from __future__ import annotations

from django.core import signing
from django.http import FileResponse, Http404, HttpRequest

from reporting.models import Attachment, AttachmentState

from .models import Handoff
from .packets import read_photo_token


def handoff_photo(request: HttpRequest, token: str) -> FileResponse:
    try:
        handoff_id, attachment_id = read_photo_token(token)
    except signing.BadSignature:  # expired links too (SignatureExpired is a BadSignature)
        raise Http404 from None
    handoff = Handoff.objects.filter(pk=handoff_id).first()
    attachment = Attachment.objects.filter(
        pk=attachment_id, state=AttachmentState.CLEAN, tip__triage__incident_id=handoff.incident_id if handoff else None
    ).first()
    if attachment is None or not attachment.file:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
