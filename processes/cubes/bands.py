"""Which bands a collection offers, their common-name aliases and validation of requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from processes.exceptions import ProcessParameterInvalid


def _band_lists(doc: Mapping[str, Any]) -> list[list[dict]]:
    return [doc.get("eo:bands") or [], doc.get("bands") or []]


def declared_bands(collection: Mapping[str, Any]) -> list[dict]:
    """Band objects a collection declares: summaries, else ``item_assets`` (deduplicated)."""
    summaries = collection.get("summaries") or {}
    found = [b for lst in _band_lists(summaries) for b in lst]
    if not found:
        for key, asset in (collection.get("item_assets") or {}).items():
            named = [b for lst in _band_lists(asset) for b in lst]
            if not named and "data" in (asset.get("roles") or []):
                named = [{"name": key}]
            found.extend(named)
    seen, out = set(), []
    for b in found:
        if isinstance(b, Mapping) and b.get("name") and b["name"] not in seen:
            seen.add(b["name"])
            out.append(dict(b))
    return out


@dataclass(frozen=True)
class BandSet:
    """Band names in the collection's order and the common names that alias them."""

    names: tuple[str, ...]
    """Canonical names; empty = not declared (any name is passed on to the reader)."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """``common_name → name`` for common names that are unique."""

    @classmethod
    def from_bands(cls, bands: Sequence[Mapping[str, Any]], extra: Sequence[str] = ()) -> BandSet:
        """From band objects (``name``, optional ``common_name``) plus extra plain names."""
        names = [str(b["name"]) for b in bands] + list(extra)
        counts: dict[str, int] = {}
        for b in bands:
            if b.get("common_name"):
                counts[b["common_name"]] = counts.get(b["common_name"], 0) + 1
        aliases = {
            b["common_name"]: str(b["name"])
            for b in bands
            if b.get("common_name")
            and counts[b["common_name"]] == 1
            and b["common_name"] not in names
        }
        return cls(tuple(dict.fromkeys(names)), aliases)

    def resolve(self, requested: Any, process: str) -> list[tuple[str, str]]:
        """``(label, name)`` pairs for a ``bands`` argument; all bands when it is None.

        The label is what the user asked for (a name or a common name), the name is the band
        it stands for.

        Raises:
            ProcessParameterInvalid: naming every band the collection does not offer.
        """
        if requested is None:
            return [(n, n) for n in self.names]
        if isinstance(requested, str):
            requested = [requested]
        if not isinstance(requested, Sequence) or not requested:
            raise ProcessParameterInvalid(
                parameter="bands", process=process, reason="expected a non-empty list of names"
            )
        labels = [str(b) for b in requested]
        if len(set(labels)) != len(labels):
            raise ProcessParameterInvalid(
                parameter="bands", process=process, reason="a band is listed twice"
            )
        if not self.names:
            return [(b, b) for b in labels]
        unknown = [b for b in labels if b not in self.names and b not in self.aliases]
        if unknown:
            raise ProcessParameterInvalid(
                parameter="bands",
                process=process,
                reason=f"unknown band(s) {', '.join(map(repr, unknown))}; "
                f"available: {', '.join(self.names)}",
            )
        return [(b, b if b in self.names else self.aliases[b]) for b in labels]
