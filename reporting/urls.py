from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("status/", views.status, name="status"),
    path("status/reply/", views.reply, name="reply"),
]
