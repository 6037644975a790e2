"""Where a running `wirefeed up` can be reached: it writes `<data dir>/up.json` (its pid, the
broker it started, both service URLs) and removes it on the way out, so other commands on the
same machine (`ping-worker`, `ingest`, `search`, `follow`) find the embedded broker and ports."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from shared.settings import Settings

STATE_FILE = "up.json"


def state_path(settings: Settings) -> Path:
    return settings.data_dir.resolve() / STATE_FILE


def write_up_state(settings: Settings, **state: str) -> Path:
    path = state_path(settings)
    path.write_text(json.dumps({"pid": os.getpid(), **state}))
    return path


def clear_up_state(settings: Settings) -> None:
    state_path(settings).unlink(missing_ok=True)


def running_up(settings: Settings) -> dict[str, Any] | None:
    """The state of a `wirefeed up` that is still alive, else None (a stale file is ignored)."""
    try:
        state = json.loads(state_path(settings).read_text())
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if isinstance(state, dict) else None
