#!/usr/bin/env bash
# Issue 7's side-by-side benchmark: tandemd beside mosquitto (MQTT over
# WebSocket), nats-server (NATS over WebSocket), prosody (MUC over
# XMPP-WebSocket) and a node + ws broadcast server, driven by bench/build/lg on core 1 while each server runs alone
# on core 0. Installs what is missing (Debian packages, npm ws), builds
# tandemd in Release and the generator, prints the machine, the raw
# ceiling and every scenario as one markdown table.
#
#   bench/run.sh                 the full run (about 15 minutes)
#   bench/run.sh --quick         small and short: checks it all works
#   bench/run.sh --seconds S --repeats N --idle-conns N --fanout-conns N \
#                --rates R,R,... --durable-rate R --durable-low R \
#                --stress-conns N \
#                --stress-rate R --mixed-conns N --mixed-rooms N \
#                --mixed-rate R --only tandem|peers
# (slow consumer and storm: a room of --stress-conns at --stress-rate posts/s;
# mixed: --mixed-conns members in rooms of 50, --mixed-rooms of them busy)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
seconds=3 repeats=5 idle_conns=1000 fanout_conns=1000
rates=10,20,50,100,150,200,300 durable_rate=50000 raw_conns=1000 only=all
durable_low=5000 stress_conns=1000 stress_rate=50 mixed_conns=2000
mixed_rooms=20
mixed_rate=200
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) seconds=1 repeats=2 idle_conns=300 fanout_conns=200
		 rates=20,50 durable_rate=2000 durable_low=500 raw_conns=200
		 stress_conns=200
		 stress_rate=20 mixed_conns=200 mixed_rooms=2 mixed_rate=20 ;;
	--seconds) seconds=$2; shift ;;
	--repeats) repeats=$2; shift ;;
	--idle-conns) idle_conns=$2; shift ;;
	--fanout-conns) fanout_conns=$2; shift ;;
	--rates) rates=$2; shift ;;
	--durable-rate) durable_rate=$2; shift ;;
	--durable-low) durable_low=$2; shift ;;
	--stress-conns) stress_conns=$2; shift ;;
	--stress-rate) stress_rate=$2; shift ;;
	--mixed-conns) mixed_conns=$2; shift ;;
	--mixed-rooms) mixed_rooms=$2; shift ;;
	--mixed-rate) mixed_rate=$2; shift ;;
	--only) only=$2; shift ;;
	*) echo "usage: see the top of $0" >&2; exit 2 ;;
	esac
	shift
done

# Debian packages: tandemd's build deps, then the peers.
"$root/scripts/deps.sh"
missing=()
for p in mosquitto nats-server prosody nodejs npm; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
command -v node >/dev/null && missing=("${missing[@]/nodejs/}")
command -v npm >/dev/null && missing=("${missing[@]/npm/}")
read -r -a missing <<<"${missing[*]:-}"
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "bench: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi
(cd "$here" && npm ci --no-audit --no-fund --silent)

# Release tandemd (no sanitizers, no test hooks) and the generator.
cmake -S "$root" -B "$root/build-perf" -DCMAKE_BUILD_TYPE=Release \
	-DTANDEM_TEST_HOOKS=OFF -DTANDEM_SANITIZE=OFF >/dev/null
cmake --build "$root/build-perf" -j2 --target tandemd >/dev/null
"$here/build.sh"

lg="$here/build/lg"
work=$(mktemp -d /tmp/tandem-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
common=(--seconds "$seconds" --repeats "$repeats" --peers "$here/peers"
	--tandemd "$root/build-perf/tandemd")
n=0
run() {
	n=$((n + 1))
	"$lg" "${common[@]}" --port $((port + 10 * n)) --dir "$work/$n" "$@"
}

echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
	cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB," \
	"Linux $(uname -r)"
echo "- load before: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "- servers on core 0, generator on core 1; loopback, no TLS"
echo "- peers: mosquitto $(dpkg-query -W -f='${Version}' mosquitto)," \
	"nats-server $(dpkg-query -W -f='${Version}' nats-server)," \
	"prosody $(dpkg-query -W -f='${Version}' prosody)," \
	"node $(node --version) + ws $(node -p "require('$here/node_modules/ws/package.json').version")"
echo "- command: bench/run.sh --seconds $seconds --repeats $repeats" \
	"--idle-conns $idle_conns --fanout-conns $fanout_conns" \
	"--rates $rates --durable-rate $durable_rate --durable-low $durable_low" \
	"--stress-conns $stress_conns --stress-rate $stress_rate" \
	"--mixed-conns $mixed_conns --mixed-rooms $mixed_rooms" \
	"--mixed-rate $mixed_rate --only $only"
echo
echo "| scenario | server | figure | median | range | unit |"
echo "|---|---|---|---|---|---|"
run --scenario raw --conns "$raw_conns" | tee "$work/raw"
run --scenario raw --conns "$raw_conns" --per-write 16
ceiling=$(awk -F'|' '/raw ceiling/ && /frames\/s/ {gsub(/ /,"",$5); print $5}' \
	"$work/raw")
targets=(tandem mosquitto nats prosody nodews)
[ "$only" = tandem ] && targets=(tandem)
[ "$only" = peers ] && targets=(mosquitto nats prosody nodews)
for t in "${targets[@]}"; do
	run --target "$t" --scenario idle --conns "$idle_conns" || true
done
for t in "${targets[@]}"; do
	run --target "$t" --scenario fanout --conns "$fanout_conns" \
		--rates "$rates" --ceiling "$ceiling" || true
done
for t in "${targets[@]}"; do
	run --target "$t" --scenario slow --conns "$stress_conns" \
		--rate "$stress_rate" || true
done
if [ "$only" != peers ]; then
	run --target tandem --scenario mixed --conns "$mixed_conns" \
		--room-size 50 --rooms "$mixed_rooms" --rate "$mixed_rate" ||
		true
	for rate in "$durable_low" "$durable_rate"; do
		run --target tandem --scenario durable --rate "$rate" \
			--per-sender 250 || true
	done
	run --target tandem --scenario storm --conns "$stress_conns" \
		--rate "$stress_rate" --seconds 4 || true
fi
echo
echo "- load after: $(cut -d' ' -f1-3 /proc/loadavg)"
