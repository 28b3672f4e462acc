"""Sam, a supervisor, writes to a reporter from the tip's admin page; the bot delivers it."""

from __future__ import annotations

import pytest
from django.test import Client

from reporting.models import DeliveryState, Message, MessageDirection
from reporting.notices import deliver_message

from .conftest import Bot
from .residents import Resident
from .test_conversations import send_a_report

pytestmark = pytest.mark.django_db


def post_message(staff: Client, tip_id: int, body: str) -> int:
    url = f"/en/admin/reporting/tip/{tip_id}/change/"
    page = staff.get(url)
    data: dict[str, str] = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{name}": str(value) for name, value in management.initial.items()})
        for existing in inline.formset.forms:  # rows already there (the status history) send their ids
            data.update({field.html_name: str(field.value() or "") for field in existing.hidden_fields()})
        if inline.formset.model is Message and inline.formset.max_num == 1:
            data[f"{inline.formset.prefix}-0-body"] = body
    return staff.post(url, data).status_code


def test_staff_write_and_the_resident_gets_it_in_telegram(bot: Bot, supervisor: Client) -> None:
    layla = Resident(777_000_001)
    tip = send_a_report(bot, layla)
    assert post_message(supervisor, tip.pk, "Did you see the driver's face?") == 302
    message = Message.objects.get(tip=tip, direction=MessageDirection.TO_REPORTER)
    assert message.delivery_state == DeliveryState.PENDING and message.author is not None
    deliver_message(message.pk)
    assert "Did you see the driver's face?" in bot.api.last_text_to(layla.chat_id)
    page = supervisor.get(f"/en/admin/reporting/tip/{tip.pk}/change/").content.decode()
    assert "Did you see the driver&#x27;s face?" in page and "Sent" in page


def test_an_empty_box_sends_nothing(bot: Bot, supervisor: Client) -> None:
    tip = send_a_report(bot, Resident(777_000_002))
    assert post_message(supervisor, tip.pk, "") == 302
    assert not Message.objects.exists()
