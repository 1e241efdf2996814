"""AuditLoop: run an NHS trust's local clinical audit cycle, end to end, offline.

The command line lives here, in one place: the GUI by default, or a headless subcommand.

    python main.py [--demo] [--db FILE] [--data-dir DIR]
    python main.py --self-test
    python main.py analyse-sheet FILE.xlsx [--sheet NAME] --json
    python main.py import-benchmark FILE --json [--dry-run] [--db FILE]
    python main.py report AUDIT --format docx|pdf --out PATH [--cycle N] --db FILE
    python main.py reminders [--today YYYY-MM-DD] [--db FILE] [--json] [--ics FILE]
    python main.py dashboard [--year 2025/26] [--db FILE] [--json] [--xlsx FILE] [--quality-account FILE]
    python main.py demo FILE
    python main.py export-audit AUDIT --out FILE [--db FILE] [--from NAME --to NAME --done … --next …]
    python main.py import-audit FILE [--db FILE] [--dry-run] --json

Qt is imported only for the GUI, so subcommands run on machines with no display.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cli


class _VersionAction(argparse.Action):
    """--version, reading the number only when asked: importing `model` at start-up would load
    sqlite-utils before the window's first paint (bench: start-up ratio 1.3 → 2.0)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from model.core.version import __version__

        print(f"AuditLoop {__version__}")
        parser.exit()


def gui_parser() -> argparse.ArgumentParser:
    """Options of the GUI invocation."""
    parser = argparse.ArgumentParser(prog="AuditLoop", description="Local clinical audit, end to end.",
                                     epilog="Subcommands: " + ", ".join(cli.SUBCOMMANDS))
    parser.add_argument("--demo", action="store_true",
                        help="open a fresh demo in its own file (never your data file; marked DEMO)")
    parser.add_argument("--db", type=Path, help="data file to open (default: the per-user data folder)")
    parser.add_argument("--data-dir", type=Path, help="use this folder instead of the per-user data folder")
    parser.add_argument("--self-test", action="store_true", help="check the installation and exit")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    parser.add_argument("--quit-after", type=int, default=0, metavar="MS", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a subcommand, the self-test or the GUI."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in cli.SUBCOMMANDS:
        return cli.entry_point(argv[0])(argv[1:])
    parser = gui_parser()
    args = parser.parse_args(argv)
    if args.demo and args.db:
        parser.error("--demo opens its own file: leave out --db (the demo never goes into a data file)")
    if args.self_test:
        from model.selftest import run_self_test

        return run_self_test()
    from gui.app import run_gui

    return run_gui(data_dir=args.data_dir, db_path=args.db, demo=args.demo, quit_after_ms=args.quit_after)


if __name__ == "__main__":
    sys.exit(main())
