"""Telegram's stored updates, conversation states and report drafts (docs/bot.md).

No column holds a raw Telegram user id or chat id: updates and conversation keys are
encrypted with the reply-handle keys, and looked up by keyed digests.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from reporting.models import Reporter, Tip


class TelegramUpdate(models.Model):
    """One update as Telegram sent it, stored before the webhook answers 200."""

    update_id = models.BigIntegerField(unique=True)  # Telegram's; a retried update is a no-op
    # Keyed digest of the chat, so the bot process keeps each chat's updates in order.
    chat_key = models.CharField(max_length=64, blank=True)
    # The update JSON, Fernet-encrypted (it names the user and chat); emptied once processed.
    payload = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)  # the exception's type, never its text

    class Meta:
        indexes = [
            # Serves the bot process's queue (bots.telegram.updates.pending_updates).
            models.Index(fields=["update_id"], condition=Q(processed_at=None), name="telegram_update_pending_idx"),
        ]

    def __str__(self) -> str:
        return str(self.update_id)


class ConversationState(models.Model):
    """The state of one python-telegram-bot conversation (bots.telegram.persistence)."""

    name = models.CharField(max_length=64)
    key_digest = models.CharField(max_length=64)  # keyed digest of the (chat, user) key
    key_token = models.BinaryField()  # the key itself, encrypted: the persistence must hand it back
    state = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "key_digest"], name="conversation_state_unique")]

    def __str__(self) -> str:
        return f"{self.name}: {self.state}"


class ReportDraft(models.Model):
    """A report being written in the bot, one per resident; kept in the database so a bot
    restart in the middle of a report loses nothing."""

    reporter = models.OneToOneField(Reporter, on_delete=models.CASCADE, related_name="telegram_draft")
    # [{"message_id": 12, "text": "..."}]: the message id makes a redelivered update harmless.
    text_parts = models.JSONField(default=list)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    occurred_window = models.CharField(max_length=16, blank=True)
    occurred_text = models.CharField(max_length=200, blank=True)  # a typed "when"
    campaign_code = models.CharField(max_length=32, blank=True)
    submitted_tip = models.ForeignKey(Tip, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"draft of {self.reporter_id}"


class DraftPhoto(models.Model):
    """A photo sent while writing a report; its bytes wait here until the report is sent."""

    draft = models.ForeignKey(ReportDraft, on_delete=models.CASCADE, related_name="photos")
    message_id = models.BigIntegerField()  # per chat; with the draft it makes a retry harmless
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["draft", "message_id"], name="draft_photo_once")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of draft {self.draft_id}"
