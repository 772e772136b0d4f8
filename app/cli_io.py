"""What every ``cnncalc`` command shares: reading a JSON argument, and saying why it failed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def read_json(path: str) -> Any:
    """JSON from a file, or standard input for ``-``."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return json.loads(text)


def problem_text(error: Exception) -> str:
    """One line for stderr: each invalid field with its location, or the error's message."""
    if isinstance(error, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_input=False)
        ]
        return "invalid request: " + "; ".join(parts)
    return str(error)
