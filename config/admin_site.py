"""The admin site every staff member logs into with two factors (django-otp)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


@dataclass(frozen=True)
class DashboardPanel:
    template: str
    data: Any


# Apps add panels to the admin's first page without config importing them (handoff adds the
# effectiveness charts): a provider returns a panel, or None for this user.
DashboardProvider = Callable[[HttpRequest], DashboardPanel | None]


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Staff have one authenticator each (`add_staff` replaces it), so they never pick a device:
    django-otp asks for a choice only because some users have several."""

    def _chosen_device(self, user):  # noqa: ANN001, ANN202 - django-otp's own hook
        device = super()._chosen_device(user)
        if device is None:
            confirmed = list(devices_for_user(user, confirmed=True))
            if len(confirmed) == 1:
                return confirmed[0]
        return device


class StaffAdminSite(OTPAdminSite):
    login_form = StaffLoginForm
    index_template = "admin/tipline_index.html"
    dashboard_providers: list[DashboardProvider] = []

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        panels = [panel for provider in self.dashboard_providers if (panel := provider(request)) is not None]
        return super().index(request, {**(extra_context or {}), "dashboard_panels": panels})
