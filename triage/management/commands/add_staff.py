"""python manage.py add_staff USERNAME --role ROLE [--superuser] [--password-file F]"""

from __future__ import annotations

import getpass
from base64 import b32encode
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from triage.defaults import ROLE_PERMISSIONS
from triage.staff import enroll_staff


class Command(BaseCommand):
    help = "Create or update a staff account with a role and a new authenticator (the second factor)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_PERMISSIONS))
        parser.add_argument("--superuser", action="store_true", help="every permission (the first account)")
        parser.add_argument("--password-file", type=Path, help="read the password from this file, not a prompt")

    def handle(self, *args: Any, username: str, role: str, superuser: bool, password_file: Path | None,
               **options: Any) -> None:
        password = password_file.read_text().strip() if password_file else self._ask_password()
        try:
            _user, device = enroll_staff(username, role, password, superuser=superuser)
        except (ValidationError, ValueError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        secret = b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(f"{username} is {role}{' (superuser)' if superuser else ''}.")
        self.stdout.write("Add this account to an authenticator app (FreeOTP, Aegis, Google Authenticator ...):")
        self.stdout.write(f"  key: {secret}")
        self.stdout.write(f"  or open: {device.config_url}")
        self.stdout.write("At login, type the app's 6-digit code under the password.")

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first
