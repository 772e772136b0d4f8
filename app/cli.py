"""``cnncalc``: the command line.

    cnncalc analyze STACK.json|EXAMPLE [--format table|json|markdown] [--lang en|fr] [--verify]
                    [--input-format CHW|HWC|CL|LC|CDHW|DHWC]
    cnncalc examples [--lang en|fr]
    cnncalc layers
    cnncalc serve [--host 127.0.0.1] [--port 8000] [--workers 1]
    cnncalc check STACK.json ANSWERS.json [--lang en|fr] [--json]
    cnncalc solve --in 32 --out 32 [-K 5] [-S 1] [-P 2] [-D 1] [--layer conv|pool]
    cnncalc selfcheck [--samples 300] [--seed N] [--timings [EXAMPLE ...]]

``STACK.json`` is the body of ``POST /v1/analyze`` (``-`` reads standard input); ``EXAMPLE`` is
the name of a built-in example or preset (``cnncalc examples`` lists them), read when no file
has that name. The table gains an inputs column for a graph. Exit codes:
0 done, 1 invalid stack (the problem on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, TextIO

from pydantic import TypeAdapter, ValidationError

from app.cli_io import body_lang, problem_text, read_json
from app.core import DEFAULT_LIMITS, Analysis, CnnCalcError, LayerReport, catalogue
from app.core.explain import warning_in
from app.core.messages import Msg, format_bytes, format_int, format_number, msg, render
from app.teaching_cli import add_commands, add_input_format

HEADER_CODES = (
    "cli_col_layer",
    "cli_col_output",
    "cli_col_weight",
    "cli_col_params",
    "cli_col_rf",
    "cli_col_macs",
)
"""The course table's columns, as message codes (``cli_col_inputs`` is a graph's last)."""
TOTAL_CODES = ("cli_input", "cli_total_params", "cli_total_macs", "cli_memory")
"""The table's first row and the totals under it, as message codes."""


def headers(lang: str, graph: bool) -> tuple[str, ...]:
    """The table's column titles in ``lang``."""
    codes = (*HEADER_CODES, "cli_col_inputs") if graph else HEADER_CODES
    return tuple(render(msg(code), lang) for code in codes)


def times(shape: Sequence[int] | None) -> str:
    """``20 x 28 x 28``, as the course's table writes shapes."""
    return "" if shape is None else " x ".join(str(n) for n in shape)


def layer_label(report: LayerReport) -> str:
    """The table's first column: index, id unless it is the index, name if not the id, class.

    ``0 Conv2d`` for a chain; ``9 4.0.0 torch.add`` or ``5 enc1 ReLU`` in a graph.
    """
    label = str(report.index)
    if report.id != label:
        label += f" {report.id}"
    if report.name != report.id:
        label += f" ({report.name})"
    return f"{label} {report.torch_class}"


def is_graph(analysis: Analysis) -> bool:
    """Whether some layer reads anything but the layer before it (the input, for the first)."""
    previous = "input"
    for r in analysis.layers:
        if r.inputs != (previous,):
            return True
        previous = r.id
    return False


def rows(analysis: Analysis, lang: str, graph: bool = False) -> list[tuple[str, ...]]:
    """The course's table: layer, output size, weight size, params, receptive field, MACs.

    With ``graph``, a last column lists the ids each layer reads (``input``: the network's).
    """
    first = (render(msg("cli_input"), lang), times(analysis.input_shape), "", "", "", "")
    out: list[tuple[str, ...]] = [(*first, "") if graph else first]
    for r in analysis.layers:
        rf = r.receptive_field
        field = "global" if rf.global_ else " x ".join(format_number(s, lang) for s in rf.size)
        row = (
            layer_label(r),
            times(r.output_shape),
            times(r.weight_shape),
            format_int(r.params, lang),
            field,
            format_int(r.macs, lang),
        )
        out.append((*row, ", ".join(r.inputs)) if graph else row)
    return out


def table(analysis: Analysis, lang: str, markdown: bool) -> str:
    """The per-layer table and the totals, as plain text or Markdown."""
    graph = is_graph(analysis)
    header = headers(lang, graph)
    body = rows(analysis, lang, graph)
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
    else:
        widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
        lines = [line.rstrip() for line in lines]
    names = [render(msg(code), lang) for code in TOTAL_CODES]
    memory = " / ".join(
        format_bytes(n, lang, exact=True) for n in (analysis.param_bytes, analysis.activation_bytes)
    )
    lines += [
        "",
        say("cli_line", lang, label=names[1], value=format_int(analysis.total_params, lang)),
        say("cli_line", lang, label=names[2], value=format_int(analysis.total_macs, lang)),
        say("cli_line", lang, label=names[3], value=memory),
    ]
    lines += [f"! {warning_in(w, lang).message}" for w in analysis.warnings]
    return "\n".join(lines)


def say(code: str, lang: str, **params: object) -> str:
    """The message ``code`` in ``lang`` (``app.core.messages``)."""
    return render(Msg(code, params), lang)


def cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    """Analyse a stack file and print the table (or the API's JSON body)."""
    from app.api.schemas import ANALYZE_RESPONSE, AnalyzeRequest, AnalyzeResponse

    body = read_stack(args.stack)
    if not isinstance(body, dict):
        raise SystemExit(say("cli_stack_object", args.lang or "en"))
    if args.verify:
        body["verify"] = True
    if args.lang:
        body["lang"] = args.lang
    if args.input_format:
        body["input_format"] = args.input_format
    try:
        req = AnalyzeRequest.model_validate(body)
        specs = req.specs(DEFAULT_LIMITS)
        analysis = req.analyze(specs, DEFAULT_LIMITS)
    except (CnnCalcError, ValidationError) as error:
        print(problem_text(error, body_lang(body)), file=sys.stderr)
        return 1
    verification = None
    if req.verify:
        from app.verify import in_lang, torch_available, unavailable

        if torch_available():
            from app.verify.torch_backend import verify_stack

            verification = verify_stack(
                req.input_shape, specs, analysis, batch_size=req.batch_size, max_elements=2**50
            )
        else:
            verification = unavailable("torch_missing")
        verification = in_lang(verification, req.lang)
    if args.format == "json":
        response = AnalyzeResponse(
            **{f.name: getattr(analysis, f.name) for f in fields(Analysis)},
            verification=verification,
        )
        out.write(ANALYZE_RESPONSE.dump_json(response, by_alias=True, indent=2).decode() + "\n")
        return 0
    print(table(analysis, req.lang, args.format == "markdown"), file=out)
    if verification is not None:
        status = say("cli_pytorch", req.lang, status=Msg(f"verify_status_{verification.status}"))
        print(status + _verification_detail(verification, req.lang), file=out)
        if verification.status == "failed":
            return 1
    return 0


def read_stack(source: str) -> Any:
    """The JSON in the file ``source`` (``-``: standard input), or else the example so named.

    An example's body is its ``input_shape`` and ``layers``, without its titles.
    """
    from app.core.examples import ALL_EXAMPLES

    if source != "-" and source in ALL_EXAMPLES and not Path(source).exists():
        example = ALL_EXAMPLES[source]
        return {"input_shape": list(example["input_shape"]), "layers": example["layers"]}
    return read_json(source)


def cmd_examples(args: argparse.Namespace, out: TextIO) -> int:
    """List the built-in examples and presets: name and title."""
    from app.core.examples import ALL_EXAMPLES

    key = "title_fr" if args.lang == "fr" else "title"
    width = max(len(name) for name in ALL_EXAMPLES)
    for name, example in ALL_EXAMPLES.items():
        print(f"{name:<{width}}  {example[key]}", file=out)
    return 0


def _verification_detail(verification: Any, lang: str) -> str:
    if verification.reason:
        return f" ({verification.reason})"
    if verification.mismatches:
        return "".join(
            "\n  " + say("cli_mismatch", lang, **vars_of(m)) for m in verification.mismatches
        )
    return f" ({verification.engine})" if verification.engine else ""


def cmd_layers(args: argparse.Namespace, out: TextIO) -> int:
    """Print the catalogue of layer kinds."""
    if args.json:
        out.write(TypeAdapter(list[dict[str, Any]]).dump_json(catalogue(), indent=2).decode())
        out.write("\n")
        return 0
    for entry in catalogue():
        print(f"{', '.join(entry['types'])}  ({entry['torch_class']})", file=out)
        print(f"    {entry['summary']}", file=out)
        for f in entry["fields"]:
            default = "required" if f["required"] else f"default {f['default']!r}"
            aliases = f"  aliases {', '.join(f['aliases'])}" if f["aliases"] else ""
            print(f"    - {f['name']}: {default}{aliases}", file=out)
    return 0


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    """Run the service with uvicorn (``app.server``: several workers keep TCP_NODELAY)."""
    from app.server import serve

    serve(args.host, args.port, args.workers)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cnncalc",
        description="Exact CNN layer arithmetic: shapes, weights, parameters, receptive fields.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="analyse a stack (the JSON body of POST /v1/analyze)")
    p.add_argument(
        "stack", help="a JSON file, - for standard input, or an example's name (cnncalc examples)"
    )
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    p.add_argument("--lang", choices=("en", "fr"), default=None)
    p.add_argument("--verify", action="store_true", help="also run the stack in PyTorch")
    add_input_format(p)
    p.set_defaults(handler=cmd_analyze)

    p = sub.add_parser("examples", help="list the built-in examples and presets by name")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.set_defaults(handler=cmd_examples)

    p = sub.add_parser("layers", help="list the layer kinds, their fields and defaults")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_layers)

    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(handler=cmd_serve)
    add_commands(sub)

    from app import selfcheck

    p = sub.add_parser(
        "selfcheck",
        parents=[selfcheck.build_parser(add_help=False)],
        help="check the built-in examples and random stacks against PyTorch",
        description=selfcheck.DESCRIPTION,
    )
    p.set_defaults(handler=selfcheck.run_args)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args, sys.stdout)
    except BrokenPipeError:
        sys.stderr.close()  # piped into head: nothing more to say
        return 0
    except (OSError, json.JSONDecodeError) as error:
        lang = getattr(args, "lang", None) or "en"
        print(
            say("cli_line", lang, label="cnncalc", value=read_error(error, lang)), file=sys.stderr
        )
        return 2
    return code


def vars_of(mismatch: Any) -> dict[str, Any]:
    """A mismatch's fields by name (``layer``, ``field``, ``calculated``, ``torch``)."""
    return {f.name: getattr(mismatch, f.name) for f in fields(mismatch)}


def read_error(error: OSError | json.JSONDecodeError, lang: str) -> str:
    """Why a file could not be read, in ``lang``: the file missing, locked, or not JSON."""
    from app.api.json_body import JSON_ERRORS

    if isinstance(error, json.JSONDecodeError):
        what = JSON_ERRORS.get(error.msg)
        syntax = Msg(what) if what else msg("json_other", text=error.msg)
        return say("json_syntax", lang, error=syntax, line=error.lineno, column=error.colno)
    words = {
        errno.ENOENT: Msg("cli_no_file"),
        errno.EACCES: Msg("cli_no_access"),
        errno.EISDIR: Msg("cli_is_directory"),
    }
    reason: Msg | str = words.get(error.errno or 0, error.strerror or str(error))
    path = error.filename if error.filename is not None else "-"
    return say("cli_unreadable", lang, path=path, reason=reason)
