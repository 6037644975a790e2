"""The multi-host test skips (or, on CI, fails) with a reason a person can act on."""

from __future__ import annotations

import pytest

from tests.support import netns


def test_missing_ip_command_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns.shutil, "which", lambda _name: None)
    reason = netns.unavailable_reason()
    assert reason is not None and "iproute2" in reason
