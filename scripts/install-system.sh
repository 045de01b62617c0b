#!/usr/bin/env bash
# Installs the system packages Canopy needs (PostgreSQL 15 + PostGIS 3) when they are missing.
set -euo pipefail

pg_major=15
need=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=("postgresql-${pg_major}")
compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null || need+=("postgresql-${pg_major}-postgis-3")
command -v runuser >/dev/null || need+=("util-linux")

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "error: need root (or sudo) to install ${need[*]} with apt-get" >&2; exit 1
  fi
else
  SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "System packages installed."
