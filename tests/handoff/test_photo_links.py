"""Photo links in a packet open the cleaned photo, and nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from handoff.actions import create_handoff
from handoff.models import Agency
from handoff.packets import photo_link
from reporting.attachments import clean_attachment
from reporting.intake import TipSubmission, submit_tip
from reporting.models import Attachment, Tip
from tests.conftest import make_photo
from triage.models import Incident

from .conftest import make_incident

pytestmark = pytest.mark.django_db


def path_of(link: str) -> str:
    return urlsplit(link).path


def test_a_packet_links_the_cleaned_photo_and_a_forged_link_opens_nothing(
    client: Client, incident: Incident, agencies: dict[str, Agency]
) -> None:
    tip = Tip.objects.get(pk=submit_tip(TipSubmission(text="Boxes of rifles in the red truck at the ford", channel="web",
                                                      photos=[make_photo(gps=True)])).tip_id)
    clean_attachment(Attachment.objects.get(tip=tip).pk)
    with_photo = make_incident([tip], ["arms_trafficking"])
    handoff = create_handoff(with_photo, agencies["diego"], by=None)
    (link,) = handoff.packet["tips"][0]["photos"]
    response = client.get(path_of(link))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(path_of(link)[:-3] + "xx/").status_code == 404  # tampered

    other = create_handoff(incident, agencies["nora"], by=None)  # an incident without this photo
    attachment = Attachment.objects.get(tip=tip)
    assert client.get(path_of(photo_link(other.pk, attachment.pk))).status_code == 404
