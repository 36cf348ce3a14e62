#!/usr/bin/env bash
# Debian packages the portal needs. `system-deps.sh run`: what serving needs (WeasyPrint's Pango
# and HarfBuzz, fonts). `system-deps.sh` (all): also Chromium for the browser tests, poppler for
# reading PDFs back in tests, wrk for the benchmarks, postgresql-client (pg_dump, pg_restore) for
# the restore drill. Installs only what is missing, as root or through sudo; when it cannot, it
# says which packages are missing and how to install them.
set -euo pipefail
run_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk)
test_packages=(chromium poppler-utils wrk make postgresql-client)
packages=("${run_packages[@]}")
[ "${1:-all}" = run ] || packages+=("${test_packages[@]}")

if ! command -v dpkg-query >/dev/null; then
    echo "Not a Debian system: install Pango (>= 1.44), HarfBuzz with hb-subset and DejaVu fonts" \
         "with your package manager (WeasyPrint renders the PDFs with them)." >&2
    exit 0
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo_cmd="sudo"
    else
        echo "Missing system packages: ${missing[*]}" >&2
        echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
echo "Installing: ${missing[*]}"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
