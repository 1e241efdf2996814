"""The size of the built onedir folder (issue 18), as `name: value` lines like bench/run.py.

    python bench/bundle_size.py [DIR] [--tarball FILE] [--limit-mb 250]

DIR defaults to dist/AuditLoop. Sizes are the files' own sizes (symlinks count as 0) in
MB of 10^6 bytes; `bundle.mib` is the same in MiB, as `du -sh` shows it. With --limit-mb
the exit code is 1 when the folder is larger (CI: scripts/dev.sh). scripts/build.sh runs
this after every build and keeps the output in bench/out/bundle_size.txt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
#: Figures printed, in order (tests/test_packaging.py checks the shape).
FORMAT = ("bundle.mb", "bundle.mib", "bundle.files", "bundle.qt_mb", "bundle.numpy_mb", "bundle.pandas_mb",
          "bundle.matplotlib_mb", "bundle.python_mb")
# Parts worth watching, by top-level entry of _internal/.
PARTS = {"bundle.qt_mb": ("PySide6", "shiboken6"), "bundle.numpy_mb": ("numpy", "numpy.libs"),
         "bundle.pandas_mb": ("pandas",), "bundle.matplotlib_mb": ("matplotlib", "kiwisolver", "contourpy"),
         "bundle.python_mb": ("libpython3", "python3", "base_library.zip")}


def _bytes(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def measure(folder: Path, tarball: Path | None = None) -> dict[str, float]:
    """The FORMAT figures for a onedir folder (and `bundle.tarball_mb` when given a tarball)."""
    files = [f for f in folder.rglob("*") if f.is_file() and not f.is_symlink()]
    total = sum(f.stat().st_size for f in files)
    figures = {"bundle.mb": total / MB, "bundle.mib": total / 2**20, "bundle.files": float(len(files))}
    entries = list((folder / "_internal").iterdir()) if (folder / "_internal").is_dir() else []
    for name, prefixes in PARTS.items():
        figures[name] = sum(_bytes(e) for e in entries if e.name.startswith(prefixes)) / MB
    if tarball is not None:
        figures["bundle.tarball_mb"] = tarball.stat().st_size / MB
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "dist" / "AuditLoop")
    parser.add_argument("--tarball", type=Path)
    parser.add_argument("--limit-mb", type=float, help="exit 1 when the folder is larger than this")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"no bundle at {args.folder}: run scripts/build.sh first", file=sys.stderr)
        return 2
    figures = measure(args.folder, args.tarball)
    for key, value in figures.items():
        print(f"{key}: {value:.3f}")
    if args.limit_mb is not None and figures["bundle.mb"] > args.limit_mb:
        print(f"bundle is {figures['bundle.mb']:.1f} MB, over the {args.limit_mb:g} MB limit (issue 18)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
