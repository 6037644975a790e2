"""Time and peak memory of one article of each hostile shape, at 10k, 100k and 1M characters.

    python -m bench.hostile_shapes --out var/hostile-after.json
    python -m bench.hostile_shapes --render var/hostile-after.json \
        --before var/hostile-before.json --write bench/RESULTS.md

Every (shape, size) runs in a fresh process that loads the pipeline the way a worker does
(rules, aliases, the NER-only model, the language detector) and enriches the one article:
`peak RSS` is that process's high-water mark (what a worker child would reach), `seconds` the
enrichment alone. Baseline, in the same run: a fresh process that loaded only the model and ran
bare spaCy `nlp.pipe` over the same text cut into 10,000-character chunks (text shapes only;
an HTML shape has no text before extraction). Shapes: tests/support/hostile_shapes.py.

`--before` renders the figures of an earlier run (the code before the change) next to them;
`--write` replaces this benchmark's section of RESULTS.md and leaves the rest alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import machine
from tests.support.hostile_shapes import SHAPES

SIZES = (10_000, 100_000, 1_000_000)
BASELINE_CHUNK = 10_000
# A child past this address-space cap fails with MemoryError instead of pushing a shared
# machine into swap or the OOM killer (the code before the change needed over 3 GB).
ADDRESS_SPACE_CAP = 8 * 1024**3
CHILD_TIMEOUT = 600
START_MARK = "<!-- hostile-shapes:start -->"
END_MARK = "<!-- hostile-shapes:end -->"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure_pipeline(shape: str, size: int) -> dict[str, Any]:
    from services.enrich.config import load_pipeline_config
    from services.enrich.pipeline import SubmittedDocument, enrich
    from shared.settings import Settings

    config = load_pipeline_config(Settings())
    raw = SHAPES[shape].build(size)
    document = (
        SubmittedDocument(text=raw) if SHAPES[shape].kind == "text" else SubmittedDocument(html=raw)
    )
    loaded_mb = _peak_rss_mb()
    began = time.perf_counter()
    try:
        enriched = enrich(document, config)
        outcome = f"enriched: {len(enriched.clean_text)} chars, {len(enriched.entities)} entities"
    except MemoryError:
        outcome = "MemoryError (over the bench's address-space cap)"
    except Exception as exc:  # the pipeline's own verdict on the article, e.g. no text in it
        outcome = f"failed: {type(exc).__name__}: {str(exc)[:60]}"
    seconds = time.perf_counter() - began
    return {"chars": len(raw), "seconds": seconds, "peak_mb": _peak_rss_mb(),
            "loaded_mb": loaded_mb, "outcome": outcome}  # fmt: skip


def _measure_baseline(shape: str, size: int) -> dict[str, Any]:
    import spacy

    from services.enrich.config import NER_ONLY_EXCLUDE
    from shared.settings import Settings

    nlp = spacy.load(Settings().spacy_model, exclude=NER_ONLY_EXCLUDE)
    text = SHAPES[shape].build(size)
    chunks = (text[i : i + BASELINE_CHUNK] for i in range(0, len(text), BASELINE_CHUNK))
    began = time.perf_counter()
    entities = sum(len(doc.ents) for doc in nlp.pipe(chunks))
    seconds = time.perf_counter() - began
    return {"chars": len(text), "seconds": seconds, "peak_mb": _peak_rss_mb(),
            "outcome": f"{entities} entities"}  # fmt: skip


def _child(kind: str, shape: str, size: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))
    measure = _measure_pipeline if kind == "pipeline" else _measure_baseline
    print(json.dumps(measure(shape, size)))


def _run_child(kind: str, shape: str, size: int) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.hostile_shapes", "--child", kind, shape, str(size)],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": None, "peak_mb": None, "outcome": f"not done in {CHILD_TIMEOUT} s"}
    if done.returncode != 0:
        return {"seconds": None, "peak_mb": None, "outcome": f"exit {done.returncode}: "
                + done.stderr.strip().splitlines()[-1][:80]}  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(shapes: list[str], sizes: list[int], kinds: list[str], out: Path | None) -> dict[str, Any]:
    """Measure; with `out`, the figures so far are saved after every row."""
    results: dict[str, Any] = {"machine": machine.describe(), "rows": []}
    for shape in shapes:
        for size in sizes:
            row: dict[str, Any] = {"shape": shape, "size": size}
            for kind in kinds:
                if kind == "pipeline" or SHAPES[shape].kind == "text":
                    row[kind] = _run_child(kind, shape, size)
            results["rows"].append(row)
            print(f"[hostile] {shape} {size}: {json.dumps(row)}", flush=True)
            if out:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(results, indent=2) + "\n")
    return results


def merge(files: list[Path]) -> dict[str, Any]:
    """Several runs' figures as one (a later file's cell wins), in the order of the first."""
    merged: dict[str, Any] = {"machine": {}, "rows": []}
    by_key: dict[tuple[str, int], dict[str, Any]] = {}
    for path in files:
        data = json.loads(path.read_text())
        merged["machine"] = merged["machine"] or data["machine"]
        for row in data["rows"]:
            key = (row["shape"], row["size"])
            if key not in by_key:
                by_key[key] = {"shape": row["shape"], "size": row["size"]}
                merged["rows"].append(by_key[key])
            by_key[key].update({k: v for k, v in row.items() if k not in ("shape", "size")})
    return merged


def _fmt(cell: dict[str, Any] | None) -> tuple[str, str]:
    if not cell:
        return "—", "—"
    if cell.get("seconds") is None:
        return cell["outcome"], "—"
    return f"{cell['seconds']:.1f} s", f"{cell['peak_mb']:.0f} MB"


def render(
    after: dict[str, Any], before: dict[str, Any] | None, command: str, notes: str = ""
) -> str:
    previous = {(r["shape"], r["size"]): r for r in (before or {}).get("rows", [])}
    about = after["machine"]
    lines = [
        START_MARK,
        "## Hostile shapes: one article's time and peak RSS",
        "",
        f"Written by `{command}` ({about.get('date', '')}, load average at start "
        f"{about.get('load average at start', '?')}; the machine was shared, so times are noisy). "
        "Each cell is one fresh process that loads the pipeline as a worker child does and "
        "enriches one article: peak RSS includes the loaded model (about "
        f"{_loaded(after)} MB before the article). Bare spaCy: a process with only the model, "
        "`nlp.pipe` over the same text in 10,000-character chunks. Before: the code before "
        "bounded tagging (issue 13).",
        "",
        "| shape | chars | before: time | before: peak RSS | after: time | after: peak RSS "
        "| bare spaCy chunks: time | bare spaCy chunks: peak RSS | after: outcome |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in after["rows"]:
        old = previous.get((row["shape"], row["size"]), {}).get("pipeline")
        new = row.get("pipeline", {})
        cells = [*_fmt(old), *_fmt(new), *_fmt(row.get("baseline"))]
        chars = new.get("chars", row["size"])
        lines.append(
            f"| {row['shape']} | {chars:,} | " + " | ".join(cells)
            + f" | {new.get('outcome', '')} |"
        )  # fmt: skip
    if notes:
        lines += ["", notes.strip()]
    lines += ["", END_MARK]
    return "\n".join(lines) + "\n"


def _loaded(results: dict[str, Any]) -> str:
    loaded = [r.get("pipeline", {}).get("loaded_mb") for r in results["rows"]]
    known = sorted(v for v in loaded if v)
    return f"{known[len(known) // 2]:.0f}" if known else "?"


def section_of(document: str) -> str | None:
    """This benchmark's section of a RESULTS.md, markers included, if it has one."""
    if START_MARK not in document or END_MARK not in document:
        return None
    _, _, rest = document.partition(START_MARK)
    body, _, _ = rest.partition(END_MARK)
    return START_MARK + body + END_MARK + "\n"


def replace_section(document: str, section: str) -> str:
    """`document` with this benchmark's section replaced (or appended)."""
    if START_MARK in document and END_MARK in document:
        head, _, rest = document.partition(START_MARK)
        _, _, tail = rest.partition(END_MARK)
        return head + section.rstrip("\n") + tail
    return document.rstrip("\n") + "\n\n" + section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "SHAPE", "SIZE"), help=argparse.SUPPRESS
    )
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument(
        "--kinds", nargs="+", choices=["pipeline", "baseline"], default=["pipeline", "baseline"]
    )
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    parser.add_argument(
        "--render", type=Path, nargs="+", help="render JSON figures (merged) as markdown"
    )
    parser.add_argument(
        "--before", type=Path, nargs="+", help="figures of the code before, to compare"
    )
    parser.add_argument("--write", type=Path, help="replace the section in this RESULTS.md")
    parser.add_argument("--notes", type=Path, help="markdown to put under the table")
    args = parser.parse_args()
    if args.child:
        kind, shape, size = args.child
        _child(kind, shape, int(size))
        return
    if args.render:
        after = merge(args.render)
    else:
        after = run(args.shapes, args.sizes, args.kinds, args.out)
    before = merge(args.before) if args.before else None
    notes = args.notes.read_text() if args.notes else ""
    section = render(after, before, "python -m bench.hostile_shapes", notes)
    if args.write:
        args.write.write_text(replace_section(args.write.read_text(), section))
    print(section)


if __name__ == "__main__":
    main()
