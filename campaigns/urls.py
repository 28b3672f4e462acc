from django.urls import path

from .views import campaign_page

app_name = "campaigns"
urlpatterns = [path("c/<slug:code>/", campaign_page, name="page")]
