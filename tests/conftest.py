"""Suite-wide ordering: files with long fault runs start first."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` hands whole files to parallel processes in collection order; starting the
    files that hold `slow` fault runs first keeps one of them from being the last thing running
    while the other processes sit idle. The order within a file is left as collected."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
