from django.urls import path

from .views import campaign_image, campaign_page

app_name = "campaigns"
urlpatterns = [
    path("c/<slug:code>/", campaign_page, name="page"),
    # The base_url of the "campaign_images" storage (config/settings/base.py).
    path("campaign-images/<str:name>", campaign_image, name="image"),
]
