"""A first, read-mostly admin for tips. The caseworker workspace is built on this (docs/admin.md).

Reporters are not registered at all: their keys and handles are nobody's business.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .audit import record_audit
from .models import Attachment, AttachmentState, AuditEvent, Message, Region, StaffScope, TipEvent
from .notices import ask_reporter
from .scopes import can_see_unredacted, tips_visible_to


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
    fields = ["created_at", "direction", "body", "author", "delivery_state", "failure_reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class WriteToReporterInline(admin.StackedInline):
    """One empty box: what a caseworker types is sent by reporting.notices.ask_reporter."""

    model = Message
    extra = 1
    max_num = 1
    can_delete = False
    fields = ["body"]
    verbose_name = _("message to the reporter")
    verbose_name_plural = _("Write to the reporter (sent in their language through their channel; "
                            "web reporters read it when they check their report)")

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return super().get_queryset(request).none()  # the thread is shown by MessageInline

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["preview", "state", "content_type", "width", "height", "byte_size", "sha256", "cleaned_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    @admin.display(description=_("photo"))
    def preview(self, obj: Attachment) -> str:
        """Only cleaned photos are shown; the original never is."""
        if obj.state != AttachmentState.CLEAN or not obj.file:
            return "–"
        url = reverse("admin:reporting_tip_photo", args=[obj.tip_id, obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" '
                           'style="max-width: 160px; max-height: 120px"></a>', url, url)


class TipAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "channel", "detected_language", "received_at", "triaged_at"]
    list_filter = ["status", "channel", "detected_language"]
    search_fields = ["reference"]
    ordering = ["-received_at"]
    date_hierarchy = "received_at"
    inlines = [AttachmentInline, MessageInline, WriteToReporterInline, TipEventInline]
    readonly_fields = [
        "reference", "channel", "region", "declared_language", "detected_language", "language_confidence",
        "text", "redacted_text", "place_name", "latitude", "longitude", "location_precision_m",
        "occurred_window", "occurred_at", "received_at", "status", "status_changed_at",
        "triaged_at", "triage_failed_at", "triage_timings", "campaign_code",
    ]
    exclude = ["reporter", "receipt_hash"]

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return super().get_queryset(request).filter(tips_visible_to(request.user))

    def get_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        fields = super().get_fields(request, obj)
        return fields if can_see_unredacted(request.user) else [f for f in fields if f != "text"]

    def get_urls(self):  # noqa: ANN201
        photo = self.admin_site.admin_view(self.photo_view)
        return [path("<int:tip_id>/photo/<int:attachment_id>/", photo, name="reporting_tip_photo"), *super().get_urls()]

    def photo_view(self, request: HttpRequest, tip_id: int, attachment_id: int) -> FileResponse:
        """A cleaned photo of a tip this staff member may see (their regions), audited."""
        tip = self.get_queryset(request).filter(pk=tip_id).first() if self.has_view_permission(request) else None
        attachment = tip.attachments.filter(pk=attachment_id, state=AttachmentState.CLEAN).first() if tip else None
        if attachment is None or not attachment.file:
            raise Http404
        record_audit(request.user, "viewed_photo", tip, attachment=attachment.pk)
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
        response["Cache-Control"] = "private, no-store"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):  # noqa: ANN001, ANN201
        response = super().change_view(request, object_id, form_url, extra_context)
        tip = self.get_queryset(request).filter(pk=object_id).first() if request.method == "GET" else None
        if tip is not None and response.status_code == 200:
            record_audit(request.user, "viewed", tip, unredacted=can_see_unredacted(request.user))
        return response

    def save_formset(self, request, form, formset, change) -> None:  # noqa: ANN001
        if formset.model is Message:
            # Through the notices service, never a bare save: it validates, picks the delivery
            # and sends after the commit. save(commit=False) saves nothing; it fills the change log.
            formset.save(commit=False)
            for message_form in formset.forms:
                body = message_form.cleaned_data.get("body") if message_form.has_changed() else ""
                if body:
                    ask_reporter(form.instance, body, author=request.user)
            return None
        return super().save_formset(request, form, formset, change)


# Registered by triage.admin, which extends it with the triage findings (triage depends on
# reporting, never the reverse).


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone: the trail is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "__str__", "min_latitude", "max_latitude", "min_longitude", "max_longitude"]


@admin.register(StaffScope)
class StaffScopeAdmin(admin.ModelAdmin):
    list_display = ["user"]
    filter_horizontal = ["regions"]
