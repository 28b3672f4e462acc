from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffConfig(AppConfig):
    name = "handoff"
    verbose_name = _("Handoff to agencies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .signals import handoff_created
        from .tasks import on_handoff_created

        handoff_created.connect(on_handoff_created, dispatch_uid="handoff-deliver")
