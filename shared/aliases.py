"""The alias table: surface forms that name one canonical entity ("U.S." -> "United States").

Data, not code: `shared/data/aliases.json` by default, or WIREFEED_ALIASES_PATH. Both the
enrichment pipeline (to canonicalise mentions) and the read API (to resolve a filter) use it.
Beneath it lies `shared/data/known_entities.json` (companies, platforms, products, countries and
nationalities from maintained packages, see eval/build_known_entities.py): the alias file wins
where both name a surface.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGED_ALIASES = Path(__file__).parent / "data" / "aliases.json"
PACKAGED_KNOWN_ENTITIES = Path(__file__).parent / "data" / "known_entities.json"


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

    def over(self, below: AliasTable) -> AliasTable:
        """This table, falling back to `below` for surfaces it does not name."""
        return AliasTable({**below.by_key, **self.by_key})


def _read(path: Path) -> AliasTable:
    with open(path, encoding="utf-8") as handle:
        return AliasTable.from_dict(json.load(handle))


def load_aliases(
    path: Path | None = None, *, known: Path | None = PACKAGED_KNOWN_ENTITIES
) -> AliasTable:
    """The alias file over the known-entities list (`known=None`: the alias file alone)."""
    table = _read(path or PACKAGED_ALIASES)
    return table.over(_read(known)) if known is not None else table
