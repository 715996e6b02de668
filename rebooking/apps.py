from django.apps import AppConfig


class RebookingConfig(AppConfig):
    name = "rebooking"
    verbose_name = "Rebooking"

    def ready(self) -> None:
        """Rebooking subscribes to the EventService (integrations/events.py): a cancellation
        brings suggestions, and every appointment change keeps that client's rhythm current."""
        from integrations.adapters.types import EventKind
        from integrations.events import EventService
        from integrations.retention import keep

        from .handlers import on_appointment_cancelled, on_customer_merged, on_slot_booked
        from .models import Notification
        from .rhythm_store import note_appointment_change, rebuild_after_sync

        for kind in (
            EventKind.APPOINTMENT_CREATED,
            EventKind.APPOINTMENT_UPDATED,
            EventKind.APPOINTMENT_CANCELLED,
            EventKind.APPOINTMENT_DELETED,
        ):
            EventService.subscribe(kind, note_appointment_change)
        EventService.subscribe(EventKind.APPOINTMENT_CANCELLED, on_appointment_cancelled)
        EventService.subscribe(EventKind.CUSTOMER_MERGED, on_customer_merged)
        for kind in (EventKind.APPOINTMENT_CREATED, EventKind.APPOINTMENT_UPDATED):
            EventService.subscribe(kind, on_slot_booked)
        EventService.subscribe_sync(rebuild_after_sync)
        keep(Notification, date_field="created_at", setting="RETENTION_NOTIFICATIONS_DAYS")
