"""What Tipline achieves, for the admin's first page: tips per day, time to each step, rates,
and what agencies did with what they received."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.models import Channel, Tip, TipEvent, TipStatus
from triage.models import Category

from .models import Handoff, HandoffState

WINDOW_DAYS = 30


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    share: float  # 0..1 of the largest bar, for the width


@dataclass(frozen=True)
class Effectiveness:
    days: int
    tips_per_day: list[Bar]
    by_channel: list[Bar]
    by_category: list[Bar]
    median_hours: list[Bar]  # to triaged, verified, handed off
    verified_rate: float | None
    duplicate_rate: float | None
    handoff_outcomes: list[Bar]


def bars(counts: dict[str, float]) -> list[Bar]:
    top = max(counts.values(), default=0) or 1
    return [Bar(label, value, value / top) for label, value in counts.items()]


def _median_hours(pairs: list[tuple[datetime, datetime]]) -> float | None:
    spans = [(later - earlier).total_seconds() / 3600 for earlier, later in pairs if later >= earlier]
    return round(statistics.median(spans), 1) if spans else None


def measure(now: datetime | None = None, days: int = WINDOW_DAYS) -> Effectiveness:
    since = (now or timezone.now()) - timedelta(days=days)
    tips = Tip.objects.filter(received_at__gte=since)
    per_day = {d: n for d, n in tips.annotate(day=TruncDate("received_at")).values_list("day").annotate(n=Count("id"))}
    start = since.date()
    day_counts = {(start + timedelta(days=i)).isoformat(): per_day.get(start + timedelta(days=i), 0)
                  for i in range(days + 1)}
    channels = dict(tips.values_list("channel").annotate(n=Count("id")).order_by("-n"))
    categories = Counter(label for labels in tips.values_list("triage__labels", flat=True) if labels for label in labels)
    received = dict(tips.values_list("pk", "received_at"))
    triaged = [(r, t) for r, t in tips.exclude(triaged_at=None).values_list("received_at", "triaged_at")]
    reached: dict[str, list[tuple[datetime, datetime]]] = {TipStatus.VERIFIED: [], TipStatus.HANDED_OFF: []}
    for tip_id, status, at in TipEvent.objects.filter(tip__in=tips, to_status__in=list(reached)).values_list(
            "tip_id", "to_status", "at"):
        reached[status].append((received[tip_id], at))
    reviewed = tips.exclude(status__in=[TipStatus.RECEIVED, TipStatus.TRIAGED, TipStatus.IN_REVIEW])
    reviewed_count = reviewed.count()
    confirmed = reviewed.filter(status__in=[TipStatus.VERIFIED, TipStatus.HANDED_OFF, TipStatus.CLOSED]).count()
    in_shared_incidents = tips.filter(triage__incident__tip_count__gt=1).count()
    medians = {_("to triaged"): _median_hours(triaged), _("to verified"): _median_hours(reached[TipStatus.VERIFIED]),
               _("to handed off"): _median_hours(reached[TipStatus.HANDED_OFF])}
    names = {category.slug: category.name() for category in Category.objects.all()}
    outcomes = dict(Handoff.objects.filter(created_at__gte=since).values_list("state").annotate(n=Count("id")))
    return Effectiveness(
        days=days,
        tips_per_day=bars(day_counts),
        by_channel=bars({str(Channel(c).label): n for c, n in channels.items()}),
        by_category=bars({names.get(slug, slug): n for slug, n in categories.most_common()}),
        median_hours=bars({label: value for label, value in medians.items() if value is not None}),
        verified_rate=confirmed / reviewed_count if reviewed_count else None,
        duplicate_rate=in_shared_incidents / tips.count() if tips.exists() else None,
        handoff_outcomes=bars({str(HandoffState(state).label): n for state, n in outcomes.items()}),
    )
