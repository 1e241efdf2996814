"""`demo FILE`: write a fresh demo data file to FILE (replacing one already there) and exit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from model.core.errors import KnownError


def main(argv: Sequence[str]) -> int:
    """Entry point for ``demo``: 0 when written, 2 on a known problem."""
    parser = argparse.ArgumentParser(prog="main.py demo", description="Write a fresh demo database.")
    parser.add_argument("file", type=Path, help="the data file to create")
    try:
        opts = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from model.demo import build_demo

    try:
        build_demo(opts.file).close()
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Wrote the demo data file {opts.file}.")
    return 0
