"""Where a webhook may send: never into the site's own network (server-side request forgery).

A webhook's address must be http(s), must not name this site, and its host must resolve to
public addresses only: not loopback, private, link-local (cloud metadata), multicast,
reserved or otherwise non-global. It is checked when the secretariat configures the webhook
and again before each delivery (DNS answers change), and the delivery then connects to the
very address that was checked. WEBHOOK_ALLOW_PRIVATE (development and tests) lifts the
address checks; the scheme is always checked.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_babel import gettext as _

from charter.errors import InvalidInput
from charter.webhooks.models import MAX_URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(InvalidInput):
    """The address is not one a webhook may send to."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


def check_form(url: str) -> str:
    """The address, stripped, when it has the form of a webhook's address; else Refused."""
    url = (url or "").strip()
    if not url:
        raise Refused(_("Give the address that receives the events."))
    if len(url) > MAX_URL:
        raise Refused(_("The address is longer than 2,000 characters."))
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise Refused(_("The address may not contain spaces."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(_("This is not a valid address.")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Refused(_("The address must start with https:// (or http://)."))
    if not parts.hostname:
        raise Refused(_("The address has no host name."))
    if parts.username is not None or parts.password is not None:
        raise Refused(_("Put no user name or password in the address."))
    if port == 0:
        raise Refused(_("This is not a valid address."))
    return url


def destination(url: str) -> str:
    """The IP address a delivery to url connects to, once every check passed; else Refused."""
    url = check_form(url)
    parts = urlsplit(url)
    host = _normal(parts.hostname or "")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    allow_private = current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False)
    if not allow_private and host in _own_hosts():
        raise Refused(_("A webhook cannot send to this site itself."))
    addresses = _resolve(host, port)
    if not allow_private:
        for address in addresses:
            if _forbidden(address):
                raise Refused(
                    _(
                        "The address leads to a private or reserved network (%(address)s): "
                        "a webhook may only send to a public server.",
                        address=str(address),
                    )
                )
    return str(addresses[0])


def origin(url: str) -> str:
    """What logs keep of an address: its scheme and host (a receiver's own token often sits
    in its path or query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _normal(host: str) -> str:
    return host.lower().rstrip(".")


def _own_hosts() -> set[str]:
    """The names this site answers to. (Names only: a site behind a shared load balancer
    or CDN shares its addresses with others, which may well receive webhooks.)"""
    hosts = {
        urlsplit(current_app.config.get("SITE_URL") or "").hostname,
        urlsplit("//" + (current_app.config.get("SERVER_NAME") or "")).hostname,
    }
    if has_request_context():
        hosts.add(urlsplit("//" + request.host).hostname)
    return {_normal(host) for host in hosts if host}


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(_("The host name of the address could not be found.")) from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Refused(_("The host name of the address could not be found."))
    return addresses


def _forbidden(address: IPAddress) -> bool:
    """Whether an address is in a network a webhook must not reach."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global  # e.g. 100.64.0.0/10, shared (carrier-grade NAT) space
    )
