#!/usr/bin/env bash
# A quick check (well under 30 s) that the load generator works against
# tandemd, not how fast: a small fan-out and a small durable run with its
# kill -9 check. Exits non-zero if a delivery is missing, an acknowledged
# post is lost, nothing was delivered, or (with a sanitizer build) the
# server's log holds a sanitizer report.
#   bench/smoke.sh [path/to/tandemd]   (default build/tandemd)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tandemd=${1:-$here/../build/tandemd}
"$here/build.sh"
work=$(mktemp -d /tmp/tandem-bench-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
lg=("$here/build/lg" --tandemd "$tandemd" --repeats 1 --seconds 1)

"${lg[@]}" --port "$port" --dir "$work/f" --scenario fanout --conns 50 \
	--rates 20 | tee "$work/fanout"
"${lg[@]}" --port $((port + 10)) --dir "$work/d" --scenario durable \
	--rate 200 | tee "$work/durable"

field() { awk -F'|' -v m="$2" '$4 ~ m {gsub(/ /, "", $5); print $5}' "$1"; }
fail=0
[ "$(field "$work/fanout" '^ deliveries/s $')" -gt 0 ] ||
	{ echo "smoke: nothing delivered" >&2; fail=1; }
[ "$(field "$work/fanout" 'deliveries missing')" = 0 ] ||
	{ echo "smoke: deliveries missing" >&2; fail=1; }
[ "$(field "$work/durable" 'looked up')" -gt 0 ] ||
	{ echo "smoke: nothing acknowledged" >&2; fail=1; }
[ "$(field "$work/durable" 'lost after')" = 0 ] ||
	{ echo "smoke: acknowledged posts lost" >&2; fail=1; }
# A sanitizer build reports into the server's log: any report fails.
if grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
	"$work"/*/server.log >&2; then
	echo "smoke: sanitizer report in the server log above" >&2
	cat "$work"/*/server.log >&2
	fail=1
fi
[ $fail = 0 ] && echo "bench smoke: ok"
exit $fail
