#!/bin/sh
# run.sh - install what is missing, build a release, create a demo node's data directory
# (node prefix 88.118, two enterprise prefixes, a few thousand items of every kind) and show
# some of it. Idempotent: running it again rebuilds incrementally and changes no data.
#   env: IDR_DATA (default ./idr-data), BUILD_DIR (default build), JOBS (default: cores)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
data=${IDR_DATA:-./idr-data}

./deploy/deps.sh build

echo "== release build in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$jobs" --target idr >/dev/null
idr=$build/tools/idr

echo "== demo data in $data"
./deploy/demo-data.sh "$idr" "$data"

echo
echo "== idr prefix list"
"$idr" prefix list --data "$data"
for id in 88.118.8/P-000001 88.118.8/M-00001 88.118.9/K-00005; do
	echo
	echo "== idr get $id"
	"$idr" get "$id" --data "$data"
done
echo
echo "== idr stats"
"$idr" stats --data "$data"
echo
echo "The data directory is $data; try: $idr help"
