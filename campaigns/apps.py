from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Outreach campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from .models import Campaign

        post_delete.connect(_discard_image_of_deleted, sender=Campaign, dispatch_uid="campaign-image-on-delete")


def _discard_image_of_deleted(sender: object, instance: object, **kwargs: object) -> None:
    from .actions import discard_image_after_commit

    discard_image_after_commit(instance.image.name or "")  # type: ignore[attr-defined]
