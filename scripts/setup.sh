#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing Citadel needs.
# Idempotent: when everything is present it changes nothing and touches no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config g++ clang libclang-rt-14-dev
  libhwy-dev libfmt-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libsqlite3-dev libpcre2-dev libvectorscan-dev libboost1.81-dev bc
  prometheus wrk
  rsyslog postgresql libpq-dev  # audit sink tests start real rsyslogd / postgres on loopback
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js for the end-to-end tests: Debian's packages unless a node and npm are already there
# (e.g. NodeSource's nodejs, which bundles npm and conflicts with Debian's npm package).
command -v node > /dev/null || missing+=(nodejs)
command -v npm > /dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The end-to-end tests' npm packages (the official openai client, the oidc-provider OpenID
# Provider), pinned by package-lock.json; installed again whenever the lock file is newer.
e2e="$(dirname "$0")/../tests/e2e"
if [ ! -d "$e2e/node_modules/openai" ] || [ ! -d "$e2e/node_modules/oidc-provider" ] ||
   [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
  (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi
