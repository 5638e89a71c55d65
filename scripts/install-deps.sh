#!/usr/bin/env bash
# Installs the Debian 12 packages ticketd needs to build, test and benchmark.
# Idempotent: packages already present are skipped; safe to run repeatedly.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libboost1.81-dev libboost-url1.81-dev
  librocksdb-dev librdkafka-dev libsimdjson-dev libsqlite3-dev
  libfmt-dev libspdlog-dev libssl-dev libjwt-dev libcli11-dev
  libhowardhinnant-date-dev tzdata
  doctest-dev libbenchmark-dev wrk curl
  clang-16 libclang-rt-16-dev
  kcat python3-jsonschema
  libcurl4-openssl-dev python3-aiosmtpd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
