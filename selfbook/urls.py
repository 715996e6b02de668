"""The client's pages under /r/ (no login) and the owner's action on a client's request."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "r/unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="selfbook_unsubscribe"
    ),
    path("r/<str:token>/", views.ClientPageView.as_view(), name="selfbook_page"),
    path(
        "salons/<slug:slug>/rebooking/client-requests/<int:pk>/done/",
        views.ClientRequestDoneView.as_view(),
        name="selfbook_request_done",
    ),
]
