"""The development set as quality floors (no timings: speed lives in eval/bench.py)."""

from __future__ import annotations

from typing import Any

import pytest

from eval.devset import load_devset
from eval.systems import DevsetReport, evaluate_devset
from services.enrich.pipeline import PipelineConfig

F1_MARGIN_OVER_BARE = 0.03


@pytest.fixture(scope="module")
def report(pipeline_config: PipelineConfig, bare_nlp: Any) -> DevsetReport:
    return evaluate_devset(load_devset(), pipeline_config, bare_nlp)


def test_devset_has_enough_articles() -> None:
    assert len(load_devset()) >= 30


def test_no_boilerplate_line_leaks(report: DevsetReport) -> None:
    assert report.boilerplate.leaked == []


def test_body_lines_are_kept(report: DevsetReport) -> None:
    assert report.boilerplate.keep_rate >= 0.995, report.boilerplate.lost


def test_every_credit_line_is_moved(report: DevsetReport) -> None:
    assert report.boilerplate.credits_moved == report.boilerplate.credit_lines


def test_entity_f1_beats_bare_spacy(report: DevsetReport) -> None:
    wirefeed, bare = report.wirefeed.micro.f1, report.bare.micro.f1
    assert wirefeed >= bare + F1_MARGIN_OVER_BARE, (wirefeed, bare)
