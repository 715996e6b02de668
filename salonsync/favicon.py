"""/favicon.ico: browsers ask for it whatever the page's <link rel=icon> says; send them to the
SVG in the static files (served by WhiteNoise, hashed name in production) instead of a 404."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponseRedirect(static("img/favicon.svg"))
