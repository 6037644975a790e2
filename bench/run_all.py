"""`make bench`: run every benchmark and write bench/RESULTS.md.

    python -m bench.run_all                       # the default, about 12-15 minutes on 2 cores
    python -m bench.run_all --only ingest read    # some sections
    python -m bench.run_all --repeats 5 --corpus 300 --soak-seconds 1200   # the long run

Every figure is a median over repeats with its [min-max] spread, and where it has a baseline,
the ratio measured/baseline computed per repeat (runs interleaved) then summarised: absolute
times on a shared machine drift, same-run ratios much less.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench import (
    enrich_throughput,
    freshness,
    hostile_shapes,
    ingest_load,
    machine,
    memory_soak,
    plots,
    read_api,
)
from bench.stats import Figure

RESULTS = Path(__file__).parent / "RESULTS.md"
SECTIONS = ("enrich", "ingest", "freshness", "read", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description="run the wirefeed benchmarks")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--corpus", type=int, default=160, help="articles in the throughput corpus")
    parser.add_argument(
        "--soak-seconds",
        type=float,
        default=120.0,
        help="memory soak length (1200 for the 20-minute soak)",
    )
    parser.add_argument(
        "--no-end-to-end",
        action="store_true",
        help="skip the worker end-to-end runs (in-process figures only)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    about = machine.describe()
    print("[bench] " + ", ".join(f"{k}: {v}" for k, v in about.items()))
    started = time.monotonic()
    figures: list[Figure] = []
    plans: list[str] = []
    if "enrich" in args.only:
        figures += enrich_throughput.run(
            size=args.corpus, repeats=args.repeats, end_to_end_runs=not args.no_end_to_end
        )
    if "ingest" in args.only:
        figures += ingest_load.run(repeats=args.repeats)
    if "freshness" in args.only:
        figures += freshness.run(repeats=max(2, args.repeats - 1))
    if "read" in args.only:
        found, plans = read_api.run(repeats=args.repeats)
        figures += found
    if "memory" in args.only:
        figures += memory_soak.run(seconds=args.soak_seconds)
    minutes = (time.monotonic() - started) / 60
    about["bench wall time"] = f"{minutes:.1f} min"
    written = render(figures, plans, about, args)
    if args.output.exists():  # bench/hostile_shapes.py's section is run on its own: keep it
        kept = hostile_shapes.section_of(args.output.read_text(encoding="utf-8"))
        written = hostile_shapes.replace_section(written, kept) if kept else written
    args.output.write_text(written, encoding="utf-8")
    print(f"[bench] wrote {args.output} ({minutes:.1f} min)")
    plots.draw_all()  # from the bench/figures/*.json the sections just wrote


def _cell(figure: Figure) -> list[str]:
    digits = 0 if figure.measured.median >= 100 else 1 if figure.measured.median >= 10 else 2
    return [
        figure.name,
        f"{figure.measured.fmt(digits)} {figure.unit}",
        figure.baseline.fmt(digits) if figure.baseline else "",
        figure.ratio.fmt(2) if figure.ratio else "",
        figure.target,
        {True: "yes", False: "**no**", None: ""}[figure.met],
    ]


def render(
    figures: list[Figure], plans: list[str], about: dict[str, str], args: argparse.Namespace
) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench.run_all`); do not edit by hand. "
        "How to read them, and why the missed targets are missed: "
        "[ANALYSIS.md](ANALYSIS.md).",
        "",
    ]
    lines += ["| machine | |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in about.items()]
    lines += [
        "",
        f"Command: `python -m bench.run_all --only {' '.join(args.only)} --repeats "
        f"{args.repeats} --corpus {args.corpus} --soak-seconds {args.soak_seconds:.0f}`",
        "",
        "Figures: median [min-max] over the repeats. Ratio: measured/baseline per "
        "repeat (for times, baseline/measured, so higher is better for throughput), "
        "median [min-max].",
        "",
    ]
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            lines += [
                "",
                f"## {section}",
                "",
                "| figure | measured | baseline | ratio | target | met |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
        lines.append("| " + " | ".join(_cell(figure)) + " |")
    if plans:
        lines += ["", "## Query plans (EXPLAIN ANALYZE on the read API's own statements)", ""]
        for plan in plans:
            lines += ["```", plan, "```", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
