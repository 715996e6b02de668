"""Client self-booking: the salon's look on client pages, what clients did from their links, and
clients who unsubscribed from SalonSync's emails."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Accent(models.TextChoices):
    PLUM = "plum", "Plum"
    TEAL = "teal", "Teal"
    ROSE = "rose", "Rose"
    SLATE = "slate", "Slate"
    GOLD = "gold", "Gold"


class ClientPageLook(models.Model):
    """How the salon's client pages look: its accent colour (a class of static/css/selfbook.css:
    the strict CSP allows no inline style) and a line under its name. None saved: plum."""

    salon = models.OneToOneField(
        "integrations.Salon", on_delete=models.CASCADE, related_name="client_page_look"
    )
    accent = models.CharField(max_length=16, choices=Accent.choices, default=Accent.PLUM)
    tagline = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Client pages of {self.salon}"


class ClientAction(models.Model):
    """A client's booking or request from their link.

    ``booked``: the client booked from the link (the suggestion is credited to them while it is
    accepted with this option). ``asked``: the platform does not let SalonSync book, or every
    opening had gone, so the client asked for a time: a task on the owner's suggestions page
    until someone marks it done.
    """

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked from the link"
        ASKED = "asked", "Asked for a time"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    # option_index for "any other time" (every opening had gone).
    ANY_TIME = -1

    suggestion = models.ForeignKey(
        "rebooking.RebookingSuggestion", on_delete=models.CASCADE, related_name="client_actions"
    )
    customer_ref = models.CharField(max_length=128)
    customer_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    option_index = models.SmallIntegerField()
    when_label = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "customer_ref", "kind", "option_index"],
                name="selfbook_action_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_name or self.customer_ref}: {self.get_kind_display()}"


class ClientOptOut(models.Model):
    """A client who unsubscribed from SalonSync's emails (kept here, not on the mirrored
    customer, which each sync overwrites from the platform)."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="+"
    )
    customer_ref = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "customer_ref"], name="selfbook_opt_out_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_ref} unsubscribed"
