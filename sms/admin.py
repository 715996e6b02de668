from django.contrib import admin

from .models import SmsSender, SmsStop


@admin.register(SmsSender)
class SmsSenderAdmin(admin.ModelAdmin):
    # The auth token is not a field here: write-only, set from the settings page.
    list_display = ["salon", "enabled", "account_sid", "from_number", "messaging_service_sid"]
    fields = ["salon", "enabled", "account_sid", "from_number", "messaging_service_sid"]
    readonly_fields = ["salon"]


@admin.register(SmsStop)
class SmsStopAdmin(admin.ModelAdmin):
    list_display = ["salon", "phone", "stopped", "keyword", "updated_at"]
    list_filter = ["stopped"]
