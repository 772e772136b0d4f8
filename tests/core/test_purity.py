"""The core is a library: importing it loads neither FastAPI, Starlette nor torch."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_no_framework_or_torch() -> None:
    code = (
        "import sys; import app.core; from app.core import analyze; "
        "analyze([1, 8, 8], [{'type': 'conv', 'C_out': 2, 'K': 3}]); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette', 'torch')]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
