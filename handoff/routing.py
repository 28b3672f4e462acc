"""Which agencies should receive an incident: a suggestion a supervisor can override."""

from __future__ import annotations

from dataclasses import dataclass

from reporting.models import Tip
from triage.models import Incident

from .models import Agency


@dataclass(frozen=True)
class Suggestion:
    agency: Agency
    score: int
    reasons: tuple[str, ...]  # "category", "region", "language"


def incident_tips(incident: Incident) -> list[Tip]:
    return list(Tip.objects.filter(triage__incident=incident).select_related("region", "triage").order_by("received_at"))


def suggest_agencies(incident: Incident) -> list[Suggestion]:
    """Agencies whose categories, regions and languages fit, best first.

    An agency that lists categories must share one with the incident; one that lists regions
    must cover a region of its tips. Languages only rank: any agency can have a text translated.
    """
    tips = incident_tips(incident)
    regions = {tip.region_id for tip in tips if tip.region_id}
    languages = {tip.detected_language for tip in tips if tip.detected_language}
    labels = set(incident.labels)
    suggestions = []
    for agency in Agency.objects.filter(active=True).prefetch_related("regions"):
        reasons = []
        if agency.categories:
            if not labels & set(agency.categories):
                continue
            reasons.append("category")
        agency_regions = {region.pk for region in agency.regions.all()}
        if agency_regions:
            if not regions & agency_regions:
                continue
            reasons.append("region")
        if languages & set(agency.languages):
            reasons.append("language")
        score = 2 * ("category" in reasons) + 2 * ("region" in reasons) + ("language" in reasons)
        suggestions.append(Suggestion(agency, score, tuple(reasons)))
    return sorted(suggestions, key=lambda s: (-s.score, s.agency.name))
