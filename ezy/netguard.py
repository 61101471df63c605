"""Outbound address policy: a tenant must not reach the platform's internal network through us.

Every address a host name resolves to must be globally routable (not private, loopback, link-local,
shared, multicast, reserved or unspecified), unless the deployment sets `allow_private_networks`.
All addresses are checked, not only the first, so a name with one public and one private record
is refused. `checked_addresses` answers the addresses it checked, so a caller can connect to exactly
those (the HTTP transport in ezy.connectors._http_transport does: no DNS rebinding between check and
connect). `ensure_public` only checks, for drivers that resolve by themselves (asyncpg).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(Exception):
    """The host is, or resolves to, an address a tenant may not reach."""


class UnresolvableHost(Exception):
    pass


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int | None = None) -> list[IPAddress]:
    host = host.strip("[]")  # a bracketed IPv6 literal from a URL
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(f"cannot resolve host {host!r}: {exc}") from None
    # Strip an IPv6 zone id ("fe80::1%eth0"), which ip_address() does not accept.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def ensure_public(host: str, port: int | None = None, *, allow_private: bool = False) -> None:
    """Raises BlockedAddress (or UnresolvableHost) unless every address of `host` is public."""
    if allow_private:
        return
    await checked_addresses(host, port, allow_private=False)


async def checked_addresses(
    host: str, port: int | None = None, *, allow_private: bool = False
) -> list[IPAddress]:
    """The addresses of `host`, resolved once; BlockedAddress unless all are allowed."""
    if not host or host.startswith("/"):
        raise BlockedAddress("local sockets are not allowed")
    addresses = await resolve(host, port)
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise BlockedAddress(f"host {host!r} resolves to a non-public address")
    return addresses
