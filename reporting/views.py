"""Web form and status pages for residents: work with JavaScript off (docs/intake.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import ReplyForm, StatusLookupForm, TipForm
from .intake import (
    TipSubmission,
    add_reporter_reply,
    messages_for_reporter,
    open_tip,
    reporter_facing_status,
    submit_tip,
)
from .models import Channel, Tip
from .receipts import format_receipt
from .throttles import PseudonymousClientThrottle, ReceiptThrottle, is_throttled


def _too_many(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    context["throttled"] = True
    return render(request, template, context, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = TipForm(initial={"campaign": request.GET.get("c", "")[:32]})
        return render(request, "reporting/report.html", {"form": form})
    form = TipForm(request.POST, request.FILES)
    if is_throttled(request, PseudonymousClientThrottle):
        return _too_many(request, "reporting/report.html", {"form": form})
    if not form.is_valid():
        return render(request, "reporting/report.html", {"form": form}, status=400)
    data = form.cleaned_data
    submission = TipSubmission(
        text=data["text"],
        channel=Channel.WEB,
        declared_language=get_language() or "",
        place_name=data["place_name"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        occurred_window=data["occurred"],
        photos=data["photos"],
        campaign_code=data["campaign"],
    )
    try:
        submitted = submit_tip(submission)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, "reporting/report.html", {"form": form}, status=400)
    # Rendered, not redirected: the receipt must appear once and never in a URL or history.
    return render(
        request,
        "reporting/received.html",
        {"reference": submitted.reference, "receipt": format_receipt(submitted.receipt)},
        status=201,
    )


def _render_thread(
    request: HttpRequest, tip: Tip, receipt: str, status_code: int = 200, **extra: object
) -> HttpResponse:
    context = {
        "tip": tip,
        "status_text": reporter_facing_status(tip.status),
        "thread": messages_for_reporter(tip),
        "reply_form": ReplyForm(initial={"reference": tip.reference, "receipt": receipt}),
        **extra,
    }
    return render(request, "reporting/status_detail.html", context, status=status_code)


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "reporting/status.html", {"form": StatusLookupForm()})
    form = StatusLookupForm(request.POST)
    if is_throttled(request, ReceiptThrottle):
        return _too_many(request, "reporting/status.html", {"form": form})
    if not form.is_valid():
        return render(request, "reporting/status.html", {"form": form}, status=400)
    tip = open_tip(form.cleaned_data["reference"], form.cleaned_data["receipt"])
    if tip is None:
        return render(request, "reporting/status.html", {"form": form, "not_found": True}, status=404)
    return _render_thread(request, tip, form.cleaned_data["receipt"])


@never_cache
@require_http_methods(["POST"])
def reply(request: HttpRequest) -> HttpResponse:
    form = ReplyForm(request.POST)
    if is_throttled(request, ReceiptThrottle):
        return _too_many(request, "reporting/status.html", {"form": StatusLookupForm()})
    reference, receipt = request.POST.get("reference", ""), request.POST.get("receipt", "")
    tip = open_tip(reference, receipt)
    if tip is None:
        return render(
            request, "reporting/status.html", {"form": StatusLookupForm(), "not_found": True}, status=404
        )
    if not form.is_valid():
        return _render_thread(request, tip, receipt, 400, reply_errors=form.errors.get("text"))
    add_reporter_reply(tip, form.cleaned_data["text"])
    return _render_thread(request, tip, receipt, reply_sent=True)
