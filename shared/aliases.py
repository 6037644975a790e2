"""The alias table: surface forms that name one canonical entity ("U.S." -> "United States").

Data, not code: `shared/data/aliases.json` by default, or WIREFEED_ALIASES_PATH. Both the
enrichment pipeline (to canonicalise mentions) and the read API (to resolve a filter) use it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGED_ALIASES = Path(__file__).parent / "data" / "aliases.json"


def alias_key(surface: str) -> str:
    """How surface forms are compared: case-insensitive, inner whitespace collapsed."""
    return " ".join(surface.split()).casefold()


@dataclass(frozen=True, slots=True)
class Canonical:
    name: str
    label: str | None  # None: keep whatever label the mention has


@dataclass(frozen=True, slots=True)
class AliasTable:
    by_key: Mapping[str, Canonical]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AliasTable:
        table: dict[str, Canonical] = {}
        for entry in data.get("entities", []):
            canonical = Canonical(entry["name"], entry.get("label"))
            for surface in (entry["name"], *entry.get("aliases", [])):
                table[alias_key(surface)] = canonical
        return cls(table)

    def lookup(self, surface: str) -> Canonical | None:
        return self.by_key.get(alias_key(surface))


def load_aliases(path: Path | None = None) -> AliasTable:
    with open(path or PACKAGED_ALIASES, encoding="utf-8") as handle:
        return AliasTable.from_dict(json.load(handle))
