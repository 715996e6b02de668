from django.urls import path

from . import views

urlpatterns = [
    path("salons/", views.SalonListApi.as_view(), name="api_salon_list"),
    path("salons/<slug:slug>/", views.SalonDetailApi.as_view(), name="api_salon_detail"),
]
