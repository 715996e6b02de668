"""The client's address, as the trusted proxies in front of SalonSync reported it.

``REMOTE_ADDR`` is the peer that connected to us. Behind a reverse proxy or load balancer that is
the proxy, for every client alike: a login lockout per address then locks everyone out at once.
Each proxy appends the address it saw to ``X-Forwarded-For``, and a client can write anything in
front of that. So the header is read only when the peer is one of ``TRUSTED_PROXIES`` (addresses
or networks), from the right, skipping trusted proxies: the first address no trusted proxy
owns is the client's. Without ``TRUSTED_PROXIES`` the header is ignored. A malformed entry stops
the walk at the last trusted hop (stricter, never a way around a limit).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Parsed address/network list (a bare address is a /32 or /128); raises ValueError."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def address_in(address: str | None, entries) -> bool:
    parsed = _address(address or "")
    return parsed is not None and any(parsed in net for net in networks(tuple(entries)))


def client_ip(request) -> str | None:
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    trusted = networks(tuple(settings.TRUSTED_PROXIES))
    client = remote
    if not any(remote in net for net in trusted):
        return str(client)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not any(address in net for net in trusted):
            break
    return str(client)
