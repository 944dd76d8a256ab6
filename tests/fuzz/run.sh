#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan + UBSan, no recovery), seed them
# from proto/examples/*.json, run each for a while and report executions
# and crashes per target. Exits non-zero if any target crashed (a crash,
# leak, sanitizer report, timeout or oracle disagreement) or did not build.
#
#   tests/fuzz/run.sh                    every target, 20 s each (CI)
#   tests/fuzz/run.sh --seconds 3600     every target, an hour each
#   tests/fuzz/run.sh --only text --seconds 3600
#
# Build output, corpora (kept between runs, so long runs build on short
# ones) and crash artifacts go under build-fuzz/ (FUZZ_DIR overrides).
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=20
only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
	--only) only="${2:?--only needs a target: decode, text, reasm or ops}"; shift 2 ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
case "$seconds" in ''|*[!0-9]*) echo "run.sh: --seconds must be a number" >&2; exit 2 ;; esac

targets="decode text reasm ops"
[ -n "$only" ] && targets="$only"
out="${FUZZ_DIR:-build-fuzz}"
mkdir -p "$out"

CC="${FUZZ_CC:-clang}"
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "run.sh: $CC not found (scripts/deps.sh --test installs clang)" >&2
	exit 1
fi
cflags=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=all -fno-omit-frame-pointer
	-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude)
read -r -a jansson <<<"$(pkg-config --cflags --libs jansson)"

# Seeds: every frame the examples send or expect, every string in them.
seeds="$out/seeds"
rm -rf "$seeds"
if command -v node >/dev/null 2>&1; then
	node tests/fuzz/seeds.mjs proto/examples "$seeds" || exit 1
else
	# Without node, the example files themselves are the seeds.
	mkdir -p "$seeds/decode" "$seeds/text" "$seeds/reasm" "$seeds/ops"
	cp proto/examples/*.json "$seeds/decode/"
	cp proto/examples/*.json "$seeds/text/"
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
summary=()
for t in $targets; do
	src="tests/fuzz/fuzz_$t.c"
	bin="$out/fuzz_$t"
	if [ ! -f "$src" ]; then
		echo "run.sh: no target $t ($src)" >&2
		exit 2
	fi
	echo "== fuzz_$t: build"
	# fuzz_reasm also takes the server's reassembly (and xrealloc);
	# fuzz_ops the whole server but its socket layer and entry point.
	extra=()
	case "$t" in
	reasm) extra=(-Iserver server/reasm.c server/util.c) ;;
	ops)
		extra=(-Iserver)
		for f in server/*.c; do
			case "$f" in server/main.c|server/ws.c|server/waker.c) ;; *) extra+=("$f") ;; esac
		done
		read -r -a libs <<<"$(pkg-config --cflags --libs sqlite3 libsodium)"
		extra+=("${libs[@]}" -lpthread)
		;;
	esac
	if ! "$CC" "${cflags[@]}" "$src" "${extra[@]}" proto/*.c "${jansson[@]}" -o "$bin"; then
		summary+=("fuzz_$t: did not build")
		status=1
		continue
	fi
	corpus="$out/corpus/$t"
	artifacts="$out/artifacts/$t/"
	mkdir -p "$corpus" "$artifacts"
	log="$out/fuzz_$t.log"
	echo "== fuzz_$t: ${seconds} s, corpus $corpus, dictionary tests/fuzz/fuzz_$t.dict"
	# stdin is /dev/null: libFuzzer must not wait for a terminal.
	"$bin" "$corpus" "$seeds/$t" \
		-dict="tests/fuzz/fuzz_$t.dict" \
		-max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts" </dev/null >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
	crashes=0
	if [ $rc -ne 0 ]; then
		crashes=1
		status=1
		grep -E "ERROR|runtime error|fuzz_text:|SUMMARY|Test unit written" "$log" | head -n 20
	fi
	summary+=("fuzz_$t: ${execs:-0} executions in ${seconds} s, coverage ${cov:-?} edges, corpus $(ls "$corpus" | wc -l) inputs, $crashes crashes")
done

echo "== fuzzing summary"
printf '%s\n' "${summary[@]}"
exit $status
