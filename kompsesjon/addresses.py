"""Where people reach a server: its addresses on the room network, and the page's address.

``kompsesjon serve`` prints the room addresses; the host view and the
projector screen put the web page's address, with the join code in it, in a
QR code. A host view connected over loopback (the facilitator's own laptop)
shows the laptop's room address instead: a phone cannot reach 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit


def room_addresses() -> list[str]:
    """This machine's addresses that others on the network can reach."""
    found: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    try:  # the address of the default route, without sending anything
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect(("10.255.255.255", 1))
        found.add(probe.getsockname()[0])
        probe.close()
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127."))


def listening_addresses(bound: list[tuple[str, int]], *, tls: bool = False) -> list[str]:
    """The websocket addresses of a server listening on ``bound`` (host, port)
    pairs: the room network's first, then this machine's own."""
    scheme = "wss" if tls else "ws"
    found: list[str] = []
    for host, port in bound:
        if host in ("0.0.0.0", "::", ""):
            hosts = [*room_addresses(), "127.0.0.1"]
        else:
            hosts = [host]
        for name in hosts:
            shown = f"[{name}]" if ":" in name else name
            url = f"{scheme}://{shown}:{port}"
            if url not in found:
                found.append(url)
    return sorted(found, key=lambda url: _is_loopback(urlsplit(url).hostname or ""))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def page_url(server_url: str, code: str, *, rooms: list[str] | None = None) -> str:
    """The web page's address for a join code, from the server's websocket address.

    ``ws://127.0.0.1:8765`` with ``K7PQ2M`` gives ``HTTP://192.168.1.23:8765/K7PQ2M``
    on a laptop whose room address is 192.168.1.23. Scheme and host are not
    case-sensitive and neither is the code: in capitals the whole address is
    QR «alphanumeric», and the code fits a smaller symbol.
    """
    parts = urlsplit(server_url)
    scheme = "https" if parts.scheme in ("wss", "https") else "http"
    host = parts.hostname or "127.0.0.1"
    if _is_loopback(host):
        found = room_addresses() if rooms is None else rooms
        if found:
            host = found[0]
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    clean = "".join(ch for ch in code.upper() if ch.isalnum())
    return urlunsplit((scheme, netloc, f"/{clean}", "", "")).upper()
