"""Figures: medians and spreads over repeats, ratios against a baseline from the same run."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass(frozen=True, slots=True)
class Summary:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def fmt(self, digits: int = 2) -> str:
        return f"{self.median:.{digits}f} [{self.low:.{digits}f}-{self.high:.{digits}f}]"


@dataclass
class Figure:
    """One row of RESULTS.md: what was measured, against what, and whether the target holds."""

    section: str
    name: str
    measured: Summary
    unit: str
    baseline: Summary | None = None
    ratio: Summary | None = None  # per-repeat ratios measured/baseline, summarised
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)


def paired_ratios(measured: Sequence[float], baseline: Sequence[float]) -> Summary:
    """Ratios of runs made side by side (interleaved), so drift on a shared machine cancels."""
    return Summary.of([m / b for m, b in zip(measured, baseline, strict=True)])
