"""One module per platform that sends webhooks (Phorest sends none: it is polled)."""

from .base import WebhookPlatform
from .mindbody import MindbodyWebhooks
from .vagaro import VagaroWebhooks

WEBHOOK_PLATFORMS: dict[str, WebhookPlatform] = {
    "mindbody": MindbodyWebhooks(),
    "vagaro": VagaroWebhooks(),
}
