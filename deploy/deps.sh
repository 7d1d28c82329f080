#!/bin/sh
# deps.sh - install what idr needs from Debian 12 packages; skips what is present.
# Called by ./deploy/run.sh and ./tests/run.sh. Idempotent; needs root (or sudo) only when
# something is missing.
#   deploy/deps.sh [build|test|bench]   (default: build)
set -eu
what=${1:-build}

pkgs="cmake clang make pkg-config libevent-dev libssl-dev liblmdb-dev libcmocka-dev libjansson-dev
libcurl4-openssl-dev libqrencode-dev libpng-dev libzint-dev lmdb-utils openssl curl graphviz"
case "$what" in
test) pkgs="$pkgs clang-format libclang-rt-14-dev nodejs npm procps psmisc python3 openssl logrotate
wrk apache2-utils nghttp2-client chromium fonts-wqy-zenhei zint zxing-cpp-tools haproxy
python3-yaml" ;;
bench) pkgs="$pkgs clang-format wrk nginx-light linux-perf hyperfine" ;;
build) ;;
*) echo "deps.sh: unknown set '$what' (build|test|bench)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

# nodejs/npm may come from outside Debian (e.g. NodeSource); a working node is enough.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -v -x -e nodejs -e npm | tr '\n' ' ')
	[ -z "$(echo "$missing" | tr -d ' ')" ] && exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps.sh: need root to install:$missing" >&2; exit 1; }
	sudo=sudo
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $sudo apt-get install -y --no-install-recommends $missing >/dev/null; then
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y --no-install-recommends $missing >/dev/null
fi
