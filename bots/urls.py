from django.urls import path

from .telegram.webhook import telegram_webhook

app_name = "bots"
urlpatterns = [path("telegram/webhook/", telegram_webhook, name="telegram-webhook")]
