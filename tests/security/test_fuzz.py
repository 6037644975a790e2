"""Schemathesis over both services' OpenAPI schemas, in process (ASGI) on a real store and
broker: at least 1,000 generated requests per service, a fixed seed, bounded time; no 5xx and no
answer outside the schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import orjson
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.services import Backend
from tests.support.stack import Stack, running_stack

PER_SERVICE = 1000
# No 5xx, answers as documented (status, content type, headers, body schema), and invalid
# requests refused. (`positive_data_acceptance` is left out: with a required body it also sends
# bodiless POSTs it counts as valid, which we answer 415 by design.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx: object, value: object) -> bytes:
    """The batch endpoint's NDJSON body is documented as a string: send it as is."""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text.encode("utf-8", "surrogatepass")


@pytest.fixture
def fuzz_env(store_backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Settings and store of a running stack; schemathesis runs each app's lifespan itself."""
    with running_stack(store_backend, monkeypatch) as stack:
        try:
            yield stack
        finally:
            shutdown_lifespans()  # stop the apps schemathesis started (ingest's batcher task)


def _runner(operation: schemathesis.APIOperation, count: list[int], examples: int) -> Callable:
    @settings(
        max_examples=examples,
        derandomize=True,  # a fixed seed: the same requests on every run
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        count[0] += 1
        case.call_and_validate(checks=CHECKS)

    return run


def _fuzz(app: FastAPI) -> dict[str, int]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # /v1/stream never ends by design (it pushes the feed until the client leaves); it has its
    # own tests in tests/integration/test_stream.py.
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path != "/v1/stream"
    ]
    # Probes without inputs have one request to make; the budget goes to the rest.
    with_inputs = [op for op in operations if op.path.startswith("/v1/")]
    examples = PER_SERVICE // len(with_inputs) + 10
    counts: dict[str, int] = {}
    for operation in operations:
        count = [0]
        _runner(operation, count, examples)()
        counts[operation.label] = count[0]
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("service", ["ingest", "api"])
def test_fuzz_service(fuzz_env: Stack, service: str) -> None:
    from services.api.app import create_api_app
    from services.ingest.app import create_ingest_app
    from shared.settings import Settings

    create = create_ingest_app if service == "ingest" else create_api_app
    counts = _fuzz(create(Settings()))
    total = sum(counts.values())
    print(f"\nfuzzed {service} on {fuzz_env.backend.name}: {total} requests {counts}")
    assert sum(counts.values()) >= PER_SERVICE
