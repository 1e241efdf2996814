#!/usr/bin/env bash
# Build the onedir bundle in dist/AuditLoop with the project's virtual environment, run the
# frozen app's self-test, pack it as dist/AuditLoop-<version>-linux-<arch>.tar.gz and print
# its size (bench/bundle_size.py; kept in bench/out/bundle_size.txt).
# (Windows: .github/workflows/windows.yml, or .venv\Scripts\pyinstaller --noconfirm --clean build.spec)
#
#   bash scripts/build.sh                    build, self-test, tarball, size
#   LIMIT_MB=250 bash scripts/build.sh       ... and fail when the folder is over 250 MB (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export MPLBACKEND=QtAgg
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN build.spec
echo "Built $(pwd)/dist/AuditLoop"

# The self-test needs no display; it fails when the bundle left out something it uses.
QT_QPA_PLATFORM=offscreen dist/AuditLoop/AuditLoop --self-test

VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' model/core/version.py)
TARBALL="dist/AuditLoop-$VERSION-linux-$(uname -m).tar.gz"
tar -C dist --owner=0 --group=0 -czf "$TARBALL" AuditLoop
echo "Packed $(pwd)/$TARBALL"

mkdir -p bench/out
"$PY" bench/bundle_size.py dist/AuditLoop --tarball "$TARBALL" ${LIMIT_MB:+--limit-mb "$LIMIT_MB"} \
  | tee bench/out/bundle_size.txt

# The files the MSI (packaging/windows/AuditLoop.wxs) names, and what the bundle must leave out.
QT_QPA_PLATFORM=offscreen "$PY" -m pytest -q -p no:cacheprovider tests/test_packaging.py
