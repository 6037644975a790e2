"""Browser tests: real services in their own processes, a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import chromium_browser

pytestmark = pytest.mark.integration


# Module scope: Playwright's sync API runs an event loop in this thread while it is open, which
# would break every later test that runs asyncio (the async client) or starts Playwright again.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()
