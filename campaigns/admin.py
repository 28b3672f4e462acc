"""Campaigns in the admin: write the base language first, see which translations are missing or
older than the base text, submit, and have a supervisor approve."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handoff.models import HandoffState
from reporting.audit import record_audit

from .actions import (
    Attribution,
    approve,
    attribution,
    back_to_draft,
    cancel,
    discard_image_after_commit,
    prepare_image,
    submit_for_approval,
    tips_around_send,
)
from .broadcast import Progress, opted_out, plan_broadcast, progress, progress_figures, recipients
from .models import Campaign
from .tasks import broadcast_campaign
from .texts import MISSING, OUTDATED, translation_states, write_language

STATE_LABELS = {MISSING: gettext_lazy("missing"), OUTDATED: gettext_lazy("older than the base text")}


class CampaignFormBase(forms.ModelForm):
    """A title and a text field per shipped language (declared below), stored in the JSON fields."""

    audience_languages = forms.MultipleChoiceField(
        label=gettext_lazy("audience languages"), choices=settings.LANGUAGES, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("None ticked: every language."))

    class Meta:
        model = Campaign
        fields = ["code", "base_language", "audience_languages", "audience_regions", "telegram_broadcast",
                  "public_page", "send_at", "repeat_every_days", "image"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for code, _name in settings.LANGUAGES:
            self.fields[f"title_{code}"].initial = self.instance.titles.get(code, "")
            self.fields[f"body_{code}"].initial = self.instance.bodies.get(code, "")

    def clean(self) -> dict:
        data = super().clean()
        base = data.get("base_language") or self.instance.base_language
        if not (data.get(f"title_{base}") and data.get(f"body_{base}")):
            raise ValidationError(_("Write the title and text in the base language first."))
        if data.get("repeat_every_days") and not data.get("send_at"):
            self.add_error("send_at", _("A repeating campaign needs a first send time: rounds count from it."))
        return data

    def clean_image(self) -> object:
        """A new upload is checked and re-encoded; keeping or clearing the current one passes."""
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return prepare_image(image.read())
        return image

    def save(self, commit: bool = True) -> Campaign:
        campaign = super().save(commit=False)
        if "image" in self.changed_data:
            campaign.telegram_file_id = ""  # Telegram's id was for the previous image
            discard_image_after_commit(getattr(self.initial.get("image"), "name", "") or "")
        for code, _name in settings.LANGUAGES:
            write_language(campaign, code, self.cleaned_data.get(f"title_{code}", ""),
                           self.cleaned_data.get(f"body_{code}", ""))
        if commit:
            campaign.save()
        return campaign


def _text_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for code, name in settings.LANGUAGES:
        fields[f"title_{code}"] = forms.CharField(label=format_lazy("{} ({})", gettext_lazy("Title"), name),
                                                  required=False, max_length=120)
        fields[f"body_{code}"] = forms.CharField(label=format_lazy("{} ({})", gettext_lazy("Text"), name),
                                                 required=False, max_length=3000, widget=forms.Textarea)
    return fields


# Declared on the class, so the admin's form factory knows them.
CampaignForm = type("CampaignForm", (CampaignFormBase,), _text_fields())


def progress_lines(figures: Progress) -> dict[str, str]:
    """The round and the counts as sentences, for the change page and its live refresh."""
    rate = f"{figures.per_second:.1f}" if figures.per_second else "–"
    eta = f"{figures.seconds_left / 60:.0f}" if figures.seconds_left is not None else "–"
    return {
        "round": _("Round %(round)d; rounds sent: %(rounds_sent)d.") % {"round": figures.round,
                                                                          "rounds_sent": figures.rounds_sent},
        "counts": _("%(sent)d of %(total)d sent, %(failed)d failed, %(skipped)d unsubscribed; %(rate)s a second; "
                    "about %(minutes)s minutes left") % {"sent": figures.sent, "total": figures.total,
                                                         "failed": figures.failed, "skipped": figures.skipped,
                                                         "rate": rate, "minutes": eta},
    }


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ["__str__", "code", "status", "translations", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "created_by", "approved_by", "approved_at", "translations", "tips_brought",
                       "agency_outcomes", "broadcast_progress", "tips_per_day"]
    actions = ["submit", "approve_selected", "start_broadcast", "cancel_selected"]
    filter_horizontal = ["audience_regions"]

    class Media:
        # A static file, not an inline script: a Content-Security-Policy without 'unsafe-inline'
        # keeps working.
        js = ["campaigns/progress.js"]

    def get_fieldsets(self, request, obj=None):  # noqa: ANN001, ANN201
        texts = [name for code, _n in settings.LANGUAGES for name in (f"title_{code}", f"body_{code}")]
        return [
            (None, {"fields": ["code", "base_language", "audience_languages", "audience_regions",
                               "telegram_broadcast", "public_page", "send_at", "repeat_every_days", "image"]}),
            (_("Texts"), {"fields": texts}),
            (_("Status"), {"fields": self.readonly_fields}),
        ]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change and form.has_changed() and back_to_draft(obj, request.user):
            self.message_user(request, _("The campaign changed after it was submitted: it is a draft again, "
                                         "and needs submitting and approving before it goes out."), messages.WARNING)

    @admin.display(description=gettext_lazy("translations"))
    def translations(self, obj: Campaign) -> str:
        pending = [(code, STATE_LABELS[state]) for code, state in translation_states(obj).items() if state in STATE_LABELS]
        return format_html_join(", ", "{}: {}", pending) or _("all current")

    @staticmethod
    def _attribution(obj: Campaign) -> Attribution:
        """Counted once per page, though two fields show it."""
        if not hasattr(obj, "_attribution"):
            obj._attribution = attribution(obj)  # type: ignore[attr-defined]
        return obj._attribution  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("tips brought"))
    def tips_brought(self, obj: Campaign) -> str:
        figures = self._attribution(obj)
        reached = recipients(obj)
        per_thousand = f"{1000 * figures.tips / reached:.1f}" if reached else "–"
        return _("%(tips)d tips (%(per_thousand)s per 1,000 recipients), %(verified)d verified, "
                 "%(handed_off)d handed off; %(opted_out)d recipients have since opted out") % {
            "tips": figures.tips, "per_thousand": per_thousand, "verified": figures.verified,
            "handed_off": figures.handed_off, "opted_out": opted_out(obj)}

    @admin.display(description=gettext_lazy("what the agencies reported"))
    def agency_outcomes(self, obj: Campaign) -> str:
        outcomes = self._attribution(obj).outcomes
        return format_html_join(", ", "{}: {}", ((HandoffState(state).label, n) for state, n in outcomes.items())) or "–"

    @admin.display(description=gettext_lazy("tips per day, four weeks before the send to two after"))
    def tips_per_day(self, obj: Campaign) -> str:
        days = tips_around_send(obj)
        if not days:
            return "–"
        top = max(day.tips for day in days) or 1
        bars = ((f"{day.day.isoformat()}: {day.tips} ({day.attributed})", 100 * day.tips // top,
                 "#2a8" if day.attributed else "#79aec8") for day in days)
        return format_html(
            '<div style="display:flex;align-items:flex-end;gap:1px;height:80px;width:420px">{}</div>',
            format_html_join("", '<div title="{}" style="flex:1;height:{}%;min-height:1px;background:{}"></div>', bars),
        )

    @admin.display(description=gettext_lazy("broadcast"))
    def broadcast_progress(self, obj: Campaign) -> str:
        """The current round's figures, each line in a span that progress.js refreshes while it runs."""
        figures = progress(obj)
        if not figures.round:
            return "–"
        lines = progress_lines(figures)
        return format_html(
            '<div id="broadcast-progress" data-url="{}" data-running="{}">{}</div>',
            reverse("admin:campaigns_campaign_progress", args=[obj.pk]), "1" if figures.running else "",
            format_html_join(mark_safe("<br>"), '<span data-progress="{}">{}</span>', lines.items()))

    def get_urls(self):  # noqa: ANN201
        view = self.admin_site.admin_view(self.progress_view)
        return [path("<path:object_id>/progress/", view, name="campaigns_campaign_progress"), *super().get_urls()]

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """The broadcast figures as JSON, for whoever may see the change page (progress.js polls it)."""
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            raise Http404
        if not self.has_view_or_change_permission(request, campaign):
            raise PermissionDenied
        figures = progress(campaign)  # admin_view marks it never cached
        return JsonResponse({**progress_figures(figures), "lines": progress_lines(figures)})

    @admin.action(description=gettext_lazy("Start the Telegram broadcast"), permissions=["send"])
    def start_broadcast(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            try:
                total = plan_broadcast(campaign)
            except ValueError:
                self.message_user(request, _("%(campaign)s is not approved for Telegram.") % {"campaign": campaign},
                                  messages.ERROR)
                continue
            record_audit(request.user, "started_broadcast", campaign, recipients=total)
            transaction.on_commit(lambda pk=campaign.pk: broadcast_campaign.delay(pk))
            self.message_user(request, _("%(campaign)s: sending to %(total)d residents.")
                              % {"campaign": campaign, "total": total})

    @admin.action(description=gettext_lazy("Submit for approval"))
    def submit(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            submit_for_approval(campaign, request.user)

    @admin.action(description=gettext_lazy("Approve"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            try:
                approve(campaign, request.user)
            except (ValidationError, PermissionDenied) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else _("Not allowed.")
                self.message_user(request, f"{campaign}: {message}", messages.ERROR)

    @admin.action(description=gettext_lazy("Cancel (no further sends or rounds)"), permissions=["approve"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            cancel(campaign, request.user)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("campaigns.approve_campaign")

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("campaigns.send_campaign")
