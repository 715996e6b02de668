from django.contrib import admin
from django.db import models

from .models import (
    Account,
    Appointment,
    Client,
    Fault,
    OutboxEmail,
    Provider,
    Service,
    Token,
    WebhookDelivery,
)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "platform", "account_id", "branch_id", "region", "timezone"]
    list_filter = ["platform"]
    search_fields = ["name", "account_id", "branch_id", "username"]


class AccountScopedAdmin(admin.ModelAdmin):
    list_select_related = ["account"]
    raw_id_fields = ["account"]


@admin.register(Provider)
class ProviderAdmin(AccountScopedAdmin):
    list_display = ["__str__", "account", "ext_id", "active"]
    list_filter = ["account__platform", "active"]
    search_fields = ["first_name", "last_name", "ext_id"]


@admin.register(Service)
class ServiceAdmin(AccountScopedAdmin):
    list_display = ["name", "category", "duration_minutes", "price", "account", "active"]
    list_filter = ["account__platform", "category", "active"]
    search_fields = ["name", "category", "ext_id"]


@admin.register(Client)
class ClientAdmin(AccountScopedAdmin):
    list_display = ["__str__", "email", "phone", "account", "email_opt_in", "sms_opt_in"]
    list_filter = ["account__platform", "email_opt_in", "sms_opt_in", "active"]
    search_fields = ["first_name", "last_name", "email", "phone", "ext_id"]


@admin.register(Appointment)
class AppointmentAdmin(AccountScopedAdmin):
    list_display = ["ext_id", "start", "client", "service", "provider", "status", "account"]
    list_filter = ["status", "account__platform", "deleted"]
    search_fields = ["ext_id", "client__first_name", "client__last_name", "client__email"]
    list_select_related = ["account", "client", "service", "provider"]
    raw_id_fields = ["account", "client", "provider", "service"]
    date_hierarchy = "start"


@admin.register(Token)
class TokenAdmin(AccountScopedAdmin):
    list_display = ["account", "scope", "expires_at", "renewals", "created_at"]
    list_filter = ["account__platform"]
    search_fields = ["account__account_id", "account__name"]


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ["platform", "kind", "value", "remaining", "created_at"]
    list_filter = ["platform", "kind"]
    search_fields = ["platform", "kind"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AccountScopedAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "event_type",
        "event_id",
        "account",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["state", "account__platform", "event_type"]
    search_fields = ["event_id", "event_type", "url"]
    readonly_fields = ["created_at", "delivered_at"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "created_at"]
    search_fields = ["subject", "body"]
    readonly_fields = ["created_at"]
