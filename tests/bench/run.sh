#!/bin/sh
# run.sh: build the store benchmark (Release) and print issue 3's figures.
#
#   tests/bench/run.sh            full run: write throughput with and
#                                 without the search index at 1, 10, 100
#                                 and 1000 messages per transaction, then
#                                 1,000,000 messages: search (mix and
#                                 shapes) and unread counts, two rounds
#   tests/bench/run.sh --smoke    20,000 messages, 20 queries; checks that
#                                 it works, not how fast (for CI)
#
# Extra arguments after the mode go to the full 1M run (e.g. --messages N).
# "Without the search index" is the same build and schema with the index
# never fed (bench_store --no-search-index). Builds in build-bench/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
prefill=${PREFILL_MESSAGES:-50000}

if [ "${1:-}" = "--smoke" ]; then
	bin=$("$here/build.sh" "$root")
	exec "$bin" --smoke
fi

bin=$("$here/build.sh" "$root")

# rate BATCH MESSAGES [--no-search-index]: msgs/s of the timed insert
rate() {
	b=$1 n=$2
	shift 2
	"$bin" --prefill "$prefill" --batch "$b" --messages "$n" \
		--insert-only "$@" | awk '/insert throughput/ { print $NF }'
}

echo "== write throughput: search index vs none, after $prefill messages =="
echo "   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-12s %9s %9s %9s %9s %9s %9s\n" "msgs/txn" "none 1" "index 1" \
	"none 2" "index 2" "best n" "ratio"
for spec in "1 3000" "10 20000" "100 50000" "1000 200000"; do
	# shellcheck disable=SC2086
	set -- $spec
	n1=$(rate "$1" "$2" --no-search-index); i1=$(rate "$1" "$2")
	n2=$(rate "$1" "$2" --no-search-index); i2=$(rate "$1" "$2")
	awk -v b="$1" -v n1="$n1" -v i1="$i1" -v n2="$n2" -v i2="$i2" 'BEGIN {
		nb = n1 > n2 ? n1 : n2; ib = i1 > i2 ? i1 : i2;
		printf "%-12d %9d %9d %9d %9d %9d %9.2f\n", b, n1, i1, n2,
			i2, nb, ib / nb;
	}'
done
echo "ratio: best with index / best without (target >= 0.80)"
echo
echo "== 1,000,000 messages: search and unread counts =="
echo "   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
"$bin" --rounds 2 --shapes "$@"
