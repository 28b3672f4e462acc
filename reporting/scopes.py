"""Which tips a staff member may see: their regions, when they are limited to some."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from .models import StaffScope


def region_ids_for(user: AbstractBaseUser) -> set[int] | None:
    """The region ids a user is limited to, or None for no limit (superusers, staff without a scope).

    A scope with no regions at all sees nothing: limited, to nowhere yet.
    """
    if getattr(user, "is_superuser", False):
        return None
    scope = StaffScope.objects.filter(user=user).prefetch_related("regions").first()
    return None if scope is None else {region.pk for region in scope.regions.all()}


def tips_visible_to(user: AbstractBaseUser, prefix: str = "") -> Q:
    """A filter for tips (or, with prefix "tip_triages__tip__", incidents) this user may see."""
    regions = region_ids_for(user)
    return Q() if regions is None else Q(**{f"{prefix}region__in": regions})


def can_see_unredacted(user: AbstractBaseUser) -> bool:
    return user.has_perm("reporting.view_unredacted_tip")
