"""`import-benchmark FILE --json [--dry-run] [--db FILE]`: read a national benchmark file headless.

The JSON fields are a public interface (docs/benchmark-json.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from model.benchmark.benchmark_store import main_import_benchmark


def main(argv: Sequence[str]) -> int:
    """Parse, show and (unless --dry-run) store a national file; 0 when fine, 2 on a known problem."""
    return main_import_benchmark(argv)
