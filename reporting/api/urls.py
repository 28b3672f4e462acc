from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("tips/", views.TipCreateView.as_view(), name="tip-create"),
    path("tips/<str:reference>/", views.TipStatusView.as_view(), name="tip-status"),
    path("tips/<str:reference>/messages/", views.TipReplyView.as_view(), name="tip-reply"),
]
