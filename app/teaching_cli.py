"""The teaching commands of the CLI: ``cnncalc check`` and ``cnncalc solve``.

    cnncalc check STACK.json ANSWERS.json [--lang en|fr] [--json]
    cnncalc solve --in 32 --out 32 [-K 5] [-S 1] [-P 2] [-D 1] [--layer conv|pool] [--json]
    cnncalc export STACK.json [--format pytorch|course]

``STACK.json`` is the body of ``POST /v1/analyze`` or a preset's name (``resnet18``); an answer
names a layer by its index or its id. ``ANSWERS.json`` is a list of answers or
``{"answers": [...], "total_params": n}`` (``-`` reads standard input). ``--json`` prints the
body ``POST /v1/check`` or ``POST /v1/solve`` would answer. Exit codes: 0 done (whatever the
score), 1 invalid stack or answers (the problem on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from pydantic import TypeAdapter, ValidationError

from app.cli_io import body_lang, problem_text, read_json
from app.core import CnnCalcError
from app.core.analysis import ExplanationStep
from app.core.export import to_course, to_pytorch
from app.core.grading import CheckResult, FieldResult, grade
from app.core.messages import format_int, msg, render
from app.core.solve import DEFAULT_BOUNDS, SolveResult, solve


def _value(value: Any, lang: str = "en") -> str:
    """An answer as the CLI prints it; a count grouped in French (``1 225 500``).

    English keeps the plain digits it always printed.
    """
    if value is None:
        return "-"
    if isinstance(value, list):
        return " x ".join(str(v) for v in value)
    if lang == "fr" and isinstance(value, int) and not isinstance(value, bool):
        return format_int(value, lang)
    return str(value)


def _steps(steps: list[ExplanationStep], indent: str) -> list[str]:
    lines = []
    for step in steps:
        if step.formula:
            lines.append(f"{indent}{step.formula}")
        elif step.text:
            lines.append(f"{indent}{step.text}")
    return lines


def render_check(result: CheckResult, lang: str) -> str:
    """The marked answers as text: one line per field, the formula under a wrong one."""
    language = "fr" if lang == "fr" else "en"
    lines = []
    for r in result.results:
        lines.extend(_result_lines(r, language))
    score = result.score
    lines.append(render(msg("cli_score", correct=score.correct, total=score.total), language))
    return "\n".join(lines)


def _result_lines(r: FieldResult, lang: str) -> list[str]:
    marks = [render(msg(code), lang) for code in ("cli_right", "cli_wrong")]
    width = max(len(m) for m in marks) + 1  # the marks in one column: "ok ", "juste "
    where = "total" if r.layer is None else f"{r.layer}"
    if r.id is not None and r.id != where:  # a graph's layer: its index and its id
        where = f"{where} {r.id}"
    mark = (marks[0] if r.correct else marks[1]).ljust(width)
    head = f"{mark} {where:>5} {r.field:<16} {_value(r.given, lang)}"
    if not r.correct:
        expected = render(msg("cli_expected"), lang)
        head += f"  ({expected} {_value(r.expected, lang)})"
    lines = [head]
    if r.note:
        lines.append(f"          {r.note}")
    if not r.correct:
        lines.extend(_steps(r.explanation, "          "))
    return lines


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """Grade ANSWERS.json for STACK.json and print the marks."""
    from app.api.teaching import CheckRequest
    from app.cli import read_stack

    stack = read_stack(args.stack)
    answers = read_json(args.answers)
    if not isinstance(stack, dict):
        raise SystemExit(render(msg("cli_stack_object"), args.lang or "en"))
    body = {k: v for k, v in stack.items() if k not in ("verify", "explain")}
    if isinstance(answers, dict):
        body.update(answers)
    else:
        body["answers"] = answers
    if args.lang:
        body["lang"] = args.lang
    if getattr(args, "input_format", None):
        body["input_format"] = args.input_format
    try:
        req = CheckRequest.model_validate(body)
        result = grade(
            req.input_shape,
            req.layers,
            [a.model_dump(exclude_none=True) for a in req.answers],
            req.total_params,
            req.lang,
            strict=req.strict,
        )
    except (CnnCalcError, ValidationError) as error:
        sys.stderr.write(problem_text(error, body_lang(body)) + "\n")
        return 1
    if args.json:
        out.write(TypeAdapter(CheckResult).dump_json(result, indent=2).decode() + "\n")
    else:
        out.write(render_check(result, req.lang) + "\n")
    return 0


def render_solve(result: SolveResult, lang: str) -> str:
    """The solutions as text, each with its worked formula."""
    language = "fr" if lang == "fr" else "en"
    found = render(msg("cli_solutions"), language)
    lines = [
        f"{result.layer}: {result.input_size} -> {result.output_size}, {result.found} {found}"
        + (
            f" ({render(msg('cli_shown', count=len(result.solutions)), language)})"
            if result.truncated
            else ""
        )
    ]
    for s in result.solutions:
        rounding = render(msg("cli_exact" if s.exact else "cli_floored"), language)
        lines.append(
            f"  K={s.kernel_size}  S={s.stride}  P={s.padding}  D={s.dilation}  {rounding}"
        )
        lines.extend(_steps(s.explanation, "      "))
    if not result.solutions:
        lines.append("  " + render(msg("cli_no_solution"), language))
    return "\n".join(lines)


def cmd_solve(args: argparse.Namespace, out: TextIO) -> int:
    """List the K, S, P, D that take ``--in`` to ``--out``."""
    try:
        result = solve(
            args.layer,
            args.input_size,
            args.output_size,
            args.kernel_size,
            args.stride,
            args.padding,
            args.dilation,
            ceil_mode=args.ceil_mode,
            lang=args.lang,
            max_kernel=args.max_kernel,
            max_stride=args.max_stride,
            max_padding=args.max_padding,
            max_dilation=args.max_dilation,
            max_solutions=args.max_solutions,
        )
    except CnnCalcError as error:
        sys.stderr.write(problem_text(error, args.lang) + "\n")
        return 1
    if args.json:
        out.write(TypeAdapter(SolveResult).dump_json(result, indent=2).decode() + "\n")
    else:
        out.write(render_solve(result, args.lang) + "\n")
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """Print the stack as PyTorch code or as the course's table."""
    from app.api.schemas import AnalyzeRequest

    body = read_json(args.stack)
    if not isinstance(body, dict):
        raise SystemExit(render(msg("cli_stack_object"), getattr(args, "lang", None) or "en"))
    if getattr(args, "input_format", None):
        body["input_format"] = args.input_format
    try:
        req = AnalyzeRequest.model_validate(body)
        if args.format == "course":
            text = to_course(req.input_shape, req.layers)
        else:
            text = to_pytorch(req.input_shape, req.layers, batch_size=req.batch_size)
    except (CnnCalcError, ValidationError) as error:
        sys.stderr.write(problem_text(error, getattr(args, "lang", None)) + "\n")
        return 1
    out.write(text)
    return 0


def run_check(stack_path: str, answers_path: str, lang: str | None, out: TextIO) -> int:
    """``cnncalc check STACK.json ANSWERS.json``, as a function."""
    args = argparse.Namespace(stack=stack_path, answers=answers_path, lang=lang, json=False)
    return cmd_check(args, out)


def run_solve(argv: list[str], out: TextIO) -> int:
    """``cnncalc solve ...`` with its arguments, as a function."""
    parser = argparse.ArgumentParser(prog="cnncalc")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["solve", *argv])
    code: int = args.handler(args, out)
    return code


def add_commands(sub: Any) -> None:
    """Register ``check`` and ``solve`` on the CLI's subparsers."""
    p = sub.add_parser("check", help="grade a student's answers for a stack")
    p.add_argument("stack", help="the stack: a JSON file like POST /v1/analyze's body, or -")
    p.add_argument("answers", help='the answers: a JSON list, or {"answers": [...]}')
    p.add_argument("--lang", choices=("en", "fr"), default=None)
    p.add_argument("--json", action="store_true", help="print the API's response body")
    add_input_format(p)
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser(
        "solve",
        help="the K, S, P, D that take an input size to a target size",
        description="Values left out are searched; e.g. cnncalc solve --in 32 --out 32 -K 5",
    )
    p.add_argument("--layer", choices=("conv", "pool"), default="conv")
    p.add_argument("--in", dest="input_size", type=int, required=True, help="input size N")
    p.add_argument("--out", dest="output_size", type=int, required=True, help="target size")
    p.add_argument("-K", "--kernel-size", dest="kernel_size", type=int, default=None)
    p.add_argument("-S", "--stride", dest="stride", type=int, default=None)
    p.add_argument("-P", "--padding", dest="padding", type=int, default=None)
    p.add_argument("-D", "--dilation", dest="dilation", type=int, default=None)
    p.add_argument("--ceil-mode", action="store_true", help="pooling that rounds up")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.add_argument("--max-kernel", type=int, default=DEFAULT_BOUNDS.max_kernel)
    p.add_argument("--max-stride", type=int, default=DEFAULT_BOUNDS.max_stride)
    p.add_argument("--max-padding", type=int, default=DEFAULT_BOUNDS.max_padding)
    p.add_argument("--max-dilation", type=int, default=DEFAULT_BOUNDS.max_dilation)
    p.add_argument("--max-solutions", type=int, default=DEFAULT_BOUNDS.max_solutions)
    p.add_argument("--json", action="store_true", help="print the API's response body")
    p.set_defaults(handler=cmd_solve)

    p = sub.add_parser("export", help="the stack as PyTorch code or as the course's table")
    p.add_argument("stack", help="the stack: a JSON file like POST /v1/analyze's body, or -")
    p.add_argument("--format", choices=("pytorch", "course"), default="pytorch")
    add_input_format(p)
    p.set_defaults(handler=cmd_export)


__all__ = [
    "add_commands",
    "cmd_check",
    "cmd_export",
    "cmd_solve",
    "render_check",
    "render_solve",
    "run_check",
    "run_solve",
]


def add_input_format(p: argparse.ArgumentParser) -> None:
    """``--input-format``: how the stack's ``input_shape`` is written (``app.core.inputs``)."""
    from app.core.inputs import InputFormat

    p.add_argument(
        "--input-format",
        choices=[f.value for f in InputFormat],
        default=None,
        help="how input_shape is written: CHW (channels first, PyTorch's) or HWC (channels "
        "last, read as CHW); CL/LC and CDHW/DHWC for sequences and volumes",
    )
