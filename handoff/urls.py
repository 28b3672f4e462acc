from django.urls import path

from .views import handoff_photo

app_name = "handoff"
urlpatterns = [path("handoff/photos/<str:token>/", handoff_photo, name="photo")]
