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
#   tests/bench/run.sh --throughput   only the throughput table
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

# rate BATCH MESSAGES [--no-search-index]: "msgs/s cpu-us-per-msg" of the
# timed insert
rate() {
	b=$1 n=$2
	shift 2
	"$bin" --prefill "$prefill" --batch "$b" --messages "$n" \
		--insert-only "$@" |
		awk '/insert throughput/ { t = $NF } /cpu per message/ { c = $NF }
		     END { print t, c }'
}

# Each size twice, alternating; best of two (highest msgs/s, lowest CPU).
throughput() {
	printf "%-9s %8s %8s %8s %8s %8s %8s %8s %8s\n" "msgs/txn" \
		"none 1" "index 1" "none 2" "index 2" "ratio" \
		"cpu none" "cpu idx" "ratio"
	for spec in "1 10000" "10 20000" "100 50000" "1000 200000"; do
		# shellcheck disable=SC2086
		set -- $spec
		n1=$(rate "$1" "$2" --no-search-index); i1=$(rate "$1" "$2")
		n2=$(rate "$1" "$2" --no-search-index); i2=$(rate "$1" "$2")
		echo "$1 $n1 $i1 $n2 $i2" | awk '{
			nb = $2 > $6 ? $2 : $6; ib = $4 > $8 ? $4 : $8;
			nc = $3 < $7 ? $3 : $7; ic = $5 < $9 ? $5 : $9;
			printf "%-9d %8d %8d %8d %8d %8.2f %8.1f %8.1f %8.2f\n",
				$1, $2, $4, $6, $8, ib / nb, nc, ic, nc / ic;
		}'
	done
	echo "ratio: best msgs/s with index / without (target >= 0.80);"
	echo "cpu: store CPU microseconds per message, lowest of two, and"
	echo "     without / with (less sensitive to a busy machine)"
}

echo "== write throughput: search index vs none, after $prefill messages =="
echo "   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
throughput
[ "${1:-}" = "--throughput" ] && exit 0
echo
echo "== 1,000,000 messages: search and unread counts =="
echo "   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
"$bin" --rounds 2 --shapes "$@"
