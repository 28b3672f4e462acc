"""A campaign's optional image: checked and re-encoded without EXIF when uploaded, shown on the
public page, and broadcast with sendPhoto — uploaded to Telegram once, then sent by file_id.

Olga does outreach (logged in with both factors); Sam is a supervisor."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from PIL import Image

from campaigns.actions import prepare_image
from campaigns.broadcast import plan_broadcast, remember_file_id, send_queued
from campaigns.models import Campaign, Delivery, DeliveryState
from campaigns.texts import write_language
from reporting.models import Reporter
from tests.bots.conftest import Bot
from tests.conftest import make_photo, verified_login

from .test_broadcast import EN, approved_campaign, subscribers

pytestmark = pytest.mark.django_db


def with_image(campaign: Campaign, data: bytes | None = None) -> Campaign:
    campaign.image = prepare_image(data or make_photo())
    campaign.save()
    return campaign


def test_the_image_is_uploaded_once_then_sent_by_file_id_with_the_text_as_caption(bot: Bot, fast: None) -> None:
    subscribers(3)
    campaign = with_image(approved_campaign())
    plan_broadcast(campaign)
    send_queued(campaign.pk)
    sent = [bot.api.photos_to(700_000_000 + n) for n in range(3)]
    file_id = Campaign.objects.get(pk=campaign.pk).telegram_file_id
    assert file_id.startswith("photo-") and not file_id.endswith("-small")  # the largest size
    assert sent == [[("upload", f"{EN[0]}\n\n{EN[1]}")], [(file_id, f"{EN[0]}\n\n{EN[1]}")],
                    [(file_id, f"{EN[0]}\n\n{EN[1]}")]]
    assert bot.api.calls_to("sendMessage") == []
    upload = bot.api.calls_to("sendPhoto")[0].params["photo"]
    assert Image.open(io.BytesIO(upload)).format == "JPEG"


def test_a_text_longer_than_a_caption_follows_the_photo_as_a_message(bot: Bot, fast: None) -> None:
    subscribers(1)
    campaign = approved_campaign()
    body = "Vans with covered windows at night. " * 40  # 1,440 characters
    write_language(campaign, "en", EN[0], body)
    with_image(campaign)
    plan_broadcast(campaign)
    send_queued(campaign.pk)
    assert bot.api.photos_to(700_000_000) == [("upload", EN[0])]
    assert bot.api.texts_to(700_000_000) == [body.strip()]
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_a_429_and_a_blocked_bot_are_handled_for_photos_as_for_texts(bot: Bot, fast: None) -> None:
    residents = subscribers(3)
    bot.api.blocked_chats.add(700_000_002)
    bot.api.fail_next("sendPhoto", 429, "Too Many Requests: retry after 1", retry_after=1)
    campaign = with_image(approved_campaign())
    plan_broadcast(campaign)
    send_queued(campaign.pk)
    calls = bot.api.calls_to("sendPhoto")
    assert calls[1].at - calls[0].at >= 1.0
    assert [len(bot.api.photos_to(700_000_000 + n)) for n in range(3)] == [2, 1, 1]  # the refused one again
    assert Delivery.objects.get(reporter=residents[2]).state == DeliveryState.FAILED
    assert not Reporter.objects.get(pk=residents[2].pk).subscribed


def test_two_workers_racing_to_upload_keep_the_first_file_id(db: None) -> None:
    campaign = approved_campaign()
    first, second = Campaign.objects.get(pk=campaign.pk), Campaign.objects.get(pk=campaign.pk)
    assert remember_file_id(first, "photo-1") == "photo-1"
    assert remember_file_id(second, "photo-2") == "photo-1"


@pytest.fixture
def olga(client: Client, django_user_model) -> Client:  # noqa: ANN001
    from triage.defaults import load_roles

    load_roles()
    user = django_user_model.objects.create_user("olga", password="o" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name="outreach"))
    verified_login(client, user)
    return client


def test_an_uploaded_image_loses_its_exif_and_name_and_a_non_image_is_refused(olga: Client, jpeg_with_gps: bytes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"code": "bridge", "base_language": "en", "telegram_broadcast": "on", "public_page": "on",
            "title_en": EN[0], "body_en": EN[1]}
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    refused = olga.post("/en/admin/campaigns/campaign/add/",
                       {**data, "image": SimpleUploadedFile("pic.gif", gif.getvalue(), "image/gif")})
    assert refused.status_code == 200 and "Only JPEG, PNG and WebP photos are accepted." in refused.content.decode()
    upload = SimpleUploadedFile("alice-at-the-ford.jpg", jpeg_with_gps, "image/jpeg")
    assert olga.post("/en/admin/campaigns/campaign/add/", {**data, "image": upload}).status_code == 302
    campaign = Campaign.objects.get(code="bridge")
    assert "alice" not in campaign.image.name and campaign.image.name.endswith(".jpg")
    with campaign.image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.format == "JPEG" and not stored.getexif()


def test_the_public_page_shows_the_image_which_only_staff_see_before_it_is_published(
    client: Client, django_user_model  # noqa: ANN001
) -> None:
    campaign = with_image(approved_campaign(public_page=False))
    url = campaign.image.url
    assert url.startswith("/campaign-images/")
    assert client.get(url).status_code == 404  # not published
    staff = Client()
    verified_login(staff, django_user_model.objects.create_superuser("sam", password="s" * 12))
    assert staff.get(url).status_code == 200
    Campaign.objects.filter(pk=campaign.pk).update(public_page=True)
    page = client.get("/c/river/?lang=en").content.decode()
    assert f'<img class="image" id="image" src="{url}" alt="{EN[0]}">' in page
    image = client.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(image.streaming_content))).size == (64, 48)


def test_a_file_id_telegram_no_longer_knows_is_dropped_and_the_image_uploaded_again(bot: Bot, fast: None) -> None:
    subscribers(2)
    campaign = with_image(approved_campaign())
    Campaign.objects.filter(pk=campaign.pk).update(telegram_file_id="photo-from-another-bot")
    plan_broadcast(campaign)
    send_queued(campaign.pk)

    file_id = Campaign.objects.get(pk=campaign.pk).telegram_file_id
    assert file_id.startswith("photo-") and file_id != "photo-from-another-bot"
    caption = f"{EN[0]}\n\n{EN[1]}"
    assert bot.api.photos_to(700_000_000) == [("photo-from-another-bot", caption), ("upload", caption)]
    assert bot.api.photos_to(700_000_001) == [(file_id, caption)]  # the new id from then on
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


@pytest.mark.django_db(transaction=True)  # the files go once the change is committed
def test_a_replaced_or_deleted_image_leaves_no_file_behind(olga: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.models import image_storage

    data = {"code": "bridge", "base_language": "en", "telegram_broadcast": "on", "title_en": EN[0], "body_en": EN[1]}
    upload = SimpleUploadedFile("first.jpg", make_photo(), "image/jpeg")
    assert olga.post("/en/admin/campaigns/campaign/add/", {**data, "image": upload}).status_code == 302
    campaign = Campaign.objects.get(code="bridge")
    first = campaign.image.name
    assert image_storage().exists(first)

    again = SimpleUploadedFile("second.jpg", make_photo(), "image/jpeg")
    assert olga.post(f"/en/admin/campaigns/campaign/{campaign.pk}/change/", {**data, "image": again}).status_code == 302
    second = Campaign.objects.get(pk=campaign.pk).image.name
    assert second != first and image_storage().exists(second)
    assert not image_storage().exists(first)

    Campaign.objects.get(pk=campaign.pk).delete()
    assert not image_storage().exists(second)
