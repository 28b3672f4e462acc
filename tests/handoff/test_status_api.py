"""The agency API: acknowledge and report an outcome with the agency's token; reporters hear a
neutral word in their language."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from handoff.actions import create_handoff, issue_credentials, mark_delivered
from handoff.models import Agency, Handoff, HandoffState
from reporting.models import AuditEvent, Message, MessageDirection
from reporting.notices import deliver_message
from tests.bots.conftest import Bot
from tests.bots.residents import Resident
from tests.bots.test_conversations import send_a_report
from triage.models import Incident

from .conftest import make_incident

pytestmark = pytest.mark.django_db


def post_status(api: APIClient, handoff: Handoff, token: str, body: dict[str, str]) -> object:
    return api.post(f"/api/v1/handoffs/{handoff.pk}/status", body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def delivered(incident: Incident, agencies: dict[str, Agency]) -> tuple[Handoff, str]:
    token = issue_credentials(agencies["nora"]).api_token
    handoff = create_handoff(incident, agencies["nora"], by=None)
    mark_delivered(handoff)
    return handoff, token


def test_the_agency_acknowledges_then_reports_an_outcome(api: APIClient, delivered: tuple[Handoff, str]) -> None:
    handoff, token = delivered
    response = post_status(api, handoff, token, {"status": "acknowledged"})
    assert response.status_code == 200 and response.json()["state"] == HandoffState.ACKNOWLEDGED
    response = post_status(api, handoff, token, {"status": "actioned", "note": "Vehicle stopped at km 12."})
    assert response.status_code == 200
    handoff.refresh_from_db()
    assert (handoff.state, handoff.outcome_note) == (HandoffState.ACTIONED, "Vehicle stopped at km 12.")
    assert handoff.acknowledged_at is not None and handoff.outcome_at is not None
    assert AuditEvent.objects.filter(action="agency_actioned").exists()
    assert post_status(api, handoff, token, {"status": "acknowledged"}).json()["state"] == HandoffState.ACTIONED


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer wrong-token", "Basic abc"])
def test_without_the_agencys_token_nothing_changes(api: APIClient, delivered: tuple[Handoff, str], header: str) -> None:
    handoff, _token = delivered
    response = api.post(f"/api/v1/handoffs/{handoff.pk}/status", {"status": "actioned"}, format="json",
                        HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.DELIVERED


def test_another_agencys_handoff_is_not_found(api: APIClient, delivered: tuple[Handoff, str],
                                              agencies: dict[str, Agency]) -> None:
    handoff, _token = delivered
    other_token = issue_credentials(agencies["diego"]).api_token
    assert post_status(api, handoff, other_token, {"status": "actioned"}).status_code == 404


@pytest.mark.parametrize("body", [{"status": "done"}, {}, {"status": "actioned", "note": "x" * 2001}])
def test_a_bad_body_is_refused_with_a_translated_error(api: APIClient, delivered: tuple[Handoff, str],
                                                       body: dict[str, str]) -> None:
    handoff, token = delivered
    response = api.post(f"/api/v1/handoffs/{handoff.pk}/status", body, format="json",
                        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.DELIVERED


def test_a_telegram_reporter_hears_a_neutral_word_in_their_language(
    api: APIClient, bot: Bot, agencies: dict[str, Agency]
) -> None:
    ana = Resident(121_000_001, "ru")
    bot.send(ana.command("start"), ana.press("lang:ru"))
    tip = send_a_report(bot, ana)
    incident = make_incident([tip], ["people_smuggling"])
    agency = Agency.objects.create(name="Hotline")
    token = issue_credentials(agency).api_token
    handoff = create_handoff(incident, agency, by=None)
    mark_delivered(handoff)
    assert post_status(api, handoff, token, {"status": "no_action", "note": "Not enough to act on."}).status_code == 200
    notice = Message.objects.get(tip=tip, direction=MessageDirection.TO_REPORTER)
    deliver_message(notice.pk)
    sent = bot.api.last_text_to(ana.chat_id)
    assert tip.reference in sent and "Not enough" not in sent and "partner agency" not in sent  # Russian, neutral
