"""The salon's pages render dates in the salon's time zone.

SalonAccessMixin activates the salon's zone once it knows the salon; this middleware clears it
when the response is done (templates render inside it), so the next request on the same thread
starts from settings.TIME_ZONE again.
"""

from __future__ import annotations

from django.utils import timezone


class SalonTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
