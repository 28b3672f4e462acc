"""Staff log in with two factors; failed logins are throttled per username; nothing records an address.

Sam is a supervisor with an authenticator; Mallory guesses passwords.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from reporting.models import AuditEvent
from triage.staff import enroll_staff

from ..conftest import all_stored_text

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ADDRESS = "198.51.100.23"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def log_in(client: Client, username: str, password: str, code: str = "") -> object:
    return client.post("/en/admin/login/?next=/en/admin/", {"username": username, "password": password,
                                                             "otp_token": code}, REMOTE_ADDR=ADDRESS)


def test_a_password_alone_does_not_open_the_admin(client: Client) -> None:
    user, _device = enroll_staff("sam", "supervisor", PASSWORD)
    response = log_in(client, "sam", PASSWORD)
    assert response.status_code == 200  # the form again, asking for the code
    client.force_login(user)  # even a session logged in by password only
    assert client.get("/en/admin/").status_code == 302


def test_password_and_the_authenticators_code_open_it(client: Client) -> None:
    _user, device = enroll_staff("sam", "supervisor", PASSWORD)
    response = log_in(client, "sam", PASSWORD, current_code(device))
    assert response.status_code == 302 and response["Location"] == "/en/admin/"
    assert client.get("/en/admin/").status_code == 200


def test_failed_logins_lock_the_username_and_no_address_is_kept(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    _user, device = enroll_staff("sam", "supervisor", PASSWORD)
    for _ in range(5):
        log_in(client, "sam", "wrong password")
    response = log_in(client, "sam", PASSWORD, current_code(device))
    assert response.status_code == 429  # locked, even with the right password and code
    assert "sam" in caplog.text and ADDRESS not in caplog.text
    assert ADDRESS not in all_stored_text()


def test_add_staff_creates_the_role_and_prints_the_authenticator_key(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD)
    out = io.StringIO()
    call_command("add_staff", "carla", "--role", "caseworker", "--password-file", str(password_file), stdout=out)
    carla = get_user_model().objects.get(username="carla")
    assert carla.is_staff and not carla.is_superuser and [g.name for g in carla.groups.all()] == ["caseworker"]
    assert "otpauth://totp/" in out.getvalue() and TOTPDevice.objects.get(user=carla).confirmed


def test_a_weak_password_is_refused(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("123")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("add_staff", "carla", "--role", "caseworker", "--password-file", str(password_file))
    assert not get_user_model().objects.filter(username="carla").exists()
    assert not AuditEvent.objects.exists()
