from django.apps import AppConfig


class SelfBookConfig(AppConfig):
    name = "selfbook"
    verbose_name = "Client self-booking"

    def ready(self) -> None:
        """Self-booking plugs into rebooking (rebooking/extensions.py), which never imports it:
        client emails carry the booking and unsubscribe links, an unsubscribed client is not
        emailed, and the owner's suggestion cards show what clients did from their links."""
        from integrations.adapters.types import EventKind
        from integrations.events import EventService
        from rebooking import extensions

        from .hooks import card_notes_for, client_block_for, client_links_for
        from .merge import on_customer_merged

        extensions.register_card_notes(card_notes_for)
        extensions.register_client_links(client_links_for)
        extensions.register_client_block(client_block_for)
        EventService.subscribe(EventKind.CUSTOMER_MERGED, on_customer_merged)
