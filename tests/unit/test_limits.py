"""Time limits that grow with the article's size, and the worker options that set them."""

from __future__ import annotations

import pytest

from services.enrich.limits import TimeLimits, announced_chars, time_limit_error
from shared.celery_app import ARTICLE_CHARS_HEADER
from shared.settings import Settings
from wirefeed.cli import _worker_settings, build_parser

LIMITS = TimeLimits(soft_base=60, hard_base=120, per_million_chars=240, max_chars=1_000_000)


@pytest.mark.parametrize(
    ("chars", "soft", "hard"),
    [(0, 60, 120), (5_000, 61.2, 121.2), (1_000_000, 300, 360), (None, 300, 360)],
)
def test_limits_grow_with_the_size_and_assume_the_largest_when_unknown(
    chars: int | None, soft: float, hard: float
) -> None:
    assert LIMITS.for_chars(chars) == pytest.approx((soft, hard))


@pytest.mark.parametrize(
    ("header", "chars"), [(5_000, 5_000), (0, 0), ("5000", None), (-1, None), (True, None)]
)
def test_only_a_plain_size_in_the_message_is_believed(header: object, chars: int | None) -> None:
    assert announced_chars({ARTICLE_CHARS_HEADER: header}) == chars
    assert announced_chars({}) is None


def test_the_hard_limit_always_comes_after_the_soft_one() -> None:
    odd = TimeLimits(soft_base=30, hard_base=10, per_million_chars=0, max_chars=100)
    soft, hard = odd.for_chars(50)
    assert hard > soft


def test_defaults_come_from_settings() -> None:
    limits = TimeLimits.from_settings(Settings(_env_file=None))
    assert limits.for_chars(1_000_000) == (300.0, 360.0)
    assert Settings(_env_file=None).worker_max_memory_per_child == 716_800


def test_the_error_names_the_limit_and_the_size() -> None:
    error = time_limit_error("soft", 61.2, 5_000)
    assert error.startswith("soft time limit of 61 s exceeded for an article of 5,000 characters")
    assert "not retried" in error
    assert "unknown size" in time_limit_error("hard", 360, None)


def test_worker_options_override_the_settings() -> None:
    args = build_parser().parse_args(
        ["worker", "--soft-time-limit", "5", "--time-limit", "9",
         "--time-limit-per-million-chars", "30", "--max-memory-per-child", "500000",
         "--max-tasks-per-child", "300"]
    )  # fmt: skip
    settings = _worker_settings(args)
    assert (settings.task_soft_time_limit, settings.task_time_limit) == (5.0, 9.0)
    assert settings.task_time_limit_per_million_chars == 30.0
    assert settings.worker_max_memory_per_child == 500_000
    assert settings.worker_max_tasks_per_child == 300


def test_without_options_the_worker_keeps_the_settings() -> None:
    args = build_parser().parse_args(["worker"])
    settings = _worker_settings(args)
    assert settings.task_soft_time_limit == Settings().task_soft_time_limit
