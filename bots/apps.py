from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotsConfig(AppConfig):
    name = "bots"
    verbose_name = _("Bots")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The rest of Tipline reaches residents through reporting.channels, never by importing bots.
        from django.conf import settings

        from reporting.channels import register_channel

        from .telegram.transport import TelegramChannel

        if settings.TELEGRAM_BOT_TOKEN:
            register_channel(TelegramChannel())
