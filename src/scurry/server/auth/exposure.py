"""The bind rule: without authentication the server listens on loopback only.

Anyone who can call the API can run code on this machine (a Flink job is code),
so a server reachable from elsewhere must know who is calling, unless the user
says that something else guards the address (`--insecure`).
"""

from __future__ import annotations

import ipaddress
import socket

from scurry.config.settings import Settings
from scurry.errors import InvalidInput


class ExposedWithoutAuth(InvalidInput):
    """A non-loopback bind address, no authentication, and no `--insecure`."""


def is_loopback(host: str) -> bool:
    """Whether every address `host` stands for is a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(a[4][0]).is_loopback for a in found)


def check_exposure(settings: Settings) -> None:
    if settings.auth_enabled or settings.insecure or is_loopback(settings.host):
        return
    raise ExposedWithoutAuth(
        f"refusing to serve on {settings.host}:{settings.port} without authentication: "
        "anyone who can reach that address could run code on this machine through Flink "
        "jobs. Turn authentication on (--tokens-file, --jwks-file/--jwks-url, or "
        "--client-ca-file with TLS; see 'Securing the server' in the README), listen on "
        "loopback (--host 127.0.0.1), or pass --insecure (SCURRY_INSECURE=true) if "
        "something else guards that address"
    )
