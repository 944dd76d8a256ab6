#!/usr/bin/env bash
# Build tandemd and run it on its embedded SQLite database (./data), serving
# the web client. Extra arguments go to tandemd (see: tandemd --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tandemd tandem >/dev/null
echo "Open the web client at the URL below; the first account you register becomes admin."
exec ./build/tandemd --data-dir data --web-root web "$@"
