"""Draw the bench figures a person would rather look at than read, from bench/figures/*.json
(bench/series.py), as PNGs next to RESULTS.md.

    python -m bench.plots            # whatever figures exist; `make bench` runs it at the end

- plot-throughput.png: enrichment articles/s against worker processes on one host and against
  worker hosts (bench/enrich_throughput.py, bench/multihost.py), with bare spaCy NER for scale;
- plot-latency-vs-rate.png: single-POST latency percentiles against the request rate, next to the
  bare FastAPI endpoint, and POST-to-readable freshness against the article rate
  (bench/ingest_load.py, bench/freshness.py);
- plot-read-latency.png: the read API's p50/p99 per request at the loaded size, one panel per
  figures file (e.g. before and after an index change), with the 20 ms target (bench/read_api.py);
- plot-memory-soak.png: RSS and PSS of the worker's parent and children over a soak, with the
  bare model process's RSS for scale (bench/memory_soak.py), and in grey the children of the
  same soak on the code before the syndication fix (figures/memory_soak_before.json), if kept.

Points are medians over the repeats, bars the [min-max] spread. A plot whose figures are missing
is skipped, never drawn from made-up values.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from bench import series  # noqa: E402

OUT_DIR = Path(__file__).parent
READ_TARGET_MS = 20.0


def _values(point: dict[str, Any], key: str) -> list[float]:
    value = point[key]
    return [float(v) for v in value] if isinstance(value, list) else [float(value)]


def _line(ax: Axes, points: list[dict[str, Any]], x: str, y: str, label: str, **style: Any) -> None:
    """Median with a [min-max] error bar per point."""
    xs = [statistics.median(_values(p, x)) for p in points]
    spreads = [_values(p, y) for p in points]
    medians = [statistics.median(v) for v in spreads]
    errors = [
        [m - min(v) for m, v in zip(medians, spreads, strict=True)],
        [max(v) - m for m, v in zip(medians, spreads, strict=True)],
    ]
    ax.errorbar(xs, medians, yerr=errors, marker="o", capsize=4, label=label, **style)


def _footer(fig: Any, documents: list[dict[str, Any]]) -> None:
    about = {
        f"{d['name']}: {d['machine'].get('date', '?')}, {d['machine'].get('cores', '?')} cores, "
        f"load {str(d['machine'].get('load average at start', '?')).split(' (')[0]}"
        for d in documents
    }
    fig.text(0.01, 0.005, "; ".join(sorted(about)), fontsize=6, color="grey", va="bottom")


def plot_throughput() -> Path | None:
    enrich, multihost = series.load("enrich_throughput"), series.load("multihost")
    if enrich is None and multihost is None:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    documents = []
    if enrich is not None:
        documents.append(enrich)
        for name, points in enrich["series"].items():
            _line(ax, points, "processes", "articles_per_s", f"{name} (processes on one host)")
    if multihost is not None:
        documents.append(multihost)
        for name, points in multihost["series"].items():
            _line(ax, points, "hosts", "articles_per_s", name, linestyle="--")
            one = statistics.median(_values(points[0], "articles_per_s"))
            ax.plot([1, 2], [one, 2 * one], ":", color="grey", label="linear from 1 host")
    ax.set_xlabel("workers (processes on one host, or hosts of one process)")
    ax.set_ylabel("articles/s")
    ax.set_xticks([1, 2])
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Enrichment throughput against workers")
    _footer(fig, documents)
    return _save(fig, "plot-throughput.png")


def plot_latency_vs_rate() -> Path | None:
    ingest, fresh = series.load("ingest_load"), series.load("freshness")
    panels = [d for d in (ingest, fresh) if d is not None]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), squeeze=False)
    for ax, document in zip(axes[0], panels, strict=True):
        for name, points in document["series"].items():
            for q, style in (("p50", "-"), ("p99", "--")):
                if all(q in p for p in points):
                    _line(ax, points, "rate", q, f"{name} {q}", linestyle=style)
        ax.set_yscale("log")
        ax.set_xlabel(document.get("rate_unit", "rate"))
        ax.set_ylabel("latency, ms (log)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
        ax.set_title(document.get("title", document["name"]))
    _footer(fig, panels)
    return _save(fig, "plot-latency-vs-rate.png")


def plot_read_latency() -> Path | None:
    documents = [
        d
        for d in (series.load(p.stem) for p in sorted(series.FIGURES_DIR.glob("read_api*.json")))
        if d is not None
    ]
    if not documents:
        return None
    documents.sort(key=lambda d: str(d["machine"].get("date", "")))  # oldest (before) first
    rows = max(len(next(iter(d["series"].values()))) for d in documents)
    fig, axes = plt.subplots(
        1, len(documents), figsize=(6 * len(documents), 1 + 0.45 * rows), squeeze=False
    )
    for ax, document in zip(axes[0], documents, strict=True):
        points = next(iter(document["series"].values()))
        names = [p["request"] for p in points]
        y = range(len(points))
        for offset, q, colour in ((-0.2, "p50", "tab:blue"), (0.2, "p99", "tab:orange")):
            medians = [statistics.median(_values(p, q)) for p in points]
            ax.barh([i + offset for i in y], medians, height=0.4, label=q, color=colour)
        ax.axvline(
            READ_TARGET_MS, color="red", linestyle=":", label=f"{READ_TARGET_MS:.0f} ms target"
        )
        ax.set_yticks(list(y), names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("ms (log)")
        ax.legend(fontsize=7)
        ax.set_title(document.get("title", document["name"]), fontsize=9)
        ax.grid(alpha=0.3, axis="x", which="both")
    _footer(fig, documents)
    return _save(fig, "plot-read-latency.png")


def plot_memory_soak() -> Path | None:
    document = series.load("memory_soak")
    if document is None:
        return None
    fig, (rss_ax, pss_ax) = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    before = series.load("memory_soak_before")  # the same soak on the code before a fix, if kept
    for process, points in (before or {}).get("series", {}).items():
        if process == "parent":
            continue
        minutes = [p["seconds"] / 60 for p in points]
        style = {"color": "grey", "linestyle": "--", "linewidth": 0.8}
        label = f"before the fix: {process}"
        rss_ax.plot(minutes, [p["rss_mb"] for p in points], label=label, **style)
        pss_ax.plot(minutes, [p["pss_mb"] for p in points], label=label, **style)
    for process, points in document["series"].items():
        minutes = [p["seconds"] / 60 for p in points]
        rss_ax.plot(minutes, [p["rss_mb"] for p in points], label=process)
        pss_ax.plot(minutes, [p["pss_mb"] for p in points], label=process)
    bare = float(document["bare_model_rss_mb"])
    for ax, what in ((rss_ax, "RSS"), (pss_ax, "PSS (shared pages split)")):
        ax.axhline(bare, color="grey", linestyle=":", label=f"bare model process {bare:.0f} MB")
        ax.set_xlabel("minutes into the soak")
        ax.set_title(what, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    rss_ax.set_ylabel("MB")
    fig.suptitle(document.get("title", document["name"]), fontsize=10)
    _footer(fig, [document, *([before] if before else [])])
    return _save(fig, "plot-memory-soak.png")


def _save(fig: Any, name: str) -> Path:
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = OUT_DIR / name
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"[plots] wrote {path}")
    return path


def draw_all() -> list[Path]:
    drawn = [plot_throughput(), plot_latency_vs_rate(), plot_read_latency(), plot_memory_soak()]
    return [p for p in drawn if p is not None]


if __name__ == "__main__":
    draw_all()
