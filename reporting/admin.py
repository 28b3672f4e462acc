"""A first, read-mostly admin for tips. The caseworker workspace is built on this (docs/admin.md).

Reporters are not registered at all: their keys and handles are nobody's business.
"""

from __future__ import annotations

from django.contrib import admin

from .models import Attachment, Message, TipEvent


class TipEventInline(admin.TabularInline):
    model = TipEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "from_status", "to_status", "actor", "actor_label", "note"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "direction", "body", "author", "delivery_state"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["state", "content_type", "width", "height", "byte_size", "sha256", "cleaned_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class TipAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "channel", "detected_language", "received_at", "triaged_at"]
    list_filter = ["status", "channel", "detected_language"]
    search_fields = ["reference"]
    ordering = ["-received_at"]
    date_hierarchy = "received_at"
    inlines = [AttachmentInline, MessageInline, TipEventInline]
    readonly_fields = [
        "reference", "channel", "declared_language", "detected_language", "language_confidence",
        "text", "redacted_text", "place_name", "latitude", "longitude", "location_precision_m",
        "occurred_window", "occurred_at", "received_at", "status", "status_changed_at",
        "triaged_at", "triage_timings", "campaign_code",
    ]
    exclude = ["reporter", "receipt_hash"]


# Registered by triage.admin, which extends it with the triage findings (triage depends on
# reporting, never the reverse).
