from django.contrib import admin, messages
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
    exclude = ["body"]
    readonly_fields = [
        "platform",
        "integration",
        "external_id",
        "event_type",
        "occurred_at",
        "headers",
        "body_preview",
        "remote_ip",
        "received_at",
        "verified",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "processed_at",
    ]

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
