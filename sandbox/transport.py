"""Route a requests Session to this Django app in-process (through django.test.Client), so the
real adapters (and the sandbox's webhook sender) can reach the sandbox without a server: for
tests, and for seed_demo's first sync before `runserver` is up. Demo and test tooling only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from urllib.parse import urlsplit

import requests
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

ORIGIN = "http://sandbox.test"


class DjangoClientAdapter(BaseAdapter):
    def __init__(self, host: str = "testserver") -> None:
        super().__init__()
        self.client = Client(HTTP_HOST=host)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        url = urlsplit(request.url)
        meta = {}
        for key, value in request.headers.items():
            name = key.upper().replace("-", "_")
            if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = f"HTTP_{name}"
            meta[name] = value
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        path = url.path + (f"?{url.query}" if url.query else "")
        answer = self.client.generic(
            request.method,
            path,
            data=body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            **meta,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(dict(answer.items()))
        response._content = answer.content
        response.raw = BytesIO(answer.content)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def mount(session: requests.Session, origin: str = ORIGIN) -> DjangoClientAdapter:
    host = urlsplit(origin).netloc if origin != ORIGIN else "testserver"
    transport = DjangoClientAdapter(host=host)
    session.mount(origin.rstrip("/"), transport)
    return transport


@contextmanager
def in_process(origin: str) -> Iterator[DjangoClientAdapter]:
    """Every adapter session made inside the block reaches this app in-process at ``origin``
    (seed_demo's first overdue scan, which makes its adapters itself, before the server is up)."""
    from integrations.adapters import http

    transport = DjangoClientAdapter(host=urlsplit(origin).netloc)

    class RoutedSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.mount(origin.rstrip("/"), transport)

    real, http.requests.Session = http.requests.Session, RoutedSession
    try:
        yield transport
    finally:
        http.requests.Session = real
