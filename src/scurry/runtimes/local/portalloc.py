"""Fixed Flink ports for local clusters, from a range the installation owns.

A port is handed out only if no other cluster's record holds it and it can be
bound on 127.0.0.1 right now; picks are random within the range so that two
installations on one machine rarely even try the same port.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterable

from scurry.errors import RuntimeFailure

PORT_NAMES = ("rest", "rpc", "blob")


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def allocate(
    port_range: tuple[int, int], taken: Iterable[int], count: int = len(PORT_NAMES)
) -> list[int]:
    """`count` distinct free ports in `port_range` that are not in `taken`."""
    low, high = port_range
    reserved = set(taken)
    candidates = [p for p in range(low, high + 1) if p not in reserved]
    random.shuffle(candidates)
    chosen: list[int] = []
    for port in candidates:
        if is_free(port):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeFailure(f"no {count} free ports left in {low}-{high} (SCURRY_PORT_RANGE)")
