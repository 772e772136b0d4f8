"""Solving backwards: every answer gives the target, none is missed, simplest first."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest

from app.core import LimitError, StackError
from app.core.solve import DEFAULT_BOUNDS, Solution, SolveLayer, solve
from app.teaching_cli import run_solve
from tests.torch_util import require_torch


def combos(solutions: list[Solution]) -> list[tuple[int, int, int, int]]:
    return [(s.kernel_size, s.stride, s.padding, s.dilation) for s in solutions]


def test_which_padding_keeps_32_with_k5() -> None:
    result = solve("conv", 32, 32, 5, 1, None, 1)
    assert combos(result.solutions) == [(5, 1, 2, 1)]
    (only,) = result.solutions
    assert only.exact
    assert only.explanation[0].formula == "N' = (N - K + 2P) / S + 1 = (32 - 5 + 2×2) / 1 + 1 = 32"


def test_which_stride_takes_224_to_112_with_k3() -> None:
    result = solve("conv", 224, 112, 3)
    first = result.solutions[0]
    assert (first.kernel_size, first.stride, first.padding, first.dilation) == (3, 2, 1, 1)
    assert not first.exact  # 223 / 2 is floored: PyTorch's usual downsampling
    assert "⌊223 / 2⌋" in (first.explanation[0].formula or "")
    assert all(s.stride == 2 for s in result.solutions)


def test_exact_and_simple_solutions_come_first() -> None:
    result = solve("conv", 32, 16, max_solutions=1000)
    keys = [(not s.exact, s.dilation, s.stride, s.kernel_size, s.padding) for s in result.solutions]
    assert keys == sorted(keys)
    assert combos(result.solutions[:2]) == [(2, 2, 0, 1), (4, 2, 1, 1)]
    assert (3, 2, 1, 1) in combos(result.solutions)
    assert result.found == len(result.solutions)
    assert not result.truncated


def test_truncation_is_reported() -> None:
    result = solve("conv", 32, 16, max_solutions=3)
    assert len(result.solutions) == 3
    assert result.truncated
    assert result.found > 3
    assert result.bounds.max_solutions == 3


def torch_size(
    kind: SolveLayer, n: int, k: int, s: int, p: int, d: int, ceil_mode: bool
) -> tuple[int, bool] | None:
    """PyTorch's documented output size and whether the stride divides exactly, or ``None``.

    ``O = floor((N + 2P - D(K - 1) - 1) / S) + 1`` (``nn.Conv1d``, ``nn.MaxPool1d``); with
    ``ceil_mode`` rounded up, less one when the last window would start in the right padding.
    torch refuses a pool padded over half its kernel and an output below 1.
    """
    span = n + 2 * p - (d * (k - 1) + 1)
    if kind is SolveLayer.CONV:
        return None if span < 0 else (span // s + 1, span % s == 0)
    if p > k // 2:
        return None
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return None if out < 1 else (out, span % s == 0)


def brute_force(
    kind: SolveLayer, n: int, o: int, ceil_mode: bool, bounds: dict[str, int]
) -> set[tuple[int, int, int, int]]:
    found = set()
    for k, s, d in itertools.product(
        range(1, bounds["max_kernel"] + 1),
        range(1, bounds["max_stride"] + 1),
        range(1, bounds["max_dilation"] + 1),
    ):
        if d > 1 and k == 1:
            continue
        k_eff = d * (k - 1) + 1
        top = min(bounds["max_padding"], k // 2 if kind is SolveLayer.POOL else k_eff - 1)
        for p in range(top + 1):
            out = torch_size(kind, n, k, s, p, d, ceil_mode)
            if out is not None and out[0] == o:
                found.add((k, s, p, d))
    return found


@pytest.mark.parametrize(
    ("kind", "ceil_mode"),
    [(SolveLayer.CONV, False), (SolveLayer.POOL, False), (SolveLayer.POOL, True)],
    ids=["conv", "pool", "pool-ceil"],
)
def test_nothing_is_missed_and_nothing_is_wrong(kind: SolveLayer, ceil_mode: bool) -> None:
    bounds = {"max_kernel": 5, "max_stride": 3, "max_padding": 6, "max_dilation": 2}
    for n, o in itertools.product(range(1, 13), range(1, 13)):
        result = solve(
            kind,
            n,
            o,
            ceil_mode=ceil_mode,
            max_kernel=5,
            max_stride=3,
            max_padding=6,
            max_dilation=2,
            max_solutions=1000,
        )
        assert set(combos(result.solutions)) == brute_force(kind, n, o, ceil_mode, bounds), (n, o)
        for s in result.solutions:
            if kind is SolveLayer.POOL:
                assert s.padding <= s.kernel_size // 2  # PyTorch's rule for pooling


def test_fixed_values_are_checked_not_searched() -> None:
    assert combos(solve("conv", 7, 3, 3, 2, 0, 1).solutions) == [(3, 2, 0, 1)]
    assert solve("conv", 7, 4, 3, 2, 0, 1).solutions == []
    # A fixed value is used even beyond the search bounds.
    assert combos(solve("conv", 100, 1, 100, 1, 0, 1).solutions) == [(100, 1, 0, 1)]
    # A fixed pooling padding over half the kernel is refused, as PyTorch refuses it.
    assert solve("pool", 8, 6, 2, 1, 2, 1).solutions == []


def test_pool_ceil_mode_solutions_say_so() -> None:
    result = solve("pool", 7, 4, 2, 2, 0, 1, ceil_mode=True)
    (solution,) = result.solutions
    assert solution.ceil_mode
    assert not solution.exact
    assert "⌈5 / 2⌉" in (solution.explanation[0].formula or "")


def test_explanations_in_french() -> None:
    (solution,) = solve("conv", 32, 32, 5, 1, None, 1, lang="fr").solutions
    assert solution.explanation[0].text.startswith("Taille de sortie selon N")
    dilated = solve("conv", 32, 32, 5, 1, None, 2, lang="fr").solutions[0]
    assert dilated.explanation[0].formula == "K_eff = D × (K - 1) + 1 = 2 × (5 - 1) + 1 = 9"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_size": 0}, StackError, "input_size must be"),
        ({"output_size": -1}, StackError, "output_size must be"),
        ({"padding": -1}, StackError, "padding must be"),
        ({"max_kernel": 10_000}, LimitError, "max_kernel = 10000 is over"),
        (
            {"max_kernel": 256, "max_stride": 256, "max_dilation": 64},
            LimitError,
            "combinations",
        ),
    ],
)
def test_bad_requests(kwargs: dict[str, int], error: type[Exception], match: str) -> None:
    args: dict[str, int] = {"input_size": 32, "output_size": 16, **kwargs}
    with pytest.raises(error, match=match):
        solve("conv", **args)  # type: ignore[arg-type]


def test_default_bounds_are_documented() -> None:
    result = solve("conv", 32, 16)
    assert result.bounds == DEFAULT_BOUNDS
    assert (result.layer, result.input_size, result.output_size) == ("conv", 32, 16)


def test_the_cli_prints_solutions() -> None:
    out = io.StringIO()
    assert run_solve(["--in", "32", "--out", "32", "-K", "5", "-S", "1", "-D", "1"], out) == 0
    text = out.getvalue()
    assert "conv: 32 -> 32, 1 solution(s)" in text
    assert "K=5  S=1  P=2  D=1  exact" in text
    assert "(32 - 5 + 2×2) / 1 + 1 = 32" in text


@pytest.mark.torch
def test_solutions_are_what_torch_computes() -> None:
    torch = require_torch()
    cases = [("conv", 224, 112, 3), ("conv", 32, 16, None), ("pool", 28, 14, None)]
    for layer, n, o, k in cases:
        for ceil_mode in (False, True) if layer == "pool" else (False,):
            result = solve(layer, n, o, k, ceil_mode=ceil_mode, max_solutions=1000)  # type: ignore[arg-type]
            assert result.solutions
            x = torch.zeros(1, 1, n)
            for s in result.solutions:
                if layer == "conv":
                    module = torch.nn.Conv1d(
                        1, 1, s.kernel_size, s.stride, s.padding, s.dilation, bias=False
                    )
                else:
                    module = torch.nn.MaxPool1d(
                        s.kernel_size, s.stride, s.padding, s.dilation, ceil_mode=ceil_mode
                    )
                with torch.no_grad():
                    assert module(x).shape[-1] == o, (layer, n, s)


def ordered_brute_force(
    kind: SolveLayer, n: int, o: int, ceil_mode: bool, bounds: dict[str, int]
) -> list[tuple[bool, int, int, int, int]]:
    """Every solution as ``(exact, K, S, P, D)``, exact first, then by D, S, K and P."""
    found = []
    for k, s, p, d in brute_force(kind, n, o, ceil_mode, bounds):
        out = torch_size(kind, n, k, s, p, d, ceil_mode)
        assert out is not None
        found.append((out[1], k, s, p, d))
    return sorted(found, key=lambda f: (not f[0], f[4], f[2], f[1], f[3]))


@pytest.mark.parametrize(
    ("kind", "ceil_mode"),
    [(SolveLayer.CONV, False), (SolveLayer.POOL, False), (SolveLayer.POOL, True)],
    ids=["conv", "pool", "pool-ceil"],
)
@pytest.mark.parametrize("max_solutions", [1, 3, 1000])
def test_the_simplest_are_kept_and_the_rest_counted(
    kind: SolveLayer, ceil_mode: bool, max_solutions: int
) -> None:
    bounds = {"max_kernel": 7, "max_stride": 5, "max_padding": 4, "max_dilation": 3}
    for n, o in itertools.product((1, 2, 5, 9, 16, 23), (1, 2, 3, 5, 8, 12)):
        result = solve(
            kind,
            n,
            o,
            ceil_mode=ceil_mode,
            max_kernel=7,
            max_stride=5,
            max_padding=4,
            max_dilation=3,
            max_solutions=max_solutions,
        )
        expected = ordered_brute_force(kind, n, o, ceil_mode, bounds)
        listed = [
            (s.exact, s.kernel_size, s.stride, s.padding, s.dilation) for s in result.solutions
        ]
        assert listed == expected[:max_solutions], (n, o)
        assert result.found == len(expected), (n, o)
        assert result.truncated == (len(expected) > max_solutions)


def test_only_the_listed_solutions_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, every one of the million solutions was checked, explained, kept and sorted.
    import app.core.solve as module

    calls = {"_size": 0, "_explain": 0}
    for name in calls:
        original = getattr(module, name)

        def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(module, name, counted)
    result = solve(
        "conv",
        1000,
        37,
        max_kernel=256,
        max_stride=64,
        max_padding=1024,
        max_dilation=12,
        max_solutions=5,
    )
    assert calls == {"_size": 5, "_explain": 5}
    assert result.truncated
    assert result.found > 10**6  # counted run by run, not listed
    first = result.solutions[0]
    # Exact means 1000 - K + 2P = 36 S; the smallest stride with K <= 256 is 21: K = 244.
    assert (first.kernel_size, first.stride, first.padding, first.dilation) == (244, 21, 0, 1)
    assert first.exact
    for s in result.solutions:
        out = torch_size(
            SolveLayer.CONV, 1000, s.kernel_size, s.stride, s.padding, s.dilation, False
        )
        assert out is not None
        assert out[0] == 37


def test_a_fixed_padding_is_checked_once_per_combination(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.core.solve as module

    calls = [0]
    original = module._size

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return original(*args)

    monkeypatch.setattr(module, "_size", counted)
    result = solve("conv", 64, 32, padding=1, max_kernel=10, max_stride=4, max_dilation=2)
    # 10 kernels × 4 strides × 2 dilations, less the 4 dilated kernels of 1, then the listed.
    assert calls[0] == 10 * 4 * 2 - 4 + len(result.solutions)
    assert combos(result.solutions)[0] == (4, 2, 1, 1)  # (64 - 4 + 2×1) / 2 + 1 = 32
