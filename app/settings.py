"""Service settings, read from ``CNNCALC_*`` environment variables; no import-time singleton."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from app.core.analysis import Limits

PREFIX = "CNNCALC_"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every limit and switch of the service (the README tables them).

    Attributes:
        limits: the core's bounds on one analysis (``app.core.Limits``: ``max_layers``,
            ``max_rank``, ``max_dim``, ``max_value``, ``max_batch``, ``max_elements``), read
            from ``CNNCALC_MAX_LAYERS`` and so on like the fields below.
        max_body_bytes: request body; over it, 413 before the rest is read.
        max_json_depth: nesting of the request's JSON.
        max_verify_elements: the largest tensor, input or output (whole batch), the torch
            check runs on; it runs on the meta device, so this bounds the bookkeeping, not
            memory (refused before the check starts).
        max_verify_work: element-operations (``app.verify.budget``) allowed to each of the
            torch check's two CPU parts, the CPU rerun and the receptive-field measurement,
            counted before they start; above it that part is skipped and the answer says so.
        verify_timeout_s: how long a request waits for the torch check, from asking for a
            slot to its answer; past it the check's worker process is killed.
        max_concurrent_verify: torch checks running at once, each in its own worker process
            (``app.verify.pool``); more wait their turn, within ``verify_timeout_s``.
        verify_warm_workers: torch check workers started, in the background, when the service
            starts (torch imported before the first check asks; at most
            ``max_concurrent_verify``); 0: every worker starts on a check's demand.
        verify_memory_mb: address space of each torch check worker (``RLIMIT_AS``), so that
            a runaway allocation fails inside it; 0: no limit.
        work_timeout_s: how long a request waits for its validation, analysis, grading,
            solving or export (run off the event loop); past it, a 503 with ``Retry-After``.
        max_concurrent_work: threads doing that work at once; more wait, within the deadline.
        inline_work_us: work estimated at no more than this many microseconds (an analysis
            of a dozen layers without explanations) runs on the event loop, without the hop
            to a thread (``app.api.work``); 0: everything goes to the threads.
        cors_origins: origins allowed by CORS (``*``: any, credentials never allowed).
        access_log: one JSON line per request on stderr.
        header_timeout_s: how long a new connection may take to send its first request's
            head (``app.server``); past it, the connection is closed.
    """

    limits: Limits = field(default_factory=Limits)
    max_body_bytes: int = 1 << 20
    max_json_depth: int = 32
    max_verify_elements: int = 2**50
    max_verify_work: int = 2**27
    verify_timeout_s: float = 30.0
    max_concurrent_verify: int = 2
    verify_memory_mb: int = 4096
    verify_warm_workers: int = 1
    work_timeout_s: float = 5.0
    max_concurrent_work: int = 4
    inline_work_us: float = 300.0
    cors_origins: tuple[str, ...] = ("*",)
    access_log: bool = True
    header_timeout_s: float = 10.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``CNNCALC_<FIELD>`` variables (``CNNCALC_MAX_LAYERS=100``).

        The fields of ``limits`` are read by their own names, as the other fields are.

        Raises:
            ValueError: a variable does not parse as its field's type.
        """
        env = os.environ if environ is None else environ
        defaults = cls()
        values = _read(env, defaults)
        values["limits"] = replace(defaults.limits, **_read(env, defaults.limits))
        return cls(**values)


def _read(env: Mapping[str, str], defaults: Settings | Limits) -> dict[str, Any]:
    """The fields of the dataclass ``defaults`` that ``env`` sets, parsed as their defaults."""
    values: dict[str, Any] = {}
    for f in fields(defaults):
        raw = env.get(PREFIX + f.name.upper())
        default = getattr(defaults, f.name)
        if raw is None or isinstance(default, Limits):
            continue
        if isinstance(default, bool):
            values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            values[f.name] = int(raw)
        elif isinstance(default, float):
            values[f.name] = float(raw)
        else:
            values[f.name] = tuple(o.strip() for o in raw.split(",") if o.strip())
    return values
