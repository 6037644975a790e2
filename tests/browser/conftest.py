"""Browser tests: real services in their own processes, a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import chromium_browser

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    yield from chromium_browser()
