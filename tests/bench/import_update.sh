#!/usr/bin/env bash
# import_update.sh - `idr import --update`: N items x 6 attributes (default 100,000) imported
# into a fresh store, then the same file with every 10th row changed (one attribute modified,
# one removed) imported with --update; the plain re-import of the unchanged file for
# reference. Same release build as import.sh.
#
# usage: tests/bench/import_update.sh      (from the repository root or anywhere)
# env:   N=100000 WORK=/tmp/idr-bench-update BUILD=<repo>/build-bench SKIP_BUILD=0 KEEP=0
# Output: FIGURE lines (rows/s of the fresh import, of the re-import with nothing to do and of
# the --update run) and the counts of the --update summary.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-100000}
WORK=${WORK:-/tmp/idr-bench-update}
BUILD=${BUILD:-$top/build-bench}

say() { printf '%s\n' "$*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
	say "== release build in $BUILD"
	cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BUILD" --target idr -j "$(nproc)" >/dev/null
fi
IDR=$BUILD/tools/idr
mkdir -p "$WORK"
CSV=$WORK/items.csv
CHANGED=$WORK/changed.csv

say "== generating $N items x 6 attributes, and the copy with every 10th row changed"
LC_ALL=C awk -v n="$N" -v changed="$CHANGED" 'BEGIN {
	split("part wip process product lot package", kinds, " ")
	h = "id,kind,url,model,batch,material,station,operator,produced"
	print h; print h >changed
	for (i = 1; i <= n; i++) {
		model = sprintf("MX-2024-A%02d-%04d-REV-C", i % 50, i % 9973)
		op = sprintf("OP-%06d zhang.wei shift B", i % 5000)
		row = sprintf("88.118.8/B-%07d,%s,https://trace.example.com/items/88.118.8/B-%07d?src=mes,%%s,LOT-2024%02d%02d-%04d,\"6061-T6 aluminium alloy, anodised\",LINE-%02d/ST-%02d fixture F%03d,%%s,2024-%02d-%02dT%02d:%02d:00+08:00",
			i, kinds[(i % 6) + 1], i, (i % 12) + 1, (i % 28) + 1, i % 1000, i % 8, i % 24,
			i % 400, (i % 12) + 1, (i % 28) + 1, i % 24, i % 60)
		printf row "\n", model, op
		if (i % 10 == 0) {
			printf row "\n", model "-REV-D", "" >changed
		} else {
			printf row "\n", model, op >changed
		}
	}
}' >"$CSV"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
run() { # run LABEL ARGS...: time one idr import, print its summary, set RATE
	label=$1
	shift
	sync
	t0=$(now)
	"$IDR" import --data "$WORK/idr-data" "$@" >"$WORK/out" || [ $? -eq 2 ]
	t1=$(now)
	say "   $label: $(cat "$WORK/out")"
	RATE=$(rate "$N" "$t0" "$t1")
}

rm -rf "$WORK/idr-data"
"$IDR" init --data "$WORK/idr-data" --node-prefix 88.118 >/dev/null
"$IDR" prefix add 88.118.8 --owner "某某制造有限公司" --data "$WORK/idr-data" >/dev/null
run "fresh" "$CSV"
fresh=$RATE
run "again, nothing to do" "$CSV"
again=$RATE
run "--update, 10% changed" --update "$CHANGED"
update=$RATE
grep -q "0 created, $((N / 10)) updated, $((N - N / 10)) unchanged, 0 bad rows" "$WORK/out" ||
	{ say "unexpected counts"; exit 1; }
"$IDR" audit verify --data "$WORK/idr-data" >&2
printf 'FIGURE idr_import_fresh_%s %s rows/s\n' "$N" "$fresh"
printf 'FIGURE idr_import_unchanged_%s %s rows/s\n' "$N" "$again"
printf 'FIGURE idr_import_update_10pct_%s %s rows/s (%s updated rows/s)\n' "$N" "$update" \
	"$((update / 10))"
[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
