#!/bin/sh
# build.sh: build the store benchmark in Release, outside the main build.
#
#   tests/bench/build.sh [SRC_ROOT] [BUILD_DIR] [-DBENCH_BASELINE]
#
# Configures SRC_ROOT (default: this checkout) with cmake in BUILD_DIR
# (default: SRC_ROOT/build-bench), builds only the tandem_store and
# tandem_proto libraries, then compiles bench_store.c against them with cc.
# With BENCH_BASELINE the same source is built for the pre-search store
# (commit 222d782) and runs the insert phase only. Prints the binary's path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
build=${2:-$src/build-bench}
def=${3:-}
out=$build/bench_store
log=$build/bench-build.log

mkdir -p "$build"

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	-DTANDEM_WERROR=OFF >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
cmake --build "$build" --target tandem_store tandem_proto -j2 \
	>>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
# shellcheck disable=SC2086
cc -std=c11 -O2 -DNDEBUG -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $def \
	-Wall -Wextra -Wshadow -Wno-unused-parameter \
	-I"$src/include" -I"$src/server" \
	-o "$out" "$here/bench_store.c" \
	"$build/libtandem_store.a" "$build/libtandem_proto.a" \
	$(pkg-config --libs sqlite3 jansson)
echo "$out"
