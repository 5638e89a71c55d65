#!/usr/bin/env bash
# Installs what is missing, builds, and runs ticketd with its embedded defaults and the
# demo tenant tree (--demo prints a bearer token per role). Extra arguments go to ticketd
# (see README.md, "Operating ticketd"); TICKETD_DEMO=false leaves the demo out.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2
export TICKETD_DEMO="${TICKETD_DEMO:-true}"  # ticketd's own variable for --demo
exec build/app/ticketd "$@"
