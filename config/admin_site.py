"""The admin site every staff member logs into with two factors (django-otp)."""

from __future__ import annotations

from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


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
