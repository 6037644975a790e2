"""Figures as data: each bench writes what it measured to bench/figures/<name>.json, and
bench/plots.py draws the PNGs from those files (so a plot can be redrawn, or one bench re-run,
without repeating the others).

A file holds the machine it was measured on, the command, and `series`: named lists of points,
each point a dict of plain numbers (an x such as "processes" or "rate", and the measured values,
a list per repeat where there were repeats).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from bench import machine

FIGURES_DIR = Path(__file__).parent / "figures"


def record(
    name: str,
    series: dict[str, list[dict[str, Any]]],
    *,
    started: dict[str, str] | None = None,
    **about: Any,
) -> Path:
    """Write bench/figures/<name>.json; returns its path. `started`: machine.describe() taken
    when the bench began (its load average is the one at the start)."""
    FIGURES_DIR.mkdir(exist_ok=True)
    path = FIGURES_DIR / f"{name}.json"
    document = {
        "name": name,
        "machine": {
            **(started or machine.describe()),
            "load average at end": machine.load_average(),
        },
        "command": " ".join(["python", *sys.orig_argv[1:]]),
        **about,
        "series": series,
    }
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"[figures] wrote {path}")
    return path


def load(name: str) -> dict[str, Any] | None:
    path = FIGURES_DIR / f"{name}.json"
    if not path.exists():
        return None
    document: dict[str, Any] = orjson.loads(path.read_bytes())
    return document
