#!/usr/bin/env bash
# Install the Debian 12 packages Tandem needs, only those that are missing.
#   scripts/deps.sh          what building and running tandemd needs
#   scripts/deps.sh --test   plus what the tests need (node, chromium, tmux)
# Runs apt-get as root (or through sudo); does nothing when all are present.
set -euo pipefail

pkgs=(build-essential cmake pkg-config libwebsockets-dev
      libwebsockets-evlib-ev libjansson-dev libsqlite3-dev libsodium-dev
      libncurses-dev)
if [ "${1:-}" = "--test" ]; then
	# libclang-rt-14-dev: libFuzzer and the sanitizer runtimes for clang,
	# which --no-install-recommends would otherwise leave out.
	pkgs+=(nodejs npm chromium tmux openssl sqlite3 clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
# npm may come with a nodejs that is not Debian's; accept any working one.
if command -v npm >/dev/null 2>&1; then
	missing=("${missing[@]/npm/}")
fi
if command -v node >/dev/null 2>&1; then
	missing=("${missing[@]/nodejs/}")
fi
read -r -a missing <<<"${missing[*]}"
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
