"""Contracts the code relies on: production settings carry no test hooks (they live in
wirefeed/testing.py, read only under WIREFEED_TESTING=1), one status type, one stored shape."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from services.enrich.store import Claim
from shared.models import ArticleStatus
from shared.schemas import ArticleSummary, Enrichment, IngestResult, entities_without_mentions
from shared.settings import Settings
from wirefeed.testing import Hooks, installed_hooks


def test_production_settings_have_no_test_knobs() -> None:
    assert [name for name in Settings.model_fields if "test" in name] == []


def test_test_hooks_are_read_only_when_testing_is_switched_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WIREFEED_TESTING_TASK_DELAY", "2")
    monkeypatch.setenv("WIREFEED_TESTING_ALLOW_LOOPBACK_FETCH", "1")
    monkeypatch.delenv("WIREFEED_TESTING", raising=False)
    off = installed_hooks()
    assert (off.task_delay, off.allow_loopback_fetch, off.after_claim()) == (0.0, False, None)
    monkeypatch.setenv("WIREFEED_TESTING", "1")
    on = installed_hooks()
    assert (on.task_delay, on.allow_loopback_fetch) == (2.0, True)
    assert on.after_claim() is not None


def test_the_task_delay_ends_once_its_release_file_exists(tmp_path: Path) -> None:
    release = tmp_path / "release"
    hook = Hooks(task_delay=60, release_file=str(release)).after_claim()
    assert hook is not None
    held = threading.Thread(target=hook, args=(cast(Claim, SimpleNamespace(raw="text")),))
    held.start()
    held.join(0.5)
    assert held.is_alive()  # still held: no release yet
    release.touch()
    held.join(10)
    assert not held.is_alive()


def test_every_status_field_is_article_status() -> None:
    for model in (ArticleSummary, IngestResult):
        assert model.model_fields["status"].annotation is ArticleStatus
    assert (
        ArticleSummary.model_validate_json(
            '{"id": 1, "status": "queued", "source": null, "external_id": null, "title": null, '
            '"url": null, "published_at": null, "created_at": "2026-01-01T00:00:00Z", '
            '"enriched_at": null, "feed_seq": null, "language": null, "error": null}'
        ).status
        is ArticleStatus.queued
    )


def test_entities_without_mentions_keep_everything_else() -> None:
    stored = Enrichment.model_validate(
        {
            "entities": [
                {
                    "id": 3,
                    "name": "Lisbon",
                    "label": "GPE",
                    "count": 1,
                    "first_offset": 0,
                    "salience": 0.7,
                    "aliases": ["Lisbon"],
                    "mentions": [
                        {
                            "text": "Lisbon",
                            "label": "GPE",
                            "model_label": "GPE",
                            "start": 0,
                            "end": 6,
                            "raw_start": 0,
                            "raw_end": 6,
                        }
                    ],
                }
            ]
        }
    ).model_dump(mode="json")
    [entity] = entities_without_mentions(stored["entities"])
    assert entity == {**stored["entities"][0], "mentions": []}
