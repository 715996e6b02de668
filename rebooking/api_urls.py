"""REST API of rebooking, under /api/v1/salons/<slug>/rebooking/ (included from
integrations/api/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("settings/", api.RebookingSettingsApi.as_view(), name="api_rebooking_settings"),
    path("suggestions/", api.SuggestionListApi.as_view(), name="api_rebooking_suggestions"),
    path(
        "suggestions/<int:pk>/accept/",
        api.SuggestionAcceptApi.as_view(),
        name="api_rebooking_suggestion_accept",
    ),
    path(
        "suggestions/<int:pk>/dismiss/",
        api.SuggestionDismissApi.as_view(),
        name="api_rebooking_suggestion_dismiss",
    ),
]
