"""The command line: one module per subcommand, each a thin layer over model/.

`main.py` dispatches here; nothing in cli/ imports Qt, so every subcommand runs with no display.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# Subcommand name -> module in cli/ with a `main(argv) -> int` (imported only when used).
SUBCOMMANDS: dict[str, str] = {
    "analyse-sheet": "cli.analyse_sheet",
    "import-benchmark": "cli.import_benchmark",
    "scan-identifiers": "cli.scan_identifiers",
    "report": "cli.report",
    "reminders": "cli.reminders",
    "dashboard": "cli.dashboard",
    "demo": "cli.demo",
    "export-audit": "cli.export_audit",
    "import-audit": "cli.import_audit",
    "check-data": "cli.check_data",
    "import-cases": "cli.import_cases",
}


def entry_point(name: str) -> Callable[[list[str]], int]:
    """The `main` of subcommand `name`."""
    main: Callable[[list[str]], int] = importlib.import_module(SUBCOMMANDS[name]).main
    return main
