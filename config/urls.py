from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("reporting.api.urls")),
    path("api/v1/", include("handoff.api.urls")),
    path("", include("handoff.urls")),
    path("", include("campaigns.urls")),
    path("", include("bots.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="schema"), name="api-docs"),
]

# Resident pages live under a language prefix (/es/report/); /report/ redirects to the
# language the browser asks for.
urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="reporting:report", permanent=False)),
    path("", include("reporting.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)
