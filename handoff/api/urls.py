from django.urls import path

from . import views

app_name = "handoff-api"
urlpatterns = [
    path("handoffs/<int:handoff_id>/status", views.HandoffStatusView.as_view(), name="handoff-status"),
]
