"""handler500: a dependency that is down is the service's temporary failure, answered 503 with
Retry-After, not a 500 that reads as a bug (issue 21).

The API's own views get this from its exception handler (salonsync/api.py); this covers the rest:
the pages, and a failure before any view runs (the session or the user is read from the database
in middleware). Django calls handler500 inside the ``except`` block that caught the exception
(django/core/handlers/exception.py, ``response_for_exception``), so ``sys.exc_info()`` names it.
Nothing here touches the database: the 503 page is rendered without a request context.
"""

from __future__ import annotations

import sys

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

from .api import _UNAVAILABLE, RETRY_AFTER_SECONDS


def server_error(request, template_name: str = "500.html"):
    exc = sys.exc_info()[1]
    if not isinstance(exc, _UNAVAILABLE):
        return django_server_error(request, template_name)
    if request.path.startswith("/api/"):
        message = "The service is temporarily unavailable; please retry shortly."
        response = JsonResponse({"error": {"code": "unavailable", "message": message}}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
