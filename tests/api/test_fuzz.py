"""schemathesis against the app's own OpenAPI schema, in process, with every check.

Checks: no 5xx, responses match their documented schema, content type and headers, every
status code is documented, invalid data is rejected (4xx) and valid data accepted (2xx, or
422 for a stack that is well-formed but impossible, like a kernel larger than its input),
unsupported methods are 405, and so on (``schemathesis.checks``).

``make test`` runs a modest number of examples per operation. The long profile:

    CNNCALC_FUZZ_EXAMPLES=1000 .venv/bin/python -m pytest tests/api/test_fuzz.py -p no:randomly

runs 1,000 examples per operation and phase (well over 5,000 requests in all); its result is
recorded in docs/benchmarks.md. Every failure it found is a regression test in
tests/api/test_limits.py.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.api.app import create_app
from app.settings import Settings

EXAMPLES = int(os.environ.get("CNNCALC_FUZZ_EXAMPLES", "25"))

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # A schema can say a stack is well-formed, not that it fits its input: the core
            # rejects impossible stacks with a 422 problem naming the layer and field.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "422"]},
        },
    }
)

APP = create_app(Settings(access_log=False))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate()
