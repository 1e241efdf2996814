#!/usr/bin/env bash
# One entry point for a fresh machine: sets everything up, then runs the app or the tests.
#
#   bash scripts/dev.sh app [ARGS...]   set up, then start AuditLoop (demo data offered on first launch)
#   bash scripts/dev.sh test            set up, then run lint, the type check and the whole test suite (+ the
#                                       frozen build, its self-test, tarball and 250 MB limit when CI=true or BUILD=1)
#
# Set-up is idempotent and quick when nothing changed: Debian libraries Qt needs (only
# when run as root and they are missing), a Python 3.11 virtual environment in .venv,
# and the pinned requirements (reinstalled only when requirements*.txt change).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"

QT_DEBS=(libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0 libx11-6 libdbus-1-3
         fonts-dejavu-core xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0
         libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
         libxcb-xfixes0 libxcb-shm0 libxcb-sync1 libxcb-render0 libxcb1)

install_debs() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  for pkg in "${QT_DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages Qt needs: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Note: these Debian packages may be needed for Qt: ${missing[*]} (run as root to install them)." >&2
  fi
}

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "AuditLoop needs Python 3.11 (python3.11 was not found)." >&2
  return 1
}

setup_venv() {
  local py stamp want
  py=$(find_python)
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
  stamp="$VENV/.requirements.sha256"
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "ignored" || true
    "$VENV/bin/python" -m pip install -q -r requirements-dev.txt 2>&1 | grep -v "ignored" || true
    "$VENV/bin/python" -m pip check >/dev/null
    echo "$want" > "$stamp"
  fi
}

run_tests() {
  export QT_QPA_PLATFORM=offscreen MPLBACKEND=Agg
  "$VENV/bin/ruff" check .
  "$VENV/bin/python" -m mypy  # strict on model/ and cli/ ([tool.mypy] in pyproject.toml)
  "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
  if [ "${CI:-}" = "true" ] || [ "${BUILD:-}" = "1" ]; then
    # Builds, runs the frozen self-test, packs the tarball; fails over 250 MB (issue 18).
    LIMIT_MB=250 bash scripts/build.sh
  fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  app)  install_debs; setup_venv; exec "$VENV/bin/python" main.py "$@" ;;
  test) install_debs; setup_venv; run_tests "$@" ;;
  *)    echo "usage: bash scripts/dev.sh app|test" >&2; exit 2 ;;
esac
