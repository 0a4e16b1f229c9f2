#!/usr/bin/env bash
# Install Batchscout into a virtual environment with the versions pinned in
# deploy/requirements.lock. The one install step that the container image (Dockerfile), the
# README's operator path and CI (.ci/run) share.
#
#   deploy/install.sh VENV [EXTRAS]
#
# VENV is created when missing; EXTRAS defaults to "postgres,chart" ("" installs neither: SQLite
# only, digests without the chart). Prints the installed version last.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:?usage: deploy/install.sh VENV [EXTRAS]}"
extras="${2-postgres,chart}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
spec="$root"
if [ -n "$extras" ]; then
  spec="$root[$extras]"
fi
# Not editable: the environment holds the code, so the source folder may go away (the image
# copies only the environment).
"$venv/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check \
  --constraint "$root/deploy/requirements.lock" "$spec"
"$venv/bin/batchscout" --version
