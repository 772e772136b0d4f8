"""Hostile requests for the cnncalc HTTP service, each with the answer it must get.

Shared by ``scripts/hostile.py`` (a live run with a table) and ``tests/api/test_hostile.py``.
A case is one HTTP request (method, path, headers, body bytes) and what it must get back: a
status in a set, within a time budget (2 s; 12 s for the torch check), a problem+json body
for any 4xx, optionally a response no larger than some bytes, and an extra check of the
answer. Whatever the request, the server must stay responsive: ``/healthz`` is probed while
the cases run (see ``scripts.hostile``).

The server the corpus runs against must allow exactly one CORS origin, ``ALLOWED_ORIGIN``
(``CNNCALC_CORS_ORIGINS``); ``scripts.hostile`` starts it so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

ANALYZE = "/v1/analyze"
CHECK = "/v1/check"
SOLVE = "/v1/solve"
EXPORT = "/v1/export/pytorch"
POST_PATHS: tuple[str, ...] = (ANALYZE, CHECK, SOLVE, EXPORT)
SHORT = {ANALYZE: "analyze", CHECK: "check", SOLVE: "solve", EXPORT: "export"}

ALLOWED_ORIGIN = "http://allowed.example"
REFUSED_ORIGIN = "http://evil.example"
JSON_HEADERS: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
FAST = 2.0
"""Seconds any request may take, on a 2-core shared machine."""
VERIFY = 12.0
"""Seconds a request with the torch check may take."""
SMALL_BODY = 8192
"""Bytes an error answer may have: it names the fault, it never echoes the request."""
MAX_BODY = 1 << 20
"""The service's default request-body limit (``Settings.max_body_bytes``)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server answered."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type, without parameters, in lower case."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


Check = Callable[[Reply], str | None]
"""An extra check of an answer: the reason it fails, or None."""


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile request and the outcome it must get.

    Attributes:
        id: a short unique name (the test's id).
        method: the HTTP method.
        path: the path on the server.
        body: the request body, bytes as sent.
        headers: request headers.
        expect: the statuses that are right.
        budget_s: seconds the answer may take.
        max_bytes: the largest response body allowed (None: any).
        check: an extra check of the answer.
        torch: the case runs the torch check (the tests mark it ``torch``).
        what: one line on the attack.
    """

    id: str
    method: str
    path: str
    expect: frozenset[int]
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = JSON_HEADERS
    budget_s: float = FAST
    max_bytes: int | None = None
    check: Check | None = None
    torch: bool = False
    what: str = ""


def judge(case: Case, reply: Reply, seconds: float) -> list[str]:
    """Every way ``reply``, received after ``seconds``, falls short of ``case``."""
    faults = []
    if reply.status not in case.expect:
        wanted = "/".join(str(s) for s in sorted(case.expect))
        faults.append(f"status {reply.status}, expected {wanted}: {reply.body[:160]!r}")
    if seconds > case.budget_s:
        faults.append(f"took {seconds:.2f} s, over {case.budget_s:g} s")
    problem = reply.content_type == "application/problem+json"
    if 400 <= reply.status < 500 and not problem:
        faults.append(f"a {reply.status} as {reply.content_type or 'no content type'}")
    if case.max_bytes is not None and len(reply.body) > case.max_bytes:
        faults.append(f"answer of {len(reply.body)} bytes, over {case.max_bytes}")
    answered = 200 <= reply.status < 300
    if case.check is not None and answered and (reason := case.check(reply)) is not None:
        faults.append(reason)
    return faults


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _post(id: str, path: str, body: bytes | Any, expect: set[int], **options: Any) -> Case:
    raw = body if isinstance(body, bytes) else _json(body)
    return Case(id=id, method="POST", path=path, body=raw, expect=frozenset(expect), **options)


def _stack_body(path: str, input_shape: list[int], layers: Any, **extra: Any) -> dict[str, Any]:
    """A body for ``path`` (analyze, check or export) with this stack."""
    body: dict[str, Any] = {"input_shape": input_shape, "layers": layers, **extra}
    if path == CHECK:
        body.setdefault("answers", [{"layer": 0, "params": 0}])
    return body


STACK_PATHS: tuple[str, ...] = (ANALYZE, CHECK, EXPORT)
"""The paths that take a layer stack."""


# --- extra checks ------------------------------------------------------------------------


def _verification_is(allowed: frozenset[str]) -> Check:
    def check(reply: Reply) -> str | None:
        body = reply.json()
        status = (body or {}).get("verification", {}) or {}
        got = status.get("status") if isinstance(status, dict) else None
        if got not in allowed:
            return f"verification.status {got!r}, expected one of {sorted(allowed)}"
        return None

    return check


def _params_not_marked_right(reply: Reply) -> str | None:
    body = reply.json() or {}
    marks = [r for r in body.get("results", []) if r.get("field") == "params"]
    if not marks:
        return "no result for the params answer"
    if any(r.get("correct") is not False for r in marks):
        return f"the params answer was marked right: {marks[0].get('given')!r}"
    return None


def _nothing_marked_right(reply: Reply) -> str | None:
    results = (reply.json() or {}).get("results", [])
    if not results:
        return "no results"
    right = [r.get("field") for r in results if r.get("correct") is not False]
    return f"marked right: {right}" if right else None


def _params_marked_right(reply: Reply) -> str | None:
    body = reply.json() or {}
    marks = [r for r in body.get("results", []) if r.get("field") == "params"]
    if len(marks) != 1 or marks[0].get("correct") is not True:
        return f"the right params answer was not marked right: {marks!r}"
    return None


def _score_is(correct: int, total: int) -> Check:
    def check(reply: Reply) -> str | None:
        score = (reply.json() or {}).get("score")
        if score != {"correct": correct, "total": total}:
            return f"score {score!r}, expected {correct}/{total}"
        return None

    return check


def _layer_count_is(count: int) -> Check:
    def check(reply: Reply) -> str | None:
        layers = (reply.json() or {}).get("layers")
        got = len(layers) if isinstance(layers, list) else None
        return None if got == count else f"{got} layers in the answer, expected {count}"

    return check


def _python_source(reply: Reply) -> str | None:
    if reply.content_type != "text/x-python":
        return f"export answered {reply.content_type!r}, not text/x-python"
    return None if b"model = " in reply.body else "the export does not bind `model`"


# --- the corpus, by family --------------------------------------------------------------


def _repeats() -> Iterator[Case]:
    """Repeat counts in the text notation (and a JSON block's ``repeat``): 422, fast."""
    texts = {
        "1e15-empty-sequential": "1000000000000000 x Sequential()",
        "1e6-relu": "1000000 x ReLU",
        "1e7-relu": "10000000 x ReLU",
        "1000-cubed-nested": "1000 x Sequential(1000 x Sequential(1000 x ReLU))",
        "1e9-squared-empty-nested": "1000000000 x Sequential(1000000000 x Sequential())",
        "2-pow-40-nested": "2 x Sequential(" * 40 + "ReLU" + ")" * 40,
        "5000-digit-count": "9" * 5000 + " x ReLU",
        "2049-relu": "2049 x ReLU",
        "1e15-relu-then-error": "1000000000000000 x ReLU, Conv(K=",
    }
    for name, text in texts.items():
        yield _post(
            f"repeat-{name}",
            ANALYZE,
            {"input_shape": [1], "layers": text},
            {422},
            max_bytes=SMALL_BODY,
            what=f"text notation {text[:48]!r}",
        )
    for path in (CHECK, EXPORT):
        yield _post(
            f"repeat-1e15-empty-sequential-{SHORT[path]}",
            path,
            _stack_body(path, [1], "1000000000000000 x Sequential()"),
            {422},
            max_bytes=SMALL_BODY,
            what="the 10^15 repeat through another path",
        )
    yield _post(
        "repeat-2048-relu-at-limit",
        ANALYZE,
        {"input_shape": [1], "layers": "2048 x ReLU"},
        {200},
        check=_layer_count_is(2048),
        what="exactly max_layers ReLUs: accepted",
    )
    relu = {"type": "relu"}
    blocks = {
        "json-repeat-1e15": [{"type": "sequential", "layers": [relu], "repeat": 10**15}],
        "json-repeat-2pow24-empty": [{"type": "sequential", "layers": [], "repeat": 2**24}],
        "json-repeat-1000-cubed": [
            {
                "type": "sequential",
                "repeat": 1000,
                "layers": [
                    {
                        "type": "sequential",
                        "repeat": 1000,
                        "layers": [{"type": "sequential", "repeat": 1000, "layers": [relu]}],
                    }
                ],
            }
        ],
    }
    for name, layers in blocks.items():
        yield _post(
            name,
            ANALYZE,
            {"input_shape": [1], "layers": layers},
            {422},
            max_bytes=SMALL_BODY,
            what="a JSON sequential block repeated beyond max_layers",
        )


def _big_but_valid() -> Iterator[Case]:
    """Large requests at the limits that must still be answered, fast."""
    conv = {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1}
    # The receptive field of n stacked 3×3 stride-1 convolutions is 2n + 1.
    answers = [{"layer": i, "receptive_field": 2 * i + 3} for i in range(2048)]
    yield _post(
        "check-2048-convs-2048-rf-answers",
        CHECK,
        {"input_shape": [1, 16, 16], "layers": [conv] * 2048, "answers": answers},
        {200},
        check=_score_is(2048, 2048),
        what="2,048 convolutions and 2,048 receptive-field answers (~184 KB)",
    )
    yield _post(
        "analyze-2048-convs-explain-fr",
        ANALYZE,
        {"input_shape": [1, 32, 32], "layers": [conv] * 2048, "explain": True, "lang": "fr"},
        {200},
        check=_layer_count_is(2048),
        what="2,048 3×3 convolutions with worked formulas in French",
    )
    yield _post(
        "export-2048-convs",
        EXPORT,
        {"input_shape": [1, 32, 32], "layers": [conv] * 2048},
        {200},
        check=_python_source,
        what="2,048 convolutions as PyTorch code",
    )
    yield _post(
        "analyze-2048-convs-text",
        ANALYZE,
        {"input_shape": [1, 32, 32], "layers": "\n".join(["Conv(Cout=1, K=3, P=1)"] * 2048)},
        {200},
        check=_layer_count_is(2048),
        what="2,048 convolutions written in the course's notation",
    )
    yield _post(
        "check-2049-answers",
        CHECK,
        {"input_shape": [1], "layers": "ReLU", "answers": [{"layer": 0, "params": 0}] * 2049},
        {422},
        max_bytes=SMALL_BODY,
        what="one answer more than the 2,048 allowed",
    )
    solve = {
        "layer": "conv",
        "input_size": 1000,
        "output_size": 37,
        "max_kernel": 256,
        "max_stride": 64,
        "max_padding": 1024,
        "max_dilation": 12,
        "max_solutions": 1000,
    }
    for n in (1000, 1):
        yield _post(
            f"solve-wide-search-{n}-solutions",
            SOLVE,
            {**solve, "max_solutions": n},
            {200, 422},
            max_bytes=None if n > 1 else 64 * 1024,
            what=f"solve over 256 × 64 × 12 unknowns, max_solutions {n}",
        )
    ceilings = {
        "layer": "conv",
        "input_size": 2**24,
        "output_size": 1,
        "max_kernel": 256,
        "max_stride": 256,
        "max_padding": 1024,
        "max_dilation": 64,
        "max_solutions": 1000,
    }
    yield _post(
        "solve-every-bound-at-ceiling",
        SOLVE,
        ceilings,
        {200, 422},
        what="every max_* at its ceiling and the largest input size",
    )
    yield _post(
        "solve-pool-ceil-at-ceiling",
        SOLVE,
        {**ceilings, "layer": "pool", "ceil_mode": True, "input_size": 100000, "output_size": 3},
        {200, 422},
        what="a ceil-mode pooling searched at the ceilings",
    )
    yield _post(
        "solve-over-ceiling",
        SOLVE,
        {**ceilings, "max_kernel": 257},
        {422},
        max_bytes=SMALL_BODY,
        what="a bound one over its ceiling",
    )


def _keywords() -> Iterator[Case]:
    """Long keyword lists: the duplicate-keyword check must not be quadratic."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"

    def name(i: int) -> str:
        out = ""
        while True:
            i, r = divmod(i, 36)
            out = digits[r] + out
            if i == 0:
                return "k" + out

    distinct = "Conv(" + ",".join(f"{name(i)}=1" for i in range(33_300)) + ")"
    same = "Conv(" + ",".join(["K=1"] * 33_300) + ")"
    for label, text in (("distinct", distinct), ("same", same)):
        yield _post(
            f"notation-33300-keywords-{label}",
            ANALYZE,
            {"input_shape": [1, 8, 8], "layers": text},
            {422},
            max_bytes=SMALL_BODY,
            what=f"Conv( with 33,300 {label} keywords ({len(text) // 1000} KB)",
        )
    positional = "Conv(" + ",".join(["1"] * 100_000) + ")"
    yield _post(
        "notation-100000-positional",
        ANALYZE,
        {"input_shape": [1, 8, 8], "layers": positional},
        {422},
        max_bytes=SMALL_BODY,
        what="Conv( with 100,000 positional arguments",
    )


def _duplicate_then_syntax() -> Iterator[Case]:
    """A duplicate key, then a syntax error, on every POST path: a 4xx problem, never 500."""
    bodies = {
        "dup-key-then-syntax-error": b'{"a":[{"k":1,"k":2}] x',
        "dup-key-unterminated-string": b'{"k":1,"k":2,"s":"\\',
        "dup-key-truncated": b'{"input_shape":[1],"input_shape":[2],"layers":[',
    }
    for name, raw in bodies.items():
        for path in POST_PATHS:
            yield _post(
                f"{name}-{SHORT[path]}",
                path,
                raw,
                {400, 422},
                max_bytes=SMALL_BODY,
                what=f"{raw[:40]!r}",
            )


def _nesting() -> Iterator[Case]:
    """Deep nesting in the notation and in the JSON itself."""
    texts = {
        "open-parens-after-keyword": "Conv(K=" + "(" * 1000,
        "1000-open-sequentials": "Sequential(" * 1000,
        "1000-balanced-sequentials": "Sequential(" * 1000 + "ReLU" + ")" * 1000,
        "200k-open-parens": "(" * 200_000,
        "200k-open-brackets-in-value": "Conv(K=" + "[" * 200_000,
        "200k-commas": "," * 200_000,
        "200k-newlines": "\n" * 200_000,
        "200k-unterminated-string": 'Conv(padding_mode="' + "x" * 200_000,
    }
    for name, text in texts.items():
        yield _post(
            f"notation-{name}",
            ANALYZE,
            {"input_shape": [1, 8, 8], "layers": text},
            {200, 422} if name in ("200k-commas", "200k-newlines") else {422},
            max_bytes=SMALL_BODY,
            what=f"{text[:32]!r}… ({len(text):,} characters)",
        )
    yield _post(
        "notation-20-balanced-sequentials",
        ANALYZE,
        {"input_shape": [1, 8, 8], "layers": "Sequential(" * 20 + "ReLU" + ")" * 20},
        {200},
        check=_layer_count_is(1),
        what="twenty nested containers around one ReLU: accepted",
    )
    yield _post(
        "notation-199kb-comment",
        ANALYZE,
        {"input_shape": [1], "layers": "ReLU # " + "x" * 199_000},
        {200},
        check=_layer_count_is(1),
        what="one layer and a 199 KB comment",
    )
    yield _post(
        "notation-900kb-comment",
        ANALYZE,
        {"input_shape": [1], "layers": "ReLU # " + "x" * 900_000},
        {200, 422},
        max_bytes=SMALL_BODY,
        what="one layer and a 900 KB comment (over a text limit, if the service has one)",
    )
    # PyTorch's printout of nested containers: each child labelled, one per line.
    for depth, expect in ((1000, {422}), (20, {200})):
        text = (
            "Sequential(\n" + "(0): Sequential(\n" * (depth - 1) + "(0): ReLU()\n" + ")\n" * depth
        )
        yield _post(
            f"printout-{depth}-nested-sequentials",
            ANALYZE,
            {"input_shape": [1, 8, 8], "layers": text},
            expect,
            max_bytes=SMALL_BODY,
            check=_layer_count_is(1),
            what=f"PyTorch's printout of {depth} nested Sequential containers",
        )
    # Brackets inside JSON strings are no nesting: a comment in the notation may hold them.
    for label, text in (
        ("brackets", "ReLU # " + "[{" * 500),
        ("escaped-quote-brackets", 'ReLU # \\" ' + "[{" * 500),
    ):
        yield _post(
            f"json-{label}-in-string",
            ANALYZE,
            {"input_shape": [1], "layers": text},
            {200},
            check=_layer_count_is(1),
            what="a thousand brackets inside a JSON string (a notation comment)",
        )
    deep_array = b"[" * 40 + b"1" + b"]" * 40
    for path in POST_PATHS:
        yield _post(
            f"json-40-deep-arrays-{SHORT[path]}",
            path,
            b'{"input_shape":' + deep_array + b',"layers":"ReLU"}',
            {422},
            max_bytes=SMALL_BODY,
            what="arrays nested 40 deep (max_json_depth is 32)",
        )
    yield _post(
        "json-100k-open-arrays",
        ANALYZE,
        b'{"input_shape":' + b"[" * 100_000,
        {422},
        max_bytes=SMALL_BODY,
        what="100,000 unclosed arrays",
    )
    yield _post(
        "json-50k-nested-objects",
        CHECK,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        {422},
        max_bytes=SMALL_BODY,
        what="50,000 nested objects, closed",
    )


def _verify_cases(torch: bool) -> Iterator[Case]:
    """The torch check on shapes that are huge or slow: bounded, answered in time."""
    allowed = frozenset({"unavailable", "passed"} if torch else {"unavailable"})
    pool32 = [{"type": "maxpool2d", "kernel_size": 32}]
    stacks = {
        "verify-32768-squared-maxpool32": ([1, 32768, 32768], pool32),
        "verify-1048576-squared-maxpool32": ([1, 1048576, 1048576], pool32),
        "verify-1535-squared-maxpool512-stride1": (
            [1, 1535, 1535],
            [{"type": "maxpool2d", "kernel_size": 512, "stride": 1}],
        ),
        "verify-2048-1x1-convs": (
            [1, 4, 4],
            [{"type": "conv2d", "out_channels": 1, "kernel_size": 1}] * 2048,
        ),
        "verify-2048-3x3-convs-explain-fr": (
            [1, 32, 32],
            [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1}] * 2048,
        ),
    }
    stacks["verify-batch-2pow20-vgg-block"] = (
        [3, 224, 224],
        [{"type": "conv2d", "out_channels": 64, "kernel_size": 3, "padding": 1}] * 2,
    )
    for name, (shape, layers) in stacks.items():
        extra: dict[str, Any] = {"verify": True}
        if "batch" in name:
            extra["batch_size"] = 2**20
        if "explain" in name:
            extra |= {"explain": True, "lang": "fr"}
        yield _post(
            name,
            ANALYZE,
            {"input_shape": shape, "layers": layers, **extra},
            {200, 422},
            budget_s=VERIFY,
            check=_verification_is(allowed),
            torch=True,
            what=f"verify on {'×'.join(map(str, shape))}, {len(layers)} layer(s)",
        )


def _broken_bodies() -> Iterator[Case]:
    """Bodies that are not JSON, not UTF-8, or hold numbers no field can take."""
    huge = "9" * 5000
    for path in POST_PATHS:
        short = SHORT[path]
        yield _post(
            f"text-plain-{short}",
            path,
            b'{"input_shape":[1],"layers":"ReLU"}',
            {415},
            headers=(("content-type", "text/plain"),),
            max_bytes=SMALL_BODY,
            what="a JSON body sent as text/plain",
        )
        yield _post(
            f"no-content-type-{short}",
            path,
            b'{"input_shape":[1],"layers":"ReLU"}',
            {415},
            headers=(),
            max_bytes=SMALL_BODY,
            what="a body without a content type",
        )
        yield _post(
            f"empty-json-body-{short}",
            path,
            b"",
            {422},
            max_bytes=SMALL_BODY,
            what="application/json with no body",
        )
        if path == SOLVE:
            bad_utf8 = b'{"layer":"conv\xff\xfe","input_size":8,"output_size":4}'
            long_int = f'{{"layer":"conv","input_size":{huge},"output_size":4}}'.encode()
            literals = {
                lit: f'{{"layer":"conv","input_size":{lit},"output_size":4}}'.encode()
                for lit in ("NaN", "Infinity", "-Infinity", "1e400")
            }
        else:
            bad_utf8 = _json(_stack_body(path, [1], "ReLU")).replace(b"ReLU", b"ReLU\xff\xfe")
            long_int = _json(_stack_body(path, [1], "ReLU")).replace(b"[1]", f"[{huge}]".encode())
            literals = {
                lit: _json(_stack_body(path, [1], "ReLU")).replace(b"[1]", f"[{lit}]".encode())
                for lit in ("NaN", "Infinity", "-Infinity", "1e400")
            }
        yield _post(
            f"invalid-utf8-{short}",
            path,
            bad_utf8,
            {422},
            max_bytes=SMALL_BODY,
            what="bytes 0xff 0xfe inside a JSON string",
        )
        yield _post(
            f"5000-digit-int-{short}",
            path,
            long_int,
            {422},
            max_bytes=SMALL_BODY,
            what="a 5,000-digit integer where a size goes",
        )
        for lit, raw in literals.items():
            yield _post(
                f"literal-{lit.lstrip('-').lower()}{'-neg' if lit[0] == '-' else ''}-{short}",
                path,
                raw,
                {422},
                max_bytes=SMALL_BODY,
                what=f"{lit} where a size goes",
            )


def _echo_bait() -> Iterator[Case]:
    """Faults carrying a lot of text: the answer names them in a few words, never whole."""
    mega = 1_000_000
    for path in POST_PATHS:
        if path == SOLVE:
            body: dict[str, Any] = {"layer": "conv", "input_size": 8, "output_size": 4}
        else:
            body = _stack_body(path, [1], "ReLU")
        yield _post(
            f"1mb-unknown-key-{SHORT[path]}",
            path,
            {**body, "x" * mega: 1},
            {422},
            max_bytes=SMALL_BODY,
            what="an unknown key of a million characters",
        )
        yield _post(
            f"1mb-lang-{SHORT[path]}",
            path,
            {**body, "lang": "x" * mega},
            {422},
            max_bytes=SMALL_BODY,
            what="a million-character lang",
        )
    yield _post(
        "1mb-layer-type",
        ANALYZE,
        {"input_shape": [1], "layers": [{"type": "x" * mega}]},
        {422},
        max_bytes=SMALL_BODY,
        what="a million-character layer type",
    )
    yield _post(
        "1mb-notation-name",
        ANALYZE,
        {"input_shape": [1], "layers": "A" * mega},
        {422},
        max_bytes=SMALL_BODY,
        what="a million-character layer name in the notation",
    )
    yield _post(
        "1mb-check-text-answer",
        CHECK,
        {"input_shape": [1], "layers": "ReLU", "answers": [{"layer": 0, "params": "7" * mega}]},
        {422},
        max_bytes=SMALL_BODY,
        what="a million-digit text answer",
    )
    yield _post(
        "layernorm-300k-normalized-shape",
        ANALYZE,
        {"input_shape": [4], "layers": [{"type": "layernorm", "normalized_shape": [1] * 300_000}]},
        {422},
        max_bytes=SMALL_BODY,
        what="a 300,000-element normalized_shape",
    )
    yield _post(
        "input-shape-300k-axes",
        ANALYZE,
        {"input_shape": [1] * 300_000, "layers": "ReLU"},
        {422},
        max_bytes=SMALL_BODY,
        what="an input shape of 300,000 axes",
    )
    yield _post(
        "over-body-limit",
        ANALYZE,
        {"input_shape": [1], "layers": "ReLU # " + "x" * MAX_BODY},
        {413},
        max_bytes=SMALL_BODY,
        what="a body just over the 1 MiB limit",
    )
    for kind in ("application/json", "text/plain"):
        yield Case(
            id=f"unknown-path-1mb-{kind.split('/')[1]}",
            method="POST",
            path="/v1/nothing",
            body=b"x" * mega,
            headers=(("content-type", kind),),
            expect=frozenset({404}),
            max_bytes=SMALL_BODY,
            what=f"a megabyte of non-JSON as {kind} to a path that does not exist",
        )


def _limits() -> Iterator[Case]:
    """Sizes that multiply: just under a limit is answered, over it is a 422."""
    yield _post(
        "elements-just-under-limit",
        ANALYZE,
        {
            "input_shape": [1, 4096, 4096],
            "layers": [{"type": "conv2d", "out_channels": 2**24, "kernel_size": 1}],
        },
        {200},
        what="a 2^24-channel output on 4096×4096: 2^48 elements, under max_elements",
    )
    yield _post(
        "elements-over-limit-by-batch",
        ANALYZE,
        {
            "input_shape": [1, 4096, 4096],
            "batch_size": 2**20,
            "layers": [{"type": "conv2d", "out_channels": 2**24, "kernel_size": 1}],
        },
        {422},
        max_bytes=SMALL_BODY,
        what="the same with batch 2^20: 2^68 elements",
    )
    yield _post(
        "doubling-2048-transposed-convs",
        ANALYZE,
        {
            "input_shape": [1, 1, 1],
            "layers": [
                {"type": "convtranspose2d", "out_channels": 1, "kernel_size": 2, "stride": 2}
            ]
            * 2048,
        },
        {422},
        max_bytes=SMALL_BODY,
        what="2,048 layers each doubling the size: over max_dim by layer 25",
    )
    yield _post(
        "batch-size-1e30",
        ANALYZE,
        {"input_shape": [1], "layers": "ReLU", "batch_size": 10**30},
        {422},
        max_bytes=SMALL_BODY,
        what="batch_size 10^30",
    )
    yield _post(
        "kernel-size-2pow63",
        ANALYZE,
        {"input_shape": [1, 8, 8], "layers": [{"type": "conv2d", "kernel_size": 2**63}]},
        {422},
        max_bytes=SMALL_BODY,
        what="kernel_size 2^63",
    )


def _homoglyphs() -> Iterator[Case]:
    """Look-alike characters are not the layer they imitate."""
    json_types = {
        "cyrillic-es-conv2d": "\u0441onv2d",  # Cyrillic es for the Latin c
        "fullwidth-conv2d": "\uff43\uff4f\uff4e\uff56\uff12\uff44",
        "dotless-i-linear": "l\u0131near",
        "zero-width-relu": "re\u200blu",
        # The Kelvin sign lowers to an ASCII k: matching after str.lower() would take it.
        "kelvin-sign-leakyrelu": "lea\u212ayrelu",
        "kelvin-sign-leakyrelu-mixed-case": "Lea\u212ayReLU",
    }
    for name, tag in json_types.items():
        layer: dict[str, Any] = {"type": tag}
        if "conv" in name:
            layer |= {"out_channels": 1, "kernel_size": 1}
        if "linear" in name:
            layer |= {"out_features": 1}
        yield _post(
            f"homoglyph-json-{name}",
            ANALYZE,
            {"input_shape": [1, 8, 8], "layers": [layer]},
            {422},
            max_bytes=SMALL_BODY,
            what=f"layer type {tag!r}",
        )
    texts = {
        "cyrillic-conv": "\u0421onv(Cout=1, K=1)",
        "fullwidth-relu": "\uff32\uff45\uff2c\uff35",
        "kelvin-sign-keyword": "Conv(Cout=1, \u212a=1)",
        "kelvin-sign-leakyrelu": "Lea\u212ayReLU",
        "arabic-indic-digit-argument": "Conv(Cout=\u0667\u0666\u0660, K=1)",
    }
    for name, text in texts.items():
        yield _post(
            f"homoglyph-text-{name}",
            ANALYZE,
            {"input_shape": [1, 8, 8], "layers": text},
            {422},
            max_bytes=SMALL_BODY,
            what=f"notation {text!r}",
        )


def _grading() -> Iterator[Case]:
    """The course's 3×32×32 convolution (10 filters 5×5, P=2: 760 parameters)."""
    stack = [{"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2}]

    def body(params: Any) -> dict[str, Any]:
        return {
            "input_shape": [3, 32, 32],
            "layers": stack,
            "answers": [{"layer": 0, "params": params}],
        }

    yield _post(
        "grade-params-760-right",
        CHECK,
        body(760),
        {200},
        check=_params_marked_right,
        what="the right answer, 760: marked right",
    )
    wrong = {
        "arabic-indic-digits": "\u0667\u0666\u0660",
        "fullwidth-digits": "\uff17\uff16\uff10",
        "superscript-digits": "\u2077\u2076\u2070",
        "devanagari-digits": "\u096d\u096c\u0966",
        "760-plus-a-bit": 760.000001,
    }
    for name, given in wrong.items():
        yield _post(
            f"grade-params-{name}",
            CHECK,
            body(given),
            {200, 422},
            check=_params_not_marked_right,
            max_bytes=SMALL_BODY,
            what=f"params {given!r}: never marked right",
        )

    arabic = {
        "input_shape": [3, 32, 32],
        "layers": stack,
        "answers": [
            {"layer": 0, "output_shape": "\u0661\u0660x32x32", "receptive_field": "\u0665"},
            {"layer": 0, "weight_shape": "\u0661\u0660x3x5x5", "bias_shape": "\u0661\u0660"},
        ],
        "total_params": "\u0667\u0666\u0660",
    }
    yield _post(
        "grade-every-field-arabic-indic-digits",
        CHECK,
        arabic,
        {200, 422},
        check=_nothing_marked_right,
        max_bytes=SMALL_BODY,
        what="every answer of the course's convolution in Arabic-Indic digits",
    )


def _protocol(allowed_origin: str) -> Iterator[Case]:
    """HEAD, preflight, wrong methods."""
    for path in ("/", "/healthz"):
        yield Case(
            id=f"head-{path.strip('/') or 'root'}",
            method="HEAD",
            path=path,
            expect=frozenset({200}),
            headers=(),
            what=f"HEAD {path}",
        )
    preflight = (("access-control-request-method", "POST"),)
    yield Case(
        id="cors-preflight-refused-origin",
        method="OPTIONS",
        path=ANALYZE,
        expect=frozenset({400, 403}),
        headers=(("origin", REFUSED_ORIGIN), *preflight),
        max_bytes=SMALL_BODY,
        what="a preflight from an origin not allowed",
    )
    yield Case(
        id="cors-preflight-refused-method",
        method="OPTIONS",
        path=ANALYZE,
        expect=frozenset({400, 403}),
        headers=(("origin", allowed_origin), ("access-control-request-method", "DELETE")),
        max_bytes=SMALL_BODY,
        what="a preflight asking for DELETE",
    )
    yield Case(
        id="cors-preflight-allowed",
        method="OPTIONS",
        path=ANALYZE,
        expect=frozenset({200, 204}),
        headers=(("origin", allowed_origin), *preflight),
        what="a preflight from the allowed origin",
    )
    yield Case(
        id="get-on-post-path",
        method="GET",
        path=ANALYZE,
        expect=frozenset({405}),
        headers=(),
        max_bytes=SMALL_BODY,
        what="GET /v1/analyze",
    )
    yield _post(
        "gzip-encoded-body",
        ANALYZE,
        # A gzip stream of a million zeros is 1 KB; the service does not inflate bodies.
        bytes.fromhex("1f8b0800000000000003") + b"\x00" * 64,
        {415, 422},
        headers=(("content-type", "application/json"), ("content-encoding", "gzip")),
        max_bytes=SMALL_BODY,
        what="a gzip-encoded body",
    )


def corpus(torch: bool, allowed_origin: str = ALLOWED_ORIGIN) -> list[Case]:
    """Every case, in a fixed order.

    Args:
        torch: whether the server has torch (the torch check then may pass).
        allowed_origin: the one origin the server's CORS allows.
    """
    cases = [
        *_repeats(),
        *_big_but_valid(),
        *_keywords(),
        *_duplicate_then_syntax(),
        *_nesting(),
        *_verify_cases(torch),
        *_broken_bodies(),
        *_echo_bait(),
        *_limits(),
        *_homoglyphs(),
        *_grading(),
        *_protocol(allowed_origin),
    ]
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError("two cases share an id")
    for case in cases:
        if case.method == "POST" and case.body and len(case.body) > MAX_BODY + (1 << 16):
            raise ValueError(f"{case.id}: a body far over the limit tests nothing more")
    return cases
