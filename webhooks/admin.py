from django.contrib import admin, messages
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils.html import format_html

from .models import WebhookEvent, WebhookStatus
from .services import webhook_replay


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "platform",
        "event_type",
        "external_id",
        "integration",
        "status",
        "attempts",
        "verified",
    ]
    list_filter = ["status", "platform", "verified", "event_type"]
    search_fields = ["external_id", "event_type", "integration__salon__slug", "last_error"]
    date_hierarchy = "received_at"
    list_select_related = ["integration__salon"]
    actions = ["replay"]
    # occurred_at is read as text only (see get_queryset).
    exclude = ["body", "occurred_at"]
    readonly_fields = [
        "platform",
        "integration",
        "external_id",
        "event_type",
        "occurred",
        "headers",
        "body_preview",
        "body_length",
        "remote_ip",
        "received_at",
        "verified",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "processed_at",
    ]

    def get_queryset(self, request):
        # The platform's time is read as text: a row stored before times were checked may hold
        # one no Python datetime can (year 10000 in UTC), and the list and page must still open.
        return (
            super()
            .get_queryset(request)
            .defer("occurred_at")
            .annotate(occurred_text=Cast("occurred_at", output_field=CharField()))
        )

    @admin.display(description="Occurred at (the platform's time)")
    def occurred(self, event) -> str:
        return event.occurred_text or "-"

    @admin.display(description="Body")
    def body_preview(self, event) -> str:
        return format_html("<pre>{}</pre>", event.body_text[:20000])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Replay (process again)")
    def replay(self, request, queryset):
        rejected = queryset.filter(status=WebhookStatus.REJECTED).count()
        count = webhook_replay(events=queryset)
        self.message_user(
            request,
            f"{count} event{'s' if count != 1 else ''} queued for processing.",
            messages.SUCCESS,
        )
        if rejected:
            self.message_user(
                request,
                f"{rejected} rejected event{'s' if rejected != 1 else ''} skipped: "
                "they never passed verification.",
                messages.WARNING,
            )
