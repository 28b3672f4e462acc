"""Agencies and handoffs in the admin; the incident page gains suggestions and the handoff action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin_site import DashboardPanel
from reporting.audit import record_audit
from triage.admin import IncidentAdmin
from triage.models import Incident

from .actions import create_handoff, issue_credentials, mark_delivered, send_update
from .effectiveness import measure
from .exports import packet_csv, packet_pdf
from .models import Agency, DeliveryMethod, Handoff, HandoffAttempt, HandoffState
from .routing import suggest_agencies
from .tasks import on_handoff_created


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "delivery_method", "active"]
    list_filter = ["delivery_method", "active"]
    filter_horizontal = ["regions"]
    actions = ["issue_new_credentials"]

    @admin.action(description=gettext_lazy("Issue a new API token and webhook secret (shown once)"))
    def issue_new_credentials(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            credentials = issue_credentials(agency)
            record_audit(request.user, "issued_credentials", agency)
            self.message_user(request, _("%(agency)s: API token %(token)s, webhook secret %(secret)s. "
                                         "Give them to the agency now: they are not shown again.")
                              % {"agency": agency.name, "token": credentials.api_token,
                                 "secret": credentials.webhook_secret}, messages.WARNING)


class AttemptInline(admin.TabularInline):
    model = HandoffAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "error"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class HandoffAddForm(forms.ModelForm):
    class Meta:
        model = Handoff
        fields = ["incident", "agency"]

    def clean(self) -> dict:
        data = super().clean()
        live = Handoff.objects.filter(incident=data.get("incident"), agency=data.get("agency")).exclude(
            state=HandoffState.FAILED)
        if live.exists():
            raise ValidationError(_("This incident is already with this agency."))
        return data


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["incident", "agency", "state", "attempts", "created_at", "delivered_at", "last_error"]
    list_filter = ["state", "agency"]
    search_fields = ["incident__reference"]
    inlines = [AttemptInline]
    actions = ["export_csv", "export_pdf", "retry_delivery"]
    autocomplete_fields = ["incident"]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        if obj is None:  # adding: a supervisor picks any incident and agency (overriding the suggestion)
            return []
        return ["incident", "agency", "state", "idempotency_key", "attempts", "last_error", "created_by",
                "created_at", "delivered_at", "acknowledged_at", "outcome_at", "outcome_note", "packet"]

    def get_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        return ["incident", "agency"] if obj is None else super().get_fields(request, obj)

    def get_inlines(self, request, obj):  # noqa: ANN001, ANN201
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):  # noqa: ANN001, ANN201
        if obj is None:
            kwargs["form"] = HandoffAddForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        if change:
            return  # nothing on a handoff is edited by hand
        created = create_handoff(form.cleaned_data["incident"], form.cleaned_data["agency"], by=request.user)
        obj.pk = created.pk

    @admin.action(description=gettext_lazy("Export as CSV (marks manual handoffs as delivered)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Handoff]) -> HttpResponse:
        handoffs = self._exported(request, queryset, "csv")
        response = HttpResponse(packet_csv(handoffs), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="tipline-handoffs.csv"'
        return response

    @admin.action(description=gettext_lazy("Export as PDF (marks manual handoffs as delivered)"))
    def export_pdf(self, request: HttpRequest, queryset: QuerySet[Handoff]) -> HttpResponse:
        handoffs = self._exported(request, queryset, "pdf")
        response = HttpResponse(packet_pdf(handoffs), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="tipline-handoffs.pdf"'
        return response

    def _exported(self, request: HttpRequest, queryset: QuerySet[Handoff], file_format: str) -> list[Handoff]:
        """Audit the export; a manual agency's handoff counts as delivered by it."""
        handoffs = list(queryset.select_related("agency", "incident"))
        for handoff in handoffs:
            record_audit(request.user, "exported", handoff.incident, handoff=handoff.pk, format=file_format)
            if handoff.agency.delivery_method == DeliveryMethod.MANUAL:
                mark_delivered(handoff, HandoffState.EXPORTED)
        return handoffs

    @admin.action(description=gettext_lazy("Try the delivery again"))
    def retry_delivery(self, request: HttpRequest, queryset: QuerySet[Handoff]) -> None:
        for handoff in queryset.filter(state=HandoffState.FAILED):
            Handoff.objects.filter(pk=handoff.pk).update(state=HandoffState.QUEUED, attempts=0)
            record_audit(request.user, "retried_handoff", handoff.incident, handoff=handoff.pk)
            on_handoff_created(Handoff, handoff.pk)


class HandoffIncidentAdmin(IncidentAdmin):
    readonly_fields = [*IncidentAdmin.readonly_fields, "suggested_agencies"]
    actions = [*IncidentAdmin.actions, "hand_off_to_suggested", "send_update_to_agencies"]

    @admin.display(description=gettext_lazy("suggested agencies"))
    def suggested_agencies(self, obj: Incident) -> str:
        suggestions = suggest_agencies(obj)
        if not suggestions:
            return _("No agency fits: add one, or widen an agency's categories or regions.")
        return format_html_join(", ", "{} ({})", ((s.agency.name, ", ".join(s.reasons)) for s in suggestions))

    def has_handoff_permission(self, request: HttpRequest) -> bool:
        """Handing off, and sending updates, is for staff who may create handoffs."""
        return request.user.has_perm("handoff.add_handoff")

    @admin.action(description=gettext_lazy("Hand off to the best suggested agency"), permissions=["handoff"])
    def hand_off_to_suggested(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        for incident in queryset:
            suggestions = suggest_agencies(incident)
            if not suggestions:
                self.message_user(request, _("%(incident)s: no agency fits.") % {"incident": incident}, messages.ERROR)
                continue
            agency = suggestions[0].agency
            try:
                create_handoff(incident, agency, by=request.user)
            except IntegrityError:
                self.message_user(request, _("%(incident)s is already with %(agency)s.")
                                  % {"incident": incident, "agency": agency}, messages.WARNING)
                continue
            self.message_user(request, _("%(incident)s handed to %(agency)s.") % {"incident": incident, "agency": agency})


    @admin.action(description=gettext_lazy("Send the agencies an update with the new information"), permissions=["handoff"])
    def send_update_to_agencies(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        for incident in queryset:
            updates = send_update(incident, by=request.user)
            if not updates:
                self.message_user(request, _("%(incident)s has not been handed to any agency yet.")
                                  % {"incident": incident}, messages.WARNING)
                continue
            self.message_user(request, _("%(incident)s: update sent to %(agencies)s.") % {
                "incident": incident, "agencies": ", ".join(h.agency.name for h in updates)})


admin.site.unregister(Incident)
admin.site.register(Incident, HandoffIncidentAdmin)


def effectiveness_panel(request: HttpRequest) -> DashboardPanel | None:
    """The charts on the admin's first page, for staff who work incidents."""
    if not request.user.has_perm("triage.view_incident"):
        return None
    return DashboardPanel("handoff/effectiveness.html", measure())


admin.site.dashboard_providers.append(effectiveness_panel)
