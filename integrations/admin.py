from django.contrib import admin, messages
from django.db import models

from salonsync.safe_json import JSON_FORM_FIELDS

from .models import (
    ApiCall,
    Integration,
    IntegrationIssue,
    Invitation,
    Membership,
    MirroredAppointment,
    MirroredCustomer,
    MirroredLocation,
    MirroredProvider,
    MirroredService,
    Salon,
    SyncRun,
    WorkerHeartbeat,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Salon)
class SalonAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "member_count", "created_at"]
    list_filter = ["timezone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    @admin.display(description="Members")
    def member_count(self, salon) -> int:
        return salon.memberships.count()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "salon", "role", "created_at"]
    list_filter = ["role", "salon"]
    search_fields = ["user__username", "user__email", "salon__name", "salon__slug"]
    autocomplete_fields = ["user", "salon"]
    list_select_related = ["user", "salon"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["source", "seen_at"]
    search_fields = ["source"]
    readonly_fields = ["source", "seen_at"]


class ApiCallInline(admin.TabularInline):
    model = ApiCall
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["created_at", "operation", "method", "path", "status", "duration_ms", "error_code"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def get_queryset(self, request):
        # Only the latest calls; the full log is on the ApiCall admin.
        recent = super().get_queryset(request).order_by("-created_at")
        ids = recent.values_list("pk", flat=True)[:20]
        return super().get_queryset(request).filter(pk__in=list(ids))


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["salon", "platform", "account_key", "status", "last_sync_at", "last_error_at"]
    list_filter = ["platform", "status"]
    search_fields = ["salon__name", "salon__slug", "account_key", "account_name"]
    list_select_related = ["salon"]
    # Credentials and tokens are write-only: never a form field, only which ones are saved.
    fields = [
        "id",
        "salon",
        "platform",
        "status",
        "account",
        "account_key",
        "account_name",
        "saved_credentials",
        "token_expires_at",
        "options",
        "last_sync_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "id",
        "account_key",
        "saved_credentials",
        "token_expires_at",
        "last_sync_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "created_at",
        "updated_at",
    ]
    actions = ["test_connection", "sync_now", "full_resync"]
    inlines = [ApiCallInline]
    formfield_overrides = {models.JSONField: JSON_FORM_FIELDS}  # account, options

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        self._request_syncs(request, queryset, SyncRun.Kind.INCREMENTAL)

    @admin.action(description="Full resync")
    def full_resync(self, request, queryset):
        self._request_syncs(request, queryset, SyncRun.Kind.FULL)

    def _request_syncs(self, request, queryset, kind):
        from .sync import sync_request, sync_skip_reason

        queued = 0
        for integration in queryset.select_related("salon"):
            reason = sync_skip_reason(integration)
            if reason:
                self.message_user(request, f"{integration}: {reason}", messages.WARNING)
                continue
            sync_request(integration=integration, kind=kind)
            queued += 1
        self.message_user(
            request, f"{queued} sync{'s' if queued != 1 else ''} queued.", messages.SUCCESS
        )

    @admin.display(description="Saved credentials")
    def saved_credentials(self, integration) -> str:
        names = integration.saved_credential_names
        return ", ".join(f"{name}: saved" for name in names) or "none"

    @admin.action(description="Test connection")
    def test_connection(self, request, queryset):
        from .adapters.errors import ConfigurationError, IntegrationError
        from .booking import BookingService

        for integration in queryset.select_related("salon"):
            try:
                result = BookingService(integration).test_connection()
            except (IntegrationError, ConfigurationError) as exc:
                self.message_user(request, f"{integration}: {exc}", messages.ERROR)
            else:
                level = messages.SUCCESS if result.ok else messages.WARNING
                text = result.message or result.account_name or "ok"
                self.message_user(request, f"{integration}: {text}", level)


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "integration",
        "operation",
        "method",
        "path",
        "status",
        "duration_ms",
        "error_code",
    ]
    list_filter = ["error_code", "method", "integration__platform", "operation"]
    search_fields = ["operation", "path", "integration__account_key", "integration__salon__slug"]
    date_hierarchy = "created_at"
    list_select_related = ["integration__salon"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MirrorAdmin(admin.ModelAdmin):
    """Mirrored platform data is written by webhooks and syncs only: read-only here."""

    list_filter = ["integration__platform"]
    list_select_related = ["integration__salon"]
    readonly_fields = ["integration", "platform_id", "version_at", "mirrored_at", "raw"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MirroredCustomer)
class MirroredCustomerAdmin(MirrorAdmin):
    list_display = ["__str__", "integration", "email", "phone", "active", "platform_updated_at"]
    list_filter = ["integration__platform", "active", "email_opt_in", "sms_opt_in"]
    search_fields = ["platform_id", "first_name", "last_name", "email", "phone"]


@admin.register(MirroredService)
class MirroredServiceAdmin(MirrorAdmin):
    list_display = ["name", "category", "duration_minutes", "price", "active", "integration"]
    list_filter = ["integration__platform", "active", "category"]
    search_fields = ["platform_id", "name", "category"]


@admin.register(MirroredProvider)
class MirroredProviderAdmin(MirrorAdmin):
    list_display = ["name", "active", "integration"]
    search_fields = ["platform_id", "name"]


@admin.register(MirroredLocation)
class MirroredLocationAdmin(MirrorAdmin):
    list_display = ["name", "timezone", "integration"]
    search_fields = ["platform_id", "name"]


@admin.register(MirroredAppointment)
class MirroredAppointmentAdmin(MirrorAdmin):
    list_display = ["platform_id", "start", "status", "service_name", "customer_ref", "integration"]
    list_filter = ["integration__platform", "status", "deleted"]
    search_fields = ["platform_id", "customer_ref", "provider_ref", "service_name"]
    date_hierarchy = "start"


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "integration", "kind", "state", "finished_at", "counts"]
    list_filter = ["kind", "state", "integration__platform"]
    search_fields = ["integration__salon__slug", "integration__account_key", "error"]
    list_select_related = ["integration__salon"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(IntegrationIssue)
class IntegrationIssueAdmin(admin.ModelAdmin):
    list_display = ["kind", "integration", "opened_at", "last_seen_at", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "integration__platform"]
    search_fields = ["integration__salon__slug", "integration__account_key", "details"]
    list_select_related = ["integration__salon"]
    readonly_fields = [f.name for f in IntegrationIssue._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations to a salon. The token exists only in the email; here, only its hash is kept
    (and not shown), so an invitation cannot be reopened from the admin: re-send it from the
    salon's Team page."""

    list_display = ["email", "salon", "role", "state", "sent_at", "expires_at", "invited_by"]
    list_filter = ["role", "salon"]
    search_fields = ["email", "salon__name"]
    readonly_fields = ["created_at", "sent_at", "accepted_at", "accepted_by", "invited_by"]
    exclude = ["token_hash"]
    raw_id_fields = ["salon"]

    @admin.display(description="State")
    def state(self, invitation) -> str:
        return invitation.State(invitation.state).label

    def has_add_permission(self, request) -> bool:
        return False  # an invitation needs its emailed token: owners send them from the Team page
