#!/usr/bin/env bash
# Installs the system packages Puente's stack and tests need, if missing:
# the PostgreSQL server (initdb, postgres); xmllint (libxml2-utils), which
# the export tests use to validate the IATI XML against its schema; and
# docker-compose, which the deploy tests use to validate docker-compose.yml
# offline (`docker-compose config`; no Docker engine needed); and Chromium
# with a font, which the web app's browser tests drive headless. Uses apt-get
# (Debian/Ubuntu) as root; otherwise says what to install.
set -euo pipefail

missing=()
have_pg() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
have_pg || missing+=(postgresql)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing system packages: ${missing[*]} — install them (e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing ${missing[*]} with apt-get" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
