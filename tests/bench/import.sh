#!/usr/bin/env bash
# import.sh - `idr import` of N items x 6 attributes (~300 bytes each, default 1,000,000)
# into a fresh store, against `mdb_load` (lmdb-utils) loading the same number of keys with the
# same key and value bytes, in the same run; then random point lookups on the imported store
# (bench_get: raw mdb_get vs reg_get_folded vs reg_get).
#
# usage: tests/bench/import.sh            (from the repository root or anywhere)
# env:   N=1000000 REPEAT=1 WORK=/tmp/idr-bench BUILD=<repo>/build-bench KEEP=0
#        LOOKUP_SECS=2 LOOKUP_ROUNDS=3 SKIP_BUILD=0
# Output: FIGURE lines (rate, store size) and the ratio idr/mdb_load (target >= 0.5), then
# bench_get's results (target: reg_get, or at least reg_get_folded, >= 0.8x raw mdb_get).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000000}
REPEAT=${REPEAT:-1}
WORK=${WORK:-/tmp/idr-bench}
BUILD=${BUILD:-$top/build-bench}
LOOKUP_SECS=${LOOKUP_SECS:-2}
LOOKUP_ROUNDS=${LOOKUP_ROUNDS:-3}

say() { printf '%s\n' "$*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
	"$top/deploy/deps.sh" build
	say "== release build in $BUILD"
	cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BUILD" --target idr bench_get -j "$(nproc)" >/dev/null
fi
IDR=$BUILD/tools/idr
BENCH_GET=$BUILD/tests/bench/bench_get
command -v mdb_load >/dev/null || { say "mdb_load missing (apt-get install lmdb-utils)"; exit 1; }

mkdir -p "$WORK"
CSV=$WORK/items.csv
DUMP=$WORK/items.mdbdump

if [ ! -s "$CSV" ] || [ "$(($(wc -l <"$CSV") - 1))" -ne "$N" ]; then
	say "== generating $N items x 6 attributes"
	LC_ALL=C awk -v n="$N" 'BEGIN {
		split("part wip process product lot package", kinds, " ")
		split("6061-T6 aluminium alloy, anodised, RoHS compliant|42CrMo4 steel, quenched and tempered, zinc plated|PA66-GF30 polyamide, glass fibre reinforced, UL94 V-0", mats, "|")
		print "id,kind,url,model,batch,material,station,operator,produced"
		for (i = 1; i <= n; i++) {
			printf "88.118.8/B-%07d,%s,https://trace.example.com/items/88.118.8/B-%07d?src=mes,MX-2024-A%02d-%04d-REV-C,LOT-2024%02d%02d-%04d,\"%s\",LINE-%02d/ST-%02d five-axis CNC machining centre fixture F%03d,OP-%06d zhang.wei shift B,2024-%02d-%02dT%02d:%02d:00+08:00\n",
				i, kinds[(i % 6) + 1], i, i % 50, i % 9973, (i % 12) + 1, (i % 28) + 1, i % 1000,
				mats[(i % 3) + 1], i % 8, i % 24, i % 400, i % 5000, (i % 12) + 1, (i % 28) + 1, i % 24, i % 60
		}
	}' >"$CSV"
fi
bytes=$(($(wc -c <"$CSV") - $(head -1 "$CSV" | wc -c)))
say "   $N items, $bytes bytes of rows ($((bytes / N)) bytes per item)"

if [ ! -s "$DUMP" ] || [ "$DUMP" -ot "$CSV" ]; then
	say "== writing the mdb_load input (same keys and values, mdb_dump bytevalue format)"
	python3 - "$CSV" "$DUMP" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f, open(dst, "w") as out:
    out.write("VERSION=3\nformat=bytevalue\ntype=btree\nmapsize=17179869184\nHEADER=END\n")
    next(f)
    for line in f:
        key, val = line.rstrip(b"\n").split(b",", 1)
        out.write(" " + key.upper().hex() + "\n " + val.hex() + "\n")
    out.write("DATA=END\n")
PY
fi

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

idr_rates=""
mdb_rates=""
for r in $(seq "$REPEAT"); do
	say "== round $r: idr import (release, --batch 10000, fsync at every commit)"
	rm -rf "$WORK/idr-data"
	"$IDR" init --data "$WORK/idr-data" --node-prefix 88.118 >/dev/null
	"$IDR" prefix add 88.118.8 --owner "某某制造有限公司" --data "$WORK/idr-data" >/dev/null
	sync
	t0=$(now)
	"$IDR" import --data "$WORK/idr-data" "$CSV" >"$WORK/import.out"
	t1=$(now)
	cat "$WORK/import.out" >&2
	idr_rates="$idr_rates $(rate "$N" "$t0" "$t1")"

	say "== round $r: mdb_load (default flags: a commit, with fsync, every 100 keys)"
	rm -rf "$WORK/mdb"
	mkdir -p "$WORK/mdb"
	sync
	t0=$(now)
	mdb_load -f "$DUMP" "$WORK/mdb"
	t1=$(now)
	mdb_rates="$mdb_rates $(rate "$N" "$t0" "$t1")"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# shellcheck disable=SC2086
idr_med=$(median $idr_rates)
# shellcheck disable=SC2086
mdb_med=$(median $mdb_rates)
idr_size=$(stat -c %s "$WORK/idr-data/data.mdb")
mdb_size=$(stat -c %s "$WORK/mdb/data.mdb")
"$IDR" stats --data "$WORK/idr-data" | tail -4 >&2
printf 'FIGURE idr_import_%s %s items/s runs=%s store=%s MiB\n' "$N" "$idr_med" "$idr_rates" \
	"$((idr_size / 1048576))"
printf 'FIGURE mdb_load_%s %s keys/s runs=%s store=%s MiB\n' "$N" "$mdb_med" "$mdb_rates" \
	"$((mdb_size / 1048576))"
awk -v a="$idr_med" -v b="$mdb_med" 'BEGIN { printf "RATIO idr_import/mdb_load %.2f (target >= 0.5)\n", a / b }'

say "== random point lookups on the imported store"
"$BENCH_GET" "$WORK/idr-data" "$LOOKUP_SECS" "$LOOKUP_ROUNDS" 88.118.8/

if [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$WORK/mdb"
fi
