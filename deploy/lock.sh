#!/usr/bin/env bash
# Regenerate deploy/requirements.lock: every package Batchscout runs with (the postgres and
# chart extras included), pinned, for Python 3.11 on any platform. uv resolves; the file is a
# pip constraints file, so installing only some extras installs only what they need.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet uv
{
  echo "# Pinned versions for deploying Batchscout: deploy/install.sh, the Dockerfile and the"
  echo "# README's operator path install from it (as pip constraints). Regenerate: deploy/lock.sh"
  echo "# (uv pip compile pyproject.toml --extra postgres --extra chart --universal"
  echo "#  --python-version 3.11). tests/test_deploy.py checks it satisfies pyproject.toml."
  "$tools/venv/bin/uv" pip compile "$root/pyproject.toml" --extra postgres --extra chart \
    --universal --python-version 3.11 --no-header --quiet
} > "$root/deploy/requirements.lock.new"
mv "$root/deploy/requirements.lock.new" "$root/deploy/requirements.lock"
echo "wrote deploy/requirements.lock" >&2
