"""What every ``cnncalc`` command shares: reading a JSON argument, and saying why it failed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.core.errors import CnnCalcError
from app.core.messages import msg, render, schema_message


def read_json(path: str) -> Any:
    """JSON from a file, or standard input for ``-``."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return json.loads(text)


def body_lang(body: Any) -> str | None:
    """The ``lang`` a request body asks for, when it is a string (``--lang`` is put there)."""
    lang = body.get("lang") if isinstance(body, dict) else None
    return lang if isinstance(lang, str) else None


def problem_text(error: Exception, lang: str | None = "en") -> str:
    """One line for stderr, in ``lang``: each invalid field with its place, or the message."""
    language = lang or "en"
    if isinstance(error, ValidationError):
        parts = [
            render(
                msg(
                    "at_place",
                    where=".".join(str(p) for p in e["loc"]),
                    message=schema_message(e, language),
                ),
                language,
            )
            for e in error.errors(include_input=False)
        ]
        return render(msg("cli_invalid_request", errors="; ".join(parts)), language)
    if isinstance(error, CnnCalcError):
        return error.text(language)
    return str(error)
