"""An incident of two tips in the North region, and the agencies that might take it.

Nora's agency handles people smuggling in the North and reads Spanish; Diego's handles drugs
anywhere; Sofia's handles people smuggling in the South.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict

import pytest

from handoff.actions import issue_credentials
from handoff.models import Agency, DeliveryMethod
from reporting.intake import TipSubmission, submit_tip
from reporting.models import Region, Tip
from tests.bots.conftest import bot, bot_api  # noqa: F401 - the bot fixtures, for residents on Telegram
from triage.identifiers import find_identifiers
from triage.models import Incident, TipTriage

from .receiver import AgencyReceiver

TEXTS = [
    "Una camioneta con placa ABC-1234 lleva personas encerradas al cruce norte cada noche, llamen al +52 55 1234 5678.",
    "La misma camioneta ABC-1234 cruzó otra vez anoche con gente atrás, el chofer se llama Juan.",
]


@pytest.fixture
def north(db: None) -> Region:
    return Region.objects.create(code="north", names={"en": "North", "es": "Norte"},
                                 min_latitude=30, max_latitude=33, min_longitude=-110, max_longitude=-100)


@pytest.fixture
def south(db: None) -> Region:
    return Region.objects.create(code="south", names={"en": "South"},
                                 min_latitude=10, max_latitude=20, min_longitude=-95, max_longitude=-85)


def make_incident(tips: list[Tip], labels: list[str], urgency: int = 60) -> Incident:
    incident = Incident.objects.create(reference=f"I-{tips[0].reference[2:]}", labels=labels, urgency=urgency,
                                       tip_count=len(tips), reporter_count=len(tips))
    for tip in tips:
        spans = [asdict(span) for span in find_identifiers(tip.text, "es")]
        TipTriage.objects.create(tip=tip, labels=labels, identifiers=spans, urgency=urgency, incident=incident,
                                 urgency_reasons=[{"code": "people_in_danger", "points": 45, "evidence": "encerradas"}])
        Tip.objects.filter(pk=tip.pk).update(detected_language="es", status="triaged")
    return incident


@pytest.fixture
def incident(north: Region) -> Incident:
    tips = [Tip.objects.get(pk=submit_tip(TipSubmission(text=text, channel="web", latitude=31.5, longitude=-106.4)).tip_id)
            for text in TEXTS]
    return make_incident(tips, ["people_smuggling"])


@pytest.fixture
def agencies(north: Region, south: Region) -> dict[str, Agency]:
    nora = Agency.objects.create(name="North Border Unit", categories=["people_smuggling"], languages=["es"],
                                 delivery_method=DeliveryMethod.WEBHOOK, identifier_types=["plate"])
    nora.regions.add(north)
    diego = Agency.objects.create(name="Drug Task Force", categories=["drug_trafficking"])
    sofia = Agency.objects.create(name="South Border Unit", categories=["people_smuggling"])
    sofia.regions.add(south)
    return {"nora": nora, "diego": diego, "sofia": sofia}


@pytest.fixture
def receiver_for(agencies: dict[str, Agency]) -> Iterator[object]:
    started: list[AgencyReceiver] = []

    def start(agency: Agency, **behaviour: int) -> AgencyReceiver:
        secret = issue_credentials(agency).webhook_secret
        receiver = AgencyReceiver(secret=secret, **behaviour)
        agency.webhook_url = receiver.start()
        agency.save(update_fields=["webhook_url"])
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()
