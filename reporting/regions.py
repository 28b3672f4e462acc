"""Which region a place is in (reporting.models.Region)."""

from __future__ import annotations

from .models import Region


def region_for(latitude: float | None, longitude: float | None) -> Region | None:
    """The smallest region whose box holds the point; None without a point or a match.

    Regions are few (tens), so they are filtered here rather than by an index.
    """
    if latitude is None or longitude is None:
        return None
    boxes = Region.objects.filter(min_latitude__lte=latitude, max_latitude__gte=latitude,
                                  min_longitude__lte=longitude, max_longitude__gte=longitude)
    return min(boxes, key=Region.area, default=None)
