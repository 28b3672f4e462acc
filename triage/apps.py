from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("Triage")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reporting.signals import tip_received

        from .tasks import enqueue_triage_after_commit

        tip_received.connect(enqueue_triage_after_commit, dispatch_uid="triage-on-tip-received")
