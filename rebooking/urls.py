"""URLs of the rebooking pages (included from salonsync/urls.py)."""

from django.urls import path

from . import views, views_backtest

SALON = "salons/<slug:slug>/rebooking/"

urlpatterns = [
    path(SALON, views.SuggestionListView.as_view(), name="rebooking_suggestions"),
    path(SALON + "settings/", views.RebookingSettingsView.as_view(), name="rebooking_settings"),
    path(SALON + "backtest/", views_backtest.BacktestView.as_view(), name="rebooking_backtest"),
    path(
        SALON + "backtest/<int:pk>/apply/",
        views_backtest.BacktestApplyView.as_view(),
        name="rebooking_backtest_apply",
    ),
    path(
        SALON + "<int:pk>/accept/",
        views.SuggestionAcceptView.as_view(),
        name="rebooking_suggestion_accept",
    ),
    path(
        SALON + "<int:pk>/dismiss/",
        views.SuggestionDismissView.as_view(),
        name="rebooking_suggestion_dismiss",
    ),
]
