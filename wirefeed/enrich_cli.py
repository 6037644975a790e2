"""`wirefeed enrich`: run the pipeline in-process on one document or an NDJSON stream."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import IO, Any

import orjson

from services.enrich.config import load_pipeline_config
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich, enrich_many
from shared.settings import Settings

NDJSON_BATCH = 64


def _document(record: dict[str, Any]) -> SubmittedDocument:
    return SubmittedDocument(
        text=record.get("text"),
        html=record.get("html"),
        title=record.get("title"),
        source=record.get("source"),
        language=record.get("language"),
    )


def _records(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | Exception]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
            if not isinstance(record, dict):
                raise ValueError("each line must be a JSON object with 'text' or 'html'")
            yield number, record
        except (orjson.JSONDecodeError, ValueError) as exc:
            yield number, exc


def _enrich_batch(
    batch: list[tuple[int, dict[str, Any]]], config: PipelineConfig
) -> list[dict[str, Any]]:
    """The whole batch through one nlp.pipe; if one document is bad, each on its own."""
    try:
        documents = [_document(record) for _, record in batch]
        results = enrich_many(documents, config)
        return [_output(record, r.to_dict()) for (_, record), r in zip(batch, results, strict=True)]
    except ValueError:
        out = []
        for number, record in batch:
            try:
                out.append(_output(record, enrich(_document(record), config).to_dict()))
            except ValueError as exc:
                out.append({"line": number, "id": record.get("id"), "error": str(exc)})
        return out


def _output(record: dict[str, Any], enriched: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], **enriched} if "id" in record else enriched


def run_enrich(
    source: IO[str], out: IO[bytes], *, html: bool, ndjson: bool, settings: Settings
) -> int:
    config = load_pipeline_config(settings)
    if not ndjson:
        content = source.read()
        document = SubmittedDocument(html=content) if html else SubmittedDocument(text=content)
        out.write(orjson.dumps(enrich(document, config).to_dict(), option=orjson.OPT_INDENT_2))
        out.write(b"\n")
        return 0
    failures = 0
    pending: list[tuple[int, dict[str, Any] | Exception]] = []

    def flush() -> None:
        """Enrich the valid records together; write every result in input order."""
        nonlocal failures
        valid = [(n, r) for n, r in pending if not isinstance(r, Exception)]
        enriched = iter(_enrich_batch(valid, config)) if valid else iter(())
        for number, record in pending:
            result = (
                {"line": number, "error": str(record)}
                if isinstance(record, Exception)
                else next(enriched)
            )
            failures += "error" in result
            out.write(orjson.dumps(result) + b"\n")
        pending.clear()

    for number, record in _records(source):
        if html and isinstance(record, dict) and "text" in record and "html" not in record:
            record = {**record, "html": record.pop("text")}
        pending.append((number, record))
        if len(pending) == NDJSON_BATCH:
            flush()
    if pending:
        flush()
    out.flush()
    if failures:
        print(f"{failures} document(s) could not be enriched", file=sys.stderr)
    return 1 if failures else 0
