"""``python -m app``: the same as the ``cnncalc`` command."""

from app.cli import main

raise SystemExit(main())
