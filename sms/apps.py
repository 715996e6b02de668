from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = "Text messages (Twilio)"

    def ready(self) -> None:
        """SMS plugs into rebooking (rebooking/extensions.py, rebooking/channels.py), which
        never imports it or Twilio's library."""
        from rebooking import channels, extensions

        from .channel import SmsChannel
        from .hooks import client_block_for, settings_panel_for

        channels.register_channel("sms", SmsChannel())
        extensions.register_client_block(client_block_for)
        extensions.register_settings_panel(settings_panel_for)
