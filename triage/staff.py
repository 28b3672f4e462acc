"""Staff accounts: a role (a group of permissions) and a TOTP device for the second factor."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .defaults import ROLE_PERMISSIONS, load_roles


def enroll_staff(username: str, role: str, password: str, *, superuser: bool = False) -> tuple[AbstractUser, TOTPDevice]:
    """Create or update a staff account in one role, with a new authenticator (old ones removed).

    Raises ValidationError for a weak password and ValueError for an unknown role.
    """
    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLE_PERMISSIONS)}")
    user_model = get_user_model()
    with transaction.atomic():
        load_roles()
        user, _created = user_model.objects.get_or_create(username=username)
        validate_password(password, user)
        user.set_password(password)
        user.is_staff = True
        user.is_superuser = superuser
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user, device
