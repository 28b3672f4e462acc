from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .signals import message_for_reporter, tip_status_changed
        from .tasks import on_message_for_reporter, on_tip_status_changed

        message_for_reporter.connect(on_message_for_reporter, dispatch_uid="reporting-deliver-message")
        tip_status_changed.connect(on_tip_status_changed, dispatch_uid="reporting-status-notice")
