"""Triage findings in the admin: each tip's labels, identifiers, urgency and incident.

The full caseworker workspace (queue, actions, roles) builds on this (docs/admin.md).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reporting.admin import TipAdmin
from reporting.models import Tip
from reporting.scopes import can_see_unredacted, tips_visible_to

from .actions import correct_categories
from .models import Category, ClassifierVersion, Incident, RetrainingRun, StaffNotice, TipTriage
from .retraining import promote_candidate, request_retraining, worse_on
from .urgency import describe_reason, incident_reasons
from .workflow import (
    assign_incident,
    incident_timeline,
    merge_incidents,
    reject_incident,
    related_incidents,
    split_tip,
    verify_incident,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "__str__", "active", "position"]
    list_editable = ["active", "position"]


class TriageForm(forms.ModelForm):
    corrected_labels = forms.MultipleChoiceField(
        label=_("Categories"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the categories that fit. Your choice is kept as training data."),
    )

    class Meta:
        model = TipTriage
        fields: list[str] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["corrected_labels"].choices = [(c.slug, c.name()) for c in Category.objects.filter(active=True)]
        self.fields["corrected_labels"].initial = self.instance.labels if self.instance.pk else []


class TriageInline(admin.StackedInline):
    model = TipTriage
    fk_name = "tip"
    form = TriageForm
    can_delete = False
    extra = 0
    max_num = 1
    verbose_name_plural = _("Triage")
    fields = ["corrected_labels", "scores_display", "needs_human", "needs_human_reason", "classifier_version",
              "urgency", "urgency_display", "identifiers_display", "incident", "similarity"]
    readonly_fields = ["scores_display", "needs_human", "needs_human_reason", "classifier_version",
                       "urgency", "urgency_display", "identifiers_display", "incident", "similarity"]

    @admin.display(description=_("Model scores"))
    def scores_display(self, obj: TipTriage) -> str:
        ranked = sorted(obj.scores.items(), key=lambda item: -item[1])
        return format_html_join(", ", "{} {}", ((slug, f"{score:.2f}") for slug, score in ranked[:5])) or "–"

    @admin.display(description=_("Why this urgency"))
    def urgency_display(self, obj: TipTriage) -> str:
        return format_html_join("", "<div>{}</div>", ((describe_reason(r),) for r in obj.urgency_reasons)) or "–"

    def get_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        fields = super().get_fields(request, obj)
        return fields if can_see_unredacted(request.user) else [f for f in fields if f != "identifiers_display"]

    @admin.display(description=_("Identifiers"))
    def identifiers_display(self, obj: TipTriage) -> str:
        return format_html_join(", ", "<mark>{}</mark> ({})", ((i["text"], i["type"]) for i in obj.identifiers)) or "–"


@admin.register(Tip)  # replaces reporting's registration with one that shows triage findings
class TriagedTipAdmin(TipAdmin):
    inlines = [TriageInline, *TipAdmin.inlines]
    actions = ["split_out"]

    @admin.action(description=_("Split out into an incident of its own"))
    def split_out(self, request, queryset) -> None:  # noqa: ANN001
        for tip in queryset.filter(triage__isnull=False):
            incident = split_tip(tip, request.user)
            self.message_user(request, _("%(tip)s is now incident %(incident)s.")
                              % {"tip": tip.reference, "incident": incident.reference})
    list_display = [*TipAdmin.list_display, "urgency", "labels"]
    list_select_related = ["triage"]

    @admin.display(description=_("urgency"), ordering="triage__urgency")
    def urgency(self, obj: Tip) -> int | None:
        triage = getattr(obj, "triage", None)
        return triage.urgency if triage else None

    @admin.display(description=_("categories"))
    def labels(self, obj: Tip) -> str:
        triage = getattr(obj, "triage", None)
        return ", ".join(triage.labels) if triage else ""

    def save_formset(self, request, form, formset, change) -> None:  # noqa: ANN001
        if formset.model is not TipTriage:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # the form edits no model field; this only fills the change log
        for inline_form in formset.forms:
            if inline_form.instance.pk and "corrected_labels" in inline_form.changed_data:
                correct_categories(form.instance, inline_form.cleaned_data["corrected_labels"], by=request.user)
        return None


class IncidentTipInline(admin.TabularInline):
    model = TipTriage
    fk_name = "incident"
    extra = 0
    can_delete = False
    fields = ["tip_link", "received", "place", "language", "labels", "urgency", "why", "photos", "similarity"]
    readonly_fields = fields
    verbose_name_plural = _("Tips")

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return super().get_queryset(request).select_related("tip").prefetch_related("tip__attachments")

    @admin.display(description=_("tip"))
    def tip_link(self, obj: TipTriage) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:reporting_tip_change", args=[obj.tip_id]), obj.tip.reference)

    @admin.display(description=_("received"))
    def received(self, obj: TipTriage) -> object:
        return obj.tip.received_at

    @admin.display(description=_("place"))
    def place(self, obj: TipTriage) -> str:
        tip = obj.tip
        coordinates = f"{tip.latitude:.4f}, {tip.longitude:.4f}" if tip.latitude is not None else ""
        return " · ".join(part for part in (tip.place_name, coordinates) if part) or "–"

    @admin.display(description=_("language"))
    def language(self, obj: TipTriage) -> str:
        return obj.tip.detected_language or obj.tip.declared_language or "–"

    @admin.display(description=_("Why this urgency"))
    def why(self, obj: TipTriage) -> str:
        return format_html_join("", "<div>{}</div>", ((describe_reason(r),) for r in obj.urgency_reasons)) or "–"

    @admin.display(description=_("photos"))
    def photos(self, obj: TipTriage) -> int:
        return len(obj.tip.attachments.all())

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class CategoryFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return [(c.slug, c.name()) for c in Category.objects.filter(active=True)]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        # A text match on the JSON list works on PostgreSQL and on SQLite alike.
        return queryset.filter(labels__icontains=f'"{self.value()}"') if self.value() else queryset


class NeedsHumanFilter(admin.SimpleListFilter):
    title = _("needs a human")
    parameter_name = "needs_human"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        return queryset.filter(tip_triages__needs_human=True).distinct() if self.value() == "yes" else queryset


class NewInformationFilter(admin.SimpleListFilter):
    title = _("new information")
    parameter_name = "new_information"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        return queryset.filter(new_information_at__isnull=False) if self.value() == "yes" else queryset


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """The queue: the most urgent, best corroborated incident first."""

    list_display = ["reference", "status", "urgency", "reporter_count", "tip_count", "labels", "last_tip_at",
                    "assigned_to", "has_new_information"]
    list_filter = ["status", NewInformationFilter, CategoryFilter, NeedsHumanFilter, "tip_triages__tip__detected_language",
                   "tip_triages__tip__region", "tip_triages__tip__channel", "last_tip_at", "assigned_to"]
    search_fields = ["reference", "tip_triages__tip__reference"]
    ordering = ["-urgency", "-reporter_count", "-last_tip_at"]
    readonly_fields = ["reference", "created_at", "last_tip_at", "tip_count", "reporter_count", "urgency",
                       "urgency_display", "labels", "assigned_to", "new_information_at", "related", "timeline"]
    inlines = [IncidentTipInline]

    @admin.display(description=_("new information"), boolean=True)
    def has_new_information(self, obj: Incident) -> bool:
        return obj.new_information_at is not None

    @admin.display(description=_("why this urgency"))
    def urgency_display(self, obj: Incident) -> str:
        top = obj.tip_triages.order_by("-urgency").first()
        reasons = incident_reasons(top.urgency_reasons if top else [], obj.reporter_count, obj.labels)
        return format_html_join("", "<div>{}</div>", ((describe_reason(r),) for r in reasons)) or "–"

    def change_view(self, request, object_id, form_url="", extra_context=None):  # noqa: ANN001, ANN201
        incident = self.get_object(request, unquote(object_id))
        if incident is not None and incident.new_information_at is not None and request.method == "GET":
            self.message_user(request, _(
                "New information: tips joined this incident after it was verified, handed off or closed. Review "
                "them, and send the agencies an update if it was handed off."),
                messages.WARNING)
            StaffNotice.objects.filter(incident=incident, user=request.user, seen_at=None).update(seen_at=timezone.now())
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Incidents sharing an identifier"))
    def related(self, obj: Incident) -> str:
        incidents = related_incidents(obj)
        links = ((reverse("admin:triage_incident_change", args=[i.pk]), i.reference, i.urgency) for i in incidents)
        return format_html_join(", ", '<a href="{}">{}</a> ({})', links) or "–"

    @admin.display(description=_("Timeline"))
    def timeline(self, obj: Incident) -> str:
        """Status changes and messages of the incident's tips, oldest first."""
        entries = incident_timeline(obj)
        return format_html_join("", "<div>{} · {} · {}</div>", ((when, tip, what) for when, tip, what in entries)) or "–"
    actions = ["verify", "reject_spam", "reject_not_actionable", "reject_duplicate", "merge", "assign_to_me"]

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        visible = super().get_queryset(request).select_related("assigned_to")
        scope = tips_visible_to(request.user, prefix="tip_triages__tip__")
        return visible.filter(scope).distinct() if scope else visible

    @admin.action(description=_("Verify"))
    def verify(self, request, queryset) -> None:  # noqa: ANN001
        for incident in queryset:
            verify_incident(incident, request.user)
        self.message_user(request, _("Verified: %(count)d.") % {"count": len(queryset)})

    def _reject(self, request, queryset, reason: str) -> None:  # noqa: ANN001
        for incident in queryset:
            reject_incident(incident, reason, request.user)
        self.message_user(request, _("Rejected: %(count)d.") % {"count": len(queryset)})

    @admin.action(description=_("Reject as spam"))
    def reject_spam(self, request, queryset) -> None:  # noqa: ANN001
        self._reject(request, queryset, "spam")

    @admin.action(description=_("Reject: not actionable"))
    def reject_not_actionable(self, request, queryset) -> None:  # noqa: ANN001
        self._reject(request, queryset, "not_actionable")

    @admin.action(description=_("Reject as a duplicate"))
    def reject_duplicate(self, request, queryset) -> None:  # noqa: ANN001
        self._reject(request, queryset, "duplicate")

    @admin.action(description=_("Merge into the most urgent of them"))
    def merge(self, request, queryset) -> None:  # noqa: ANN001
        incidents = sorted(queryset, key=lambda i: (-i.urgency, -i.reporter_count, i.created_at))
        if len(incidents) < 2:
            self.message_user(request, _("Select at least two incidents to merge."), messages.WARNING)
            return
        try:
            target = merge_incidents(incidents[0], incidents[1:], request.user)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.ERROR)
            return
        self.message_user(request, _("Merged into %(reference)s.") % {"reference": target.reference})

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset) -> None:  # noqa: ANN001
        for incident in queryset:
            assign_incident(incident, request.user, request.user)


class PromoteForm(forms.Form):
    force = forms.BooleanField(label=_("Promote anyway"), required=False,
                               help_text=_("Only when the candidate scores worse and you know why it is better."))
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(admin.ModelAdmin):
    """Supervisors train candidates, compare them with the active model and promote one (triage.retraining)."""

    list_display = ["version", "is_active", "created_at", "promoted_at", "macro_f1", "evaluation_f1", "promote_link"]
    readonly_fields = ["version", "path", "labels", "thresholds", "comparison_display", "metrics", "training_summary",
                       "created_at", "trained_by", "is_active", "promoted_at", "promoted_by"]
    exclude = ["comparison", "compared_with"]
    change_list_template = "admin/triage/classifierversion/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClassifierVersion | None = None) -> bool:
        return False

    def _may_promote(self, request: HttpRequest) -> bool:
        return request.user.has_perm("triage.promote_classifierversion")

    @admin.display(description=_("macro F1 (validation split)"))
    def macro_f1(self, obj: ClassifierVersion) -> str:
        value = obj.metrics.get("macro_f1")
        return f"{value:.3f}" if isinstance(value, float) else "–"

    @admin.display(description=_("macro F1 (evaluation set)"))
    def evaluation_f1(self, obj: ClassifierVersion) -> str:
        figures = obj.comparison.get("evaluation") or {}
        candidate = figures.get("candidate") or {}
        return f"{candidate['macro_f1']:.3f}" if "macro_f1" in candidate else "–"

    @admin.display(description=_("compare and promote"))
    def promote_link(self, obj: ClassifierVersion) -> str:
        if obj.is_active:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("admin:triage_classifierversion_promote", args=[obj.pk]), _("Compare"))

    @admin.display(description=_("compared with the active model"))
    def comparison_display(self, obj: ClassifierVersion) -> str:
        return render_to_string("admin/triage/classifierversion/comparison.html", {"rows": comparison_rows(obj)})

    def get_urls(self):  # noqa: ANN201
        return [
            path("train/", self.admin_site.admin_view(self.train_view), name="triage_classifierversion_train"),
            path("<path:object_id>/promote/", self.admin_site.admin_view(self.promote_view),
                 name="triage_classifierversion_promote"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = {"may_promote": self._may_promote(request), "latest_run": RetrainingRun.objects.first(), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def train_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self._may_promote(request):
            raise PermissionDenied
        with transaction.atomic():
            request_retraining(request.user)
        self.message_user(request, _("A candidate is being trained from the seed set and the corrections. "
                                     "It appears in this list in a few minutes, compared with the active model."))
        return redirect("admin:triage_classifierversion_changelist")

    def promote_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            raise Http404
        if not self._may_promote(request):
            raise PermissionDenied
        form = PromoteForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                promote_candidate(candidate, request.user, force=form.cleaned_data["force"], reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, _("%(version)s is now the model every worker uses.") % {"version": candidate.version},
                                  messages.SUCCESS)
                return redirect("admin:triage_classifierversion_changelist")
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "candidate": candidate, "form": form,
            "rows": comparison_rows(candidate), "title": _("Compare and promote %(version)s") % {"version": candidate.version},
        }
        return TemplateResponse(request, "admin/triage/classifierversion/promote.html", context)


def comparison_rows(version: ClassifierVersion) -> list[dict[str, object]]:
    """One row per compared set: documents, the candidate's and the active model's figures."""
    names = {"evaluation": _("evaluation set"), "corrections": _("held-back corrections")}
    rows = []
    for key, figures in version.comparison.items():
        active = figures.get("active") or {}
        rows.append({
            "name": names.get(key, key), "documents": figures["documents"],
            "candidate_macro": figures["candidate"]["macro_f1"], "candidate_micro": figures["candidate"]["micro_f1"],
            "active_macro": active.get("macro_f1"), "active_micro": active.get("micro_f1"),
            "worse": key in worse_on(version.comparison),
        })
    return rows
