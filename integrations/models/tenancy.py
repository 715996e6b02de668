"""Tenancy: salons and who belongs to them with which role."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from salons.roles import Role, role_can

from ..money import normalize_currency


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone, e.g. America/New_York.")


def validate_currency(value: str) -> None:
    if value and normalize_currency(value) != value:
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code, e.g. USD.")


class Salon(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_timezone],
        help_text="IANA time zone, e.g. America/New_York. Appointment times are shown in it.",
    )
    # Blank until the owner picks one or a platform that states its currency is connected
    # (integrations.services.integration_connect); amounts then show as bare numbers.
    currency = models.CharField(
        max_length=3,
        blank=True,
        default="",
        validators=[validate_currency],
        help_text="ISO 4217 code, e.g. USD. Filled from the platform when you connect one that "
        "says; amounts are shown in it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="salons"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("salon_detail", kwargs={"slug": self.slug})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    salon = models.ForeignKey(Salon, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "salon"], name="one_membership_per_salon")
        ]
        ordering = ["salon__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} — {self.salon} ({self.get_role_display()})"

    def can(self, action: str) -> bool:
        return role_can(self.role, action)
