"""User-defined processes for graphs run outside a request (workers, sync threads)."""

from __future__ import annotations

from collections.abc import Callable

from stac.migrate import connect

UdpLookup = Callable[[str, str | None], dict | None]


def udp_lookup_for(dsn: str, owner: str) -> UdpLookup:
    """``(process_id, namespace) -> process`` over ``owner``'s UDPs, read once now.

    Namespace null or ``user`` finds the owner's processes; anything else finds nothing.
    """
    with connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, process FROM canopy.process_graphs WHERE owner = %s", [owner]
        ).fetchall()
    udps = dict(rows)

    def lookup(process_id: str, namespace: str | None) -> dict | None:
        return udps.get(process_id) if namespace in (None, "user") else None

    return lookup
