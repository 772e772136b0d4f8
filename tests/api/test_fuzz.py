"""schemathesis against the app's own OpenAPI schema, in process, with every check.

Checks: no 5xx, responses match their documented schema, content type and headers, every
status code is documented, invalid data is rejected (4xx) and valid data accepted (2xx, or
422 for a stack that is well-formed but impossible, like a kernel larger than its input),
unsupported methods are 405, and so on (``schemathesis.checks``).

``make test`` runs a modest number of examples per operation. The long profile:

    CNNCALC_FUZZ_EXAMPLES=100 CNNCALC_FUZZ_REPORT=fuzz.json \\
        .venv/bin/python -m pytest tests/api/test_fuzz.py

runs 100 examples per operation and phase (over 5,000 requests in all) and writes the number
of requests by status to ``fuzz.json``; its result is recorded in docs/benchmarks.md. Every
failure it found is a regression test in tests/api/test_limits.py.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.app import create_app
from app.settings import Settings

EXAMPLES = int(os.environ.get("CNNCALC_FUZZ_EXAMPLES", "25"))

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": EXAMPLES},
        "checks": {
            # A schema can say a stack is well-formed, not that it fits its input: the core
            # rejects impossible stacks with a 422 problem naming the layer and field.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "422"]},
        },
    }
)

REPORT = os.environ.get("CNNCALC_FUZZ_REPORT")
"""A file to write the count of requests by status to, for the long profile's record."""


class StatusCounter:
    """Counts every response the app sends, by status code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.statuses: Counter[int] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


BLOCKS = ("Sequential", "Residual", "Parallel")
"""The blocks, whose lists hold any entry, blocks included: the schema is recursive."""


def one_level_of_blocks(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the blocks' own lists holding layers only, not blocks.

    schemathesis inlines recursive references to build its strategies; a union of every
    kind whose blocks hold that union again grows without end and never finishes
    collecting. Fuzzing blocks one level deep keeps every block and every layer in play.
    """
    document = copy.deepcopy(document)
    schemas = document["components"]["schemas"]
    # A block's schema may be split in two, as read and as answered (``Sequential-Input``).
    blocks = [name for name in schemas if name.split("-")[0] in BLOCKS]
    refs = {f"#/components/schemas/{name}" for name in blocks}

    def prune(node: Any) -> None:
        if isinstance(node, dict):
            if "oneOf" in node:
                node["oneOf"] = [o for o in node["oneOf"] if o.get("$ref") not in refs]
            for value in node.values():
                prune(value)
        elif isinstance(node, list):
            for value in node:
                prune(value)

    assert blocks, "the blocks' schemas are named after their classes"
    for name in blocks:
        prune(schemas[name])
    return document


API = create_app(Settings(access_log=False))
APP = StatusCounter(API)
schema = schemathesis.openapi.from_dict(one_level_of_blocks(API.openapi()), config=CONFIG)
schema.app = APP
schema.location = "/openapi.json"


@pytest.fixture(scope="module", autouse=True)
def no_server_errors() -> Iterator[None]:
    """After every operation ran: no 5xx at all, and the counts for the record."""
    yield
    if REPORT:
        counts = {str(k): v for k, v in sorted(APP.statuses.items())}
        total = sum(APP.statuses.values())
        Path(REPORT).write_text(json.dumps({"requests": total, "by_status": counts}) + "\n")
    assert not [s for s in APP.statuses if s >= 500], APP.statuses


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    # A request with "verify": true imports torch the first time (seconds on a busy machine).
    case.call_and_validate(timeout=120)
