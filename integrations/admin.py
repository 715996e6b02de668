from django.contrib import admin

from .models import Membership, Salon, WorkerHeartbeat


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
