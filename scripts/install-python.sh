#!/usr/bin/env bash
# Installs uv when missing and the locked Python environment (.venv) from uv.lock.
set -euo pipefail

if ! command -v uv >/dev/null && ! python3 -m uv --version >/dev/null 2>&1; then
  echo "Installing uv"
  python3 -m pip install --quiet uv
fi
if command -v uv >/dev/null; then UV=uv; else UV="python3 -m uv"; fi
$UV sync --locked --quiet
