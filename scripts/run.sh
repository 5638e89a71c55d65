#!/usr/bin/env bash
# Installs what is missing, builds, and runs ticketd with its embedded defaults.
# Extra arguments go to ticketd (see README.md, "Operating ticketd").
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2
exec build/app/ticketd "$@"
