from django.contrib import admin
from django.db import models

from salonsync.safe_json import JSON_FORM_FIELDS

from .models import (
    BacktestRun,
    ClientRhythm,
    Notification,
    RebookingSettings,
    RebookingSuggestion,
)


@admin.register(RebookingSettings)
class RebookingSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "salon",
        "enabled",
        "on_cancellation",
        "overdue_enabled",
        "lookahead_days",
        "cooldown_days",
        "updated_at",
    ]
    list_filter = ["enabled", "on_cancellation", "overdue_enabled"]
    search_fields = ["salon__name", "salon__slug"]
    formfield_overrides = {models.JSONField: JSON_FORM_FIELDS}  # fallback_intervals


@admin.register(RebookingSuggestion)
class RebookingSuggestionAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "salon",
        "kind",
        "status",
        "customer_name",
        "service_name",
        "provider_name",
        "expires_at",
    ]
    list_filter = ["kind", "status", "integration__platform"]
    search_fields = ["customer_name", "customer_ref", "service_name", "salon__slug", "dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["salon"]
    readonly_fields = [
        "dedupe_key",
        "options",
        "created_at",
        "decided_at",
        "decided_by",
        "booked_appointment_ref",
        "notified_at",
    ]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "salon", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["kind", "channel", "status"]
    search_fields = ["subject", "salon__slug", "last_error"]
    readonly_fields = [
        "recipients",
        "subject",
        "suggestions",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]


@admin.register(BacktestRun)
class BacktestRunAdmin(admin.ModelAdmin):
    """Read-only: runs are made by the owner's backtest page and its Celery task."""

    list_display = [
        "created_at",
        "salon",
        "status",
        "progress_done",
        "progress_total",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["salon__slug", "salon__name", "error"]
    date_hierarchy = "created_at"
    list_select_related = ["salon"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClientRhythm)
class ClientRhythmAdmin(admin.ModelAdmin):
    """Read-only: derived from the mirror (rebooking.rhythm_store), rebuilt, never edited."""

    list_display = [
        "customer_ref",
        "category",
        "visits",
        "median_gap",
        "last_visit",
        "last_provider_ref",
        "integration",
    ]
    list_filter = ["category"]
    search_fields = ["customer_ref", "integration__salon__slug"]
    list_select_related = ["integration__salon"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
