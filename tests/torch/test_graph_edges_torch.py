"""The graph form's edge cases against torch: the same networks written by hand in torch.

Each graph of ``tests.api.test_graph_edges.GRAPHS`` is built here again as torch modules and
a forward calling ``torch.add``, ``torch.mul`` and ``torch.cat`` as the graph says: its output
shape and parameter count are torch's, the analysis must give them, the export must run to
them, and ``verify`` must pass. What torch refuses to merge, cnncalc refuses too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.settings import Settings
from tests.api.test_graph_edges import BROADCAST_REFUSALS, GRAPHS
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(access_log=False))
    with TestClient(app, raise_server_exceptions=False) as c:  # the lifespan stops the workers
        yield c


Builder = Callable[[ModuleType], "Twin"]


@dataclass(frozen=True)
class Twin:
    """A network written in torch: its modules (its parameters) and its forward."""

    parts: Any  # an nn.ModuleDict
    forward: Callable[[Any], Any]


def _squeeze_excitation(torch: ModuleType) -> Twin:
    nn = torch.nn
    m = nn.ModuleDict(
        {"c": nn.Conv2d(8, 8, 3, padding=1), "down": nn.Conv2d(8, 2, 1), "up": nn.Conv2d(2, 8, 1)}
    )

    def forward(x: Any) -> Any:
        c = m["c"](x)
        s = nn.functional.adaptive_avg_pool2d(c, 1)
        return torch.mul(c, torch.sigmoid(m["up"](torch.relu(m["down"](s)))))

    return Twin(m, forward)


def _inception(torch: ModuleType) -> Twin:
    nn = torch.nn
    m = nn.ModuleDict(
        {
            "a": nn.Conv2d(3, 4, 1),
            "b": nn.Conv2d(3, 5, 3, padding=1),
            "pool": nn.MaxPool2d(3, stride=1, padding=1),
            "out": nn.Conv2d(4 + 5 + 3, 2, 1),
        }
    )

    def forward(x: Any) -> Any:
        return m["out"](torch.cat([m["a"](x), m["b"](x), m["pool"](x)], 1))

    return Twin(m, forward)


def _residual_repeated(torch: ModuleType) -> Twin:
    nn = torch.nn
    main = [
        nn.Sequential(
            nn.Conv2d(c, 6, 3, padding=1, bias=False),
            nn.BatchNorm2d(6),
            nn.ReLU(),
            nn.Conv2d(6, 6, 3, padding=1),
        )
        for c in (4, 6)
    ]
    short = [nn.Conv2d(c, 6, 1) for c in (4, 6)]
    m = nn.ModuleDict({"main": nn.ModuleList(main), "short": nn.ModuleList(short)})

    def forward(x: Any) -> Any:
        for path, shortcut in zip(main, short, strict=True):
            x = torch.relu(torch.add(path(x), shortcut(x)))
        return x

    return Twin(m, forward)


def _concat_every_dim(torch: ModuleType) -> Twin:
    nn = torch.nn
    m = nn.ModuleDict({"out": nn.Conv2d(9, 1, 1)})

    def forward(x: Any) -> Any:
        w = torch.cat([x, x], -1)
        h = torch.cat([w, w], 2)
        return m["out"](torch.cat([h, h, h], -3))

    return Twin(m, forward)


def _broadcast_five(torch: ModuleType) -> Twin:
    nn = torch.nn
    f = nn.functional
    m = nn.ModuleDict({"one": nn.Conv2d(3, 1, 1)})

    def forward(x: Any) -> Any:
        one = m["one"](x)
        p111 = f.adaptive_avg_pool2d(one, 1)
        pc11 = f.adaptive_avg_pool2d(x, 1)
        pc1w = f.adaptive_max_pool2d(x, (1, 8))
        total = p111 + pc11 + x + pc1w + one
        return (pc11 * p111) * total

    return Twin(m, forward)


def _dotted_references(torch: ModuleType) -> Twin:
    nn = torch.nn
    convs = [nn.Conv2d(4, 4, 3, padding=1) for _ in range(2)]
    m = nn.ModuleDict({"stem": nn.Conv2d(4, 4, 3, padding=1), "convs": nn.ModuleList(convs)})

    def forward(x: Any) -> Any:
        stem = m["stem"](x)
        y = stem
        conv1s, sums = [], []
        for conv in convs:
            conv1s.append(conv(y))
            sums.append(conv1s[-1] + stem)
            y = torch.relu(sums[-1])
        total = conv1s[0] + sums[1] + stem + y
        return torch.cat([x * x, total], 1)

    return Twin(m, forward)


def _parallel_add(torch: ModuleType) -> Twin:
    nn = torch.nn
    m = nn.ModuleDict(
        {
            "a": nn.Conv2d(3, 5, 1),
            "b": nn.Conv2d(3, 5, 3, padding=1),
            "c": nn.Conv2d(3, 5, 3, padding=2, dilation=2),
        }
    )

    def forward(x: Any) -> Any:
        return m["a"](x) + torch.relu(m["b"](x)) + m["c"](x)

    return Twin(m, forward)


def _one_d(torch: ModuleType) -> Twin:
    nn = torch.nn
    m = nn.ModuleDict({"a": nn.Conv1d(4, 4, 3), "b": nn.Conv1d(4, 4, 3, padding=1)})

    def forward(x: Any) -> Any:
        c = torch.cat([m["a"](x), x], -1)
        return m["b"](c) + c

    return Twin(m, forward)


def _vectors(torch: ModuleType) -> Twin:
    nn = torch.nn
    m = nn.ModuleDict({"a": nn.Linear(12, 6), "b": nn.Linear(12, 6), "s": nn.Linear(18, 1)})

    def forward(x: Any) -> Any:
        a = m["a"](x)
        return m["s"](torch.cat([a, m["b"](x), a], 1)) * a

    return Twin(m, forward)


BUILDERS: dict[str, Builder] = {
    "squeeze_excitation": _squeeze_excitation,
    "inception": _inception,
    "residual_repeated": _residual_repeated,
    "concat_every_dim": _concat_every_dim,
    "broadcast_five": _broadcast_five,
    "dotted_references": _dotted_references,
    "parallel_add": _parallel_add,
    "one_d": _one_d,
    "vectors": _vectors,
}


def _params(model: Any) -> int:
    return sum(int(p.numel()) for p in model.parameters())


def test_every_graph_has_its_torch_twin() -> None:
    assert set(BUILDERS) == set(GRAPHS)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("name", GRAPHS)
def test_the_analysis_gives_torchs_shape_and_parameters(
    client: TestClient, name: str, batch: int
) -> None:
    torch = require_torch()
    shape, layers = GRAPHS[name]
    body = {"input_shape": shape, "layers": layers, "batch_size": batch}
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    twin = BUILDERS[name](torch)
    twin.parts.eval()
    with torch.no_grad():
        out = twin.forward(torch.zeros(batch, *shape))
    assert data["output_shape"] == list(out.shape[1:])
    assert data["total_params"] == _params(twin.parts)


@pytest.mark.parametrize("name", GRAPHS)
def test_the_export_runs_in_torch_with_the_analysis_numbers(client: TestClient, name: str) -> None:
    torch = require_torch()
    shape, layers = GRAPHS[name]
    body = {"input_shape": shape, "layers": layers}
    analysis = client.post("/v1/analyze", json=body).json()
    r = client.post("/v1/export/pytorch", json=body)
    assert r.status_code == 200, r.text
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(r.text, "exported.py", "exec"), namespace)
    model = namespace["model"].eval()
    with torch.no_grad():
        out = model(torch.zeros(2, *shape))
    reference = BUILDERS[name](torch).parts
    assert list(out.shape[1:]) == analysis["output_shape"]
    assert _params(model) == analysis["total_params"] == _params(reference)


@pytest.mark.parametrize("name", ["squeeze_excitation", "dotted_references", "one_d"])
def test_verify_passes_on_the_graphs(client: TestClient, name: str) -> None:
    require_torch()
    shape, layers = GRAPHS[name]
    body = {"input_shape": shape, "layers": layers, "verify": True}
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 200, r.text
    verification = r.json()["verification"]
    assert (verification["status"], verification["mismatches"]) == ("passed", [])


# Tensors (batch 1) of the shapes each refused merge receives, in its order, and torch's call.
REFUSED_IN_TORCH: dict[str, tuple[list[list[int]], str]] = {
    "channels": ([[1, 3, 8, 8], [1, 4, 8, 8]], "add"),
    "width": ([[1, 3, 1, 5], [1, 3, 8, 8]], "mul"),
    "third_input": ([[1, 3, 1, 1], [1, 3, 8, 8], [1, 3, 6, 6]], "add"),
    "ranks": ([[1, 192], [1, 3, 8, 8]], "mul"),
}


def test_every_refused_broadcast_is_listed() -> None:
    assert set(REFUSED_IN_TORCH) == set(BROADCAST_REFUSALS)


@pytest.mark.parametrize("name", REFUSED_IN_TORCH)
def test_torch_refuses_the_broadcasts_cnncalc_refuses(name: str) -> None:
    torch = require_torch()
    shapes, op = REFUSED_IN_TORCH[name]
    tensors = [torch.zeros(*s) for s in shapes]
    function = getattr(torch, op)

    def fold() -> Any:  # torch.add and torch.mul take two inputs: folded from the left
        result = tensors[0]
        for t in tensors[1:]:
            result = function(result, t)
        return result

    with pytest.raises(RuntimeError, match="must match the size"):
        fold()


# cnncalc's layers on a 3×8×8 input giving a second input of the shape torch receives.
HALF: list[dict[str, Any]] = [
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1, "stride": 2, "id": "b"}
]
SAME: list[dict[str, Any]] = [{"type": "relu", "id": "b"}]
FLAT: list[dict[str, Any]] = [{"type": "flatten", "id": "b"}]


@pytest.mark.parametrize(
    ("second", "dim", "layers"),
    [
        ([1, 4, 4, 4], 1, HALF),  # other sizes differ
        ([1, 4, 4, 4], -3, HALF),
        ([1, 192], 1, FLAT),  # ranks differ
        ([1, 3, 8, 8], 4, SAME),  # out of range
        ([1, 3, 8, 8], -5, SAME),
    ],
)
def test_torch_refuses_the_concatenations_cnncalc_refuses(
    client: TestClient, second: list[int], dim: int, layers: list[dict[str, Any]]
) -> None:
    torch = require_torch()
    with pytest.raises((RuntimeError, IndexError)):
        torch.cat([torch.zeros(1, 3, 8, 8), torch.zeros(*second)], dim)
    merge = {"type": "concat", "dim": dim, "inputs": ["input", "b"]}
    r = client.post("/v1/analyze", json={"input_shape": [3, 8, 8], "layers": [*layers, merge]})
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["loc"][:3] == ["body", "layers", len(layers)]
    assert error["type"] in {"sizes_do_not_match", "dimension_out_of_range"}
