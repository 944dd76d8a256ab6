#!/bin/sh
# run.sh: build the store benchmark (Release) and print issue 3's figures.
#
#   tests/bench/run.sh            full run: throughput comparison against
#                                 the pre-search store (222d782), then
#                                 1,000,000 messages, search and unread
#                                 counts, two rounds
#   tests/bench/run.sh --smoke    20,000 messages, 20 queries; checks that
#                                 it works, not how fast (for CI)
#
# Extra arguments after the mode go to the full 1M run (e.g. --messages N).
# Builds in build-bench/ and, for the baseline, in a temporary export of
# commit 222d782 (git archive: nothing is written to the repository).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
base_commit=222d782
compare_msgs=${COMPARE_MESSAGES:-200000}

if [ "${1:-}" = "--smoke" ]; then
	bin=$("$here/build.sh" "$root")
	exec "$bin" --smoke
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-bench-base.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

cur=$("$here/build.sh" "$root")
git -C "$root" archive "$base_commit" | tar -x -C "$tmp"
base=$("$here/build.sh" "$tmp" "$tmp/build" -DBENCH_BASELINE)

rate() {
	"$1" --messages "$compare_msgs" --insert-only |
		awk '/insert throughput/ { print $NF }'
}

echo "== throughput: $compare_msgs messages, baseline vs current, twice =="
b1=$(rate "$base"); c1=$(rate "$cur")
b2=$(rate "$base"); c2=$(rate "$cur")
awk -v b1="$b1" -v b2="$b2" -v c1="$c1" -v c2="$c2" 'BEGIN {
	bb = b1 > b2 ? b1 : b2; cb = c1 > c2 ? c1 : c2;
	printf "%-30s %10s %10s %10s\n", "msgs/s", "run 1", "run 2", "best";
	printf "%-30s %10d %10d %10d\n", "baseline " "'"$base_commit"'",
		b1, b2, bb;
	printf "%-30s %10d %10d %10d\n", "current (search index)", c1, c2, cb;
	printf "current / baseline (best): %.2f (target >= 0.80)\n", cb / bb;
}'
echo
echo "== current tree: search and unread counts =="
"$cur" --rounds 2 "$@"
