#!/usr/bin/env bash
# Build the load generator (bench/loadgen) with plain cc into bench/build/lg.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/build"
cc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -o "$here/build/lg" \
	"$here"/loadgen/*.c -lm
