"""Record the app's answers to the documented requests in app/data/api_examples.json.

    python -m scripts.write_api_examples     # then python -m scripts.write_openapi

Each request in ``REQUESTS`` is sent to the app in this process (``TestClient``, the lifespan
started, so ``"verify": true`` runs the torch check) and its answer is written as it came:
the OpenAPI document shows these exchanges as its examples (``app.api.docs``), and
``tests/api/test_api_examples.py`` replays them. torch must be installed, or the verified
example would record "unavailable".
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from app.api.app import create_app
from app.api.docs import API_EXAMPLES
from app.settings import Settings

LENET_FIRST_LAYERS: dict[str, Any] = {
    "input_shape": [1, 28, 28],
    "layers": [
        {"type": "conv2d", "C_out": 20, "K": 5, "P": 2, "S": 1},
        {"type": "relu"},
        {"type": "maxpool2d", "K": 2, "S": 2},
    ],
}
"""The course's LeNet-5 up to its first pooling (``examples/lenet.json``'s first three)."""


@dataclass(frozen=True)
class Request:
    """One documented exchange: what is sent, and how the answer is kept."""

    name: str
    summary: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    excerpt: tuple[str, ...] = ()
    """For a long answer: the top-level keys kept (the rest is left out of the example)."""


REQUESTS = (
    Request(
        "lenet5_first_layers",
        "LeNet-5 (the course's), conv → ReLU → pool",
        "POST",
        "/v1/analyze",
        LENET_FIRST_LAYERS,
    ),
    Request(
        "lenet5_first_layers_verified",
        'The same, checked in PyTorch ("verify": true)',
        "POST",
        "/v1/analyze",
        {**LENET_FIRST_LAYERS, "verify": True},
    ),
    Request(
        "kernel_larger_than_input",
        "An impossible stack: a 15×15 kernel on a 14×14 input",
        "POST",
        "/v1/analyze",
        {
            "input_shape": [1, 28, 28],
            "layers": [*LENET_FIRST_LAYERS["layers"], {"type": "conv2d", "C_out": 50, "K": 15}],
        },
    ),
    Request(
        "lenet5_homework",
        "A student's answers for LeNet-5's first layers, one of them wrong",
        "POST",
        "/v1/check",
        {
            **LENET_FIRST_LAYERS,
            "answers": [
                {"layer": 0, "output_shape": "20x28x28", "weight_shape": "20x1x5x5", "params": 500},
                {"layer": 2, "output_shape": "20x14x14"},
            ],
        },
    ),
    Request(
        "same_size_with_k5",
        "Which padding keeps 32 → 32 with K = 5, S = 1?",
        "POST",
        "/v1/solve",
        {
            "layer": "conv",
            "input_size": 32,
            "output_size": 32,
            "kernel_size": 5,
            "stride": 1,
            "dilation": 1,
        },
    ),
    Request(
        "lenet5_first_layers_code",
        "LeNet-5's first layers as PyTorch code",
        "POST",
        "/v1/export/pytorch",
        LENET_FIRST_LAYERS,
    ),
    Request(
        "course_lenet5",
        "The course's LeNet-5, one entry of the catalogue",
        "GET",
        "/v1/examples",
        excerpt=("lenet5_course",),
    ),
    Request("healthy", "A healthy server with torch", "GET", "/healthz"),
)


def record(client: TestClient, request: Request) -> dict[str, Any]:
    """The exchange as ``app.api.docs.add_examples`` reads it."""
    reply = client.request(request.method, request.path, json=request.body)
    media_type = reply.headers["content-type"].split(";")[0]
    answer: Any = reply.json() if media_type.endswith("json") else reply.text
    if request.excerpt:
        answer = {key: answer[key] for key in request.excerpt}
    return {
        "name": request.name,
        "summary": request.summary,
        "method": request.method,
        "path": request.path,
        "status": reply.status_code,
        "media_type": media_type,
        "request": request.body,
        "response": answer,
        "excerpt": bool(request.excerpt),
    }


def main() -> None:
    """Send every request and write what came back."""
    if importlib.util.find_spec("torch") is None:
        raise SystemExit("torch is needed to record the verified example: pip install torch")
    settings = Settings(verify_timeout_s=180)  # a loaded machine starts torch slowly
    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        exchanges = [record(client, request) for request in REQUESTS]
    for exchange in exchanges:
        answer = exchange["response"]
        verification = answer.get("verification") if isinstance(answer, dict) else None
        if verification is not None and verification["status"] != "passed":
            raise SystemExit(f"{exchange['name']}: the torch check did not pass: {verification}")
    text = json.dumps(exchanges, indent=2, ensure_ascii=False) + "\n"
    API_EXAMPLES.parent.mkdir(exist_ok=True)
    API_EXAMPLES.write_text(text, encoding="utf-8")
    print(f"wrote {API_EXAMPLES}")


if __name__ == "__main__":
    main()
