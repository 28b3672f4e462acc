"""The intake service, called directly as every channel calls it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages

from reporting.intake import TipSubmission, add_reporter_reply, open_tip, submit_tip
from reporting.models import Attachment, Channel, Message, Reporter, Tip, TipEvent, TipStatus
from reporting.receipts import check_receipt
from reporting.signals import tip_received
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db

TEXT = "A grey pickup crosses the river at the old ford every night around 2 am."


def test_it_stores_the_tip_with_a_pseudonymous_reporter_and_a_hashed_receipt() -> None:
    submitted = submit_tip(TipSubmission(text=TEXT, channel=Channel.WEB, declared_language="en"))

    tip = Tip.objects.get(reference=submitted.reference)
    assert tip.text == TEXT and tip.status == TipStatus.RECEIVED
    assert tip.reporter.pseudonym.startswith("R-") and tip.reporter.lookup_key is None
    assert len(submitted.receipt) == 16 and submitted.receipt.isdigit()
    assert submitted.receipt not in tip.receipt_hash
    assert check_receipt(submitted.receipt, tip.receipt_hash)
    assert list(TipEvent.objects.values_list("to_status", "actor_label")) == [("received", "reporter")]


def test_it_announces_the_tip_only_after_the_commit(django_capture_on_commit_callbacks) -> None:
    announced: list[int] = []

    def receiver(sender: object, tip_id: int, **kwargs: object) -> None:
        announced.append(tip_id)

    tip_received.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            submitted = submit_tip(TipSubmission(text=TEXT, channel=Channel.API))
        assert announced == []  # nothing is told before the commit
        for callback in callbacks:
            callback()
    finally:
        tip_received.disconnect(receiver)
    assert announced == [submitted.tip_id]


def test_it_normalises_the_text() -> None:
    submitted = submit_tip(TipSubmission(text="  Cafe\u0301 owner\r\nsells fuel at night  ", channel=Channel.WEB))
    assert Tip.objects.get(pk=submitted.tip_id).text == "Café owner\nsells fuel at night"


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"text": ""}, "text"),
        ({"text": "too short"}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": TEXT + "\x00\x07"}, "text"),
        ({"latitude": 91.0, "longitude": 10.0}, "location"),
        ({"latitude": 10.0}, "location"),
        ({"occurred_window": "last-century"}, "occurred"),
        ({"photos": [b"not an image at all"]}, "photos"),
        ({"photos": [make_photo()] * 6}, "photos"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(fields: dict, error_field: str) -> None:
    submission = TipSubmission(**{"text": TEXT, "channel": Channel.WEB, **fields})
    with pytest.raises(ValidationError) as caught:
        submit_tip(submission)
    assert error_field in caught.value.message_dict
    assert Tip.objects.count() == 0 and Reporter.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_photos_wait_in_quarantine_under_random_names() -> None:
    submitted = submit_tip(
        TipSubmission(text=TEXT, channel=Channel.WEB, photos=[make_photo(gps=True), make_photo("PNG")])
    )
    attachments = list(Attachment.objects.filter(tip_id=submitted.tip_id))
    assert [a.state for a in attachments] == ["pending", "pending"]
    assert {a.content_type for a in attachments} == {"image/jpeg", "image/png"}
    for attachment in attachments:
        assert attachment.quarantine_name.endswith(".upload")
        assert storages["quarantine"].exists(attachment.quarantine_name)
        assert not attachment.file


def test_a_known_reporter_keeps_their_pseudonym_and_gets_no_receipt() -> None:
    reporter = Reporter.objects.create(pseudonym="R-KNOWN234", channel=Channel.TELEGRAM)
    submitted = submit_tip(
        TipSubmission(text=TEXT, channel=Channel.TELEGRAM, reporter=reporter, issue_receipt=False)
    )
    tip = Tip.objects.get(pk=submitted.tip_id)
    assert tip.reporter == reporter and submitted.receipt == "" and tip.receipt_hash == ""


def test_reference_and_receipt_open_the_tip_and_nothing_else_does() -> None:
    first = submit_tip(TipSubmission(text=TEXT, channel=Channel.WEB))
    second = submit_tip(TipSubmission(text=TEXT + " Again.", channel=Channel.WEB))

    assert open_tip(first.reference.lower().replace("-", " "), first.receipt).pk == first.tip_id
    assert open_tip(first.reference, second.receipt) is None
    assert open_tip("T-ZZZZ-ZZ", first.receipt) is None
    assert open_tip("garbage", first.receipt) is None


def test_a_reporter_reply_lands_in_the_thread() -> None:
    submitted = submit_tip(TipSubmission(text=TEXT, channel=Channel.WEB))
    tip = Tip.objects.get(pk=submitted.tip_id)
    add_reporter_reply(tip, "It was a blue van, not grey.")
    assert list(Message.objects.values_list("direction", "body")) == [
        ("from_reporter", "It was a blue van, not grey.")
    ]
    with pytest.raises(ValidationError):
        add_reporter_reply(tip, "   ")
    assert Message.objects.count() == 1
