"""The client's pages (no login: the signed link is the permission) and the owner's "done" on a
client's request.

Thin views: links.py reads the token, selectors.client_page decides what the page shows,
services books or records. Every answer is a page: a tampered link 400, an expired one 410,
bad form input 400, never a 500. The pages work without JavaScript (each opening is its own
submit button: one tap books it) and are never cached or indexed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from salons.permissions import SalonAccessMixin
from salons.roles import Action

from .links import (
    LinkExpired,
    LinkInvalid,
    book_link_read,
    unsubscribe_link_read,
)
from .models import ClientAction
from .selectors import State, client_page, salon_look
from .services import (
    Result,
    client_opt_out,
    client_request_done,
    link_opened,
    selfbook_ask,
    selfbook_book,
)

PROBLEMS = {
    "invalid": (
        400,
        "This link doesn't work",
        "It may have been cut short or changed on the way. Open the link from the email "
        "again, or contact the salon.",
    ),
    "expired": (
        410,
        "This link has expired",
        "These openings are no longer on offer. Contact the salon and they will find you a time.",
    ),
    "bad_request": (
        400,
        "That didn't work",
        "Go back to the link from your email and choose one of the times shown.",
    ),
}
TO_CLIENT = {
    Result.TAKEN: "Sorry, that time was just taken. Here are the times still free.",
    Result.PENDING: "We're confirming your booking with the salon. Reload this page in a "
    "moment; you will never be booked twice.",
    Result.FAILED: "We couldn't book that time online just now, and nothing was booked. "
    "Please try again, or ask the salon for this time.",
}


def _client_response(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # The link is a secret: never sent to another site. Not "no-referrer" (here or in the page's
    # meta tag): with it Chromium posts the page's own form with "Origin: null", which Django's
    # CSRF check refuses (found by the phone-size browser test).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def problem(request, kind: str, salon=None) -> HttpResponse:
    status, title, text = PROBLEMS[kind]
    context = {"title": title, "text": text, "kind": kind, "salon": salon}
    if salon is not None:
        context["accent"], context["tagline"] = salon_look(salon)
    return _client_response(request, "selfbook/problem.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class ClientPageView(View):
    http_method_names = ["get", "post", "head"]

    def dispatch(self, request, *args, **kwargs):
        try:
            self.link = book_link_read(kwargs["token"])
        except LinkExpired:
            return problem(request, "expired")
        except LinkInvalid:
            return problem(request, "invalid")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, token: str):
        try:
            page = client_page(link=self.link, live=request.method == "GET")
        except LinkInvalid:
            return problem(request, "invalid")
        if page.state == State.EXPIRED:
            return problem(request, "expired", salon=page.salon)
        if request.method == "GET":
            link_opened(link=self.link)
        accent, tagline = salon_look(page.salon)
        status = 410 if page.state == State.GONE else 200
        with timezone.override(page.salon.tz):
            return _client_response(
                request,
                "selfbook/page.html",
                {"page": page, "salon": page.salon, "accent": accent, "tagline": tagline},
                status=status,
            )

    def post(self, request, token: str):
        try:
            page = client_page(link=self.link, live=False)
        except LinkInvalid:
            return problem(request, "invalid")
        if page.state != State.OPEN:  # booked, gone, expired: the page says which
            return HttpResponseRedirect(request.path)
        action = request.POST.get("do")
        option = _option(request.POST.get("option"), page)
        if action not in ("book", "ask") or option is None:
            return problem(request, "bad_request", salon=page.salon)
        if action == "ask" or not page.can_book:
            selfbook_ask(suggestion=page.suggestion, link=self.link, option_index=option)
            return HttpResponseRedirect(request.path)
        if option == ClientAction.ANY_TIME:
            return problem(request, "bad_request", salon=page.salon)
        outcome = selfbook_book(suggestion=page.suggestion, link=self.link, option_index=option)
        if outcome.result in TO_CLIENT:
            messages.warning(request, TO_CLIENT[outcome.result])
        return HttpResponseRedirect(request.path)


def _option(raw, page) -> int | None:
    """The option the client chose, if it is one this link may book: one of the suggestion's
    untaken options (the client's own one, for a refill), or "any" for another time."""
    if raw == "any":
        return ClientAction.ANY_TIME
    try:
        index = int(raw)
    except (TypeError, ValueError):
        return None
    options = page.suggestion.options or []
    if not 0 <= index < len(options) or not isinstance(options[index], dict):
        return None
    if options[index].get("taken"):
        return None
    if page.is_refill and options[index].get("customer") != page.link.customer_ref:
        return None
    return index


@method_decorator(never_cache, name="dispatch")
@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058: mail providers POST without a token
class UnsubscribeView(View):
    """GET asks (a link scanner must not unsubscribe anyone); POST unsubscribes, from the page's
    button or from the mail provider's one-click List-Unsubscribe."""

    http_method_names = ["get", "post", "head"]

    def dispatch(self, request, *args, **kwargs):
        try:
            self.link = unsubscribe_link_read(kwargs["token"])
        except LinkInvalid:
            return problem(request, "invalid")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, token: str):
        return _client_response(request, "selfbook/unsubscribe.html", {"done": False})

    def post(self, request, token: str):
        client_opt_out(integration_id=self.link.integration_id, customer_ref=self.link.customer_ref)
        return _client_response(request, "selfbook/unsubscribe.html", {"done": True})


class ClientRequestDoneView(SalonAccessMixin, View):
    """The owner marks a client's "ask for this time" handled."""

    http_method_names = ["post"]
    write_action = Action.OPERATE

    def post(self, request, slug: str, pk: int):
        action = get_object_or_404(
            ClientAction.objects.select_related("suggestion"),
            pk=pk,
            suggestion__salon=self.salon,
            kind=ClientAction.Kind.ASKED,
        )
        if client_request_done(action=action, user=request.user):
            who = action.customer_name or "The client"
            messages.success(request, f"{who}'s request is marked done.")
        url = reverse("rebooking_suggestions", kwargs={"slug": self.salon.slug})
        return HttpResponseRedirect(f"{url}#suggestion-{action.suggestion_id}")
