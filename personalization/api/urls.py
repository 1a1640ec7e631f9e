from django.urls import path

from personalization.api.views import DecideView

urlpatterns = [path("decide/", DecideView.as_view(), name="personalize-decide")]
