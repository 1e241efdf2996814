#!/usr/bin/env bash
# Build the onedir bundle in dist/AuditLoop with the project's virtual environment.
# (On Windows: .venv\Scripts\pyinstaller --noconfirm --clean build.spec)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export MPLBACKEND=QtAgg
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN build.spec
echo "Built $(pwd)/dist/AuditLoop"
