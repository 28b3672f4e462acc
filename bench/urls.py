"""The project's URLs plus the reference views the benchmarks compare against."""

from __future__ import annotations

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

from .reference import bare_insert, empty_view

urlpatterns = [
    path("bench/bare-insert/", bare_insert, name="bench-bare-insert"),
    path("bench/empty/", empty_view, name="bench-empty"),
    *project_urlpatterns,
]
