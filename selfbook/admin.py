from django.contrib import admin

from .models import ClientAction, ClientOptOut, ClientPageLook


@admin.register(ClientPageLook)
class ClientPageLookAdmin(admin.ModelAdmin):
    list_display = ("salon", "accent", "tagline")


@admin.register(ClientAction)
class ClientActionAdmin(admin.ModelAdmin):
    list_display = ("suggestion", "customer_name", "kind", "when_label", "status", "created_at")
    list_filter = ("kind", "status")
    readonly_fields = ("suggestion", "customer_ref", "kind", "option_index", "created_at")


@admin.register(ClientOptOut)
class ClientOptOutAdmin(admin.ModelAdmin):
    list_display = ("customer_ref", "integration", "created_at")
    readonly_fields = ("integration", "customer_ref", "created_at")
