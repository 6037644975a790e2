"""bench/plots.py draws PNGs from the JSON figures the benches write (bench/series.py), and
skips a plot whose figures are missing instead of drawing something made up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import plots, series

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def figures_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(series, "FIGURES_DIR", tmp_path / "figures")
    monkeypatch.setattr(plots, "OUT_DIR", tmp_path)
    return tmp_path


def test_nothing_recorded_draws_nothing(figures_dir: Path) -> None:
    assert plots.draw_all() == []
    assert not list(figures_dir.glob("*.png"))


def test_each_recorded_bench_gets_its_plot(figures_dir: Path) -> None:
    series.record(
        "multihost",
        {
            "worker hosts": [
                {"hosts": 1, "articles_per_s": [9.0, 9.4]},
                {"hosts": 2, "articles_per_s": [17.0, 17.8]},
            ]
        },
    )
    series.record(
        "ingest_load",
        {
            "ingest single POST": [
                {"rate": [290.0, 300.0], "p50": [30.0, 35.0], "p99": [120.0, 130.0]},
                {"rate": [580.0, 600.0], "p50": [90.0, 95.0], "p99": [200.0, 230.0]},
            ]
        },
    )
    series.record(
        "read_api-example",
        {"reads": [{"request": "feed page", "p50": [8.0, 9.0], "p99": [15.0, 18.0]}]},
    )

    soak = [{"seconds": t, "rss_mb": 230.0 + t / 100, "pss_mb": 120.0} for t in (0, 5, 10)]
    series.record(
        "memory_soak", {"parent": soak, "child 1": soak}, bare_model_rss_mb=160.0, title="soak"
    )

    drawn = plots.draw_all()

    assert sorted(p.name for p in drawn) == [
        "plot-latency-vs-rate.png",
        "plot-memory-soak.png",
        "plot-read-latency.png",
        "plot-throughput.png",
    ]
    for path in drawn:
        assert path.read_bytes().startswith(PNG_MAGIC)
    recorded = series.load("multihost")
    assert recorded is not None
    assert recorded["series"]["worker hosts"][1]["articles_per_s"] == [17.0, 17.8]
    assert recorded["machine"]["cores"]
