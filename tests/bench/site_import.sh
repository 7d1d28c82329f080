#!/usr/bin/env bash
# site_import.sh - import throughput into a 2-server site (hash-split) against one server
# (issue 10 "Benchmarks"), the same N rows (as import.sh, ~300 bytes) in the same run:
#   (a) one server: `idr import FILE` into one fresh store, pinned to core 0 (taskset -c 0),
#       so it has one core as each site server has;
#   (b) a site of two servers sharding by the Handle hash: `idr import FILE --site-servers 2
#       --shard 0` and `--shard 1` into two fresh stores, run concurrently, one pinned to core
#       0 and one to core 1; the pair's wall time (both started together, until the later
#       one ends).
# Each shard reads and hashes every row of FILE and writes its half; both fsync at every
# commit (--batch 10000) on the same disk. Rounds alternate (a) and (b); medians reported.
#
# usage: tests/bench/site_import.sh
# env:   N=500000 REPEAT=1 WORK=/tmp/idr-bench-site BUILD=<repo>/build-rel SKIP_BUILD=0 KEEP=0
# Output: FIGURE lines (rows/s of the site as a whole, of each shard, of one server) and
# RATIO site/one.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-500000}
REPEAT=${REPEAT:-1}
WORK=${WORK:-/tmp/idr-bench-site}
BUILD=${BUILD:-$top/build-rel}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"
command -v taskset >/dev/null 2>&1 || die "taskset is needed"
[ "$(nproc)" -ge 2 ] || die "two cores are needed"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	say "== release build in $BUILD"
	cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BUILD" --target idr -j 2 >/dev/null
fi
IDR=$BUILD/tools/idr
[ -x "$IDR" ] || die "no idr in $BUILD"
mkdir -p "$WORK" "$OUT"

CSV=$WORK/items.csv
if [ ! -s "$CSV" ] || [ "$(($(wc -l <"$CSV") - 1))" -ne "$N" ]; then
	say "== generating $N items x 6 attributes (as import.sh)"
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

fresh() {
	rm -rf "$1"
	"$IDR" init --data "$1" --node-prefix 88.118 >/dev/null
	"$IDR" prefix add 88.118.8 --owner bench --data "$1" >/dev/null
}
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
# records a shard created, from its summary line "K created, ..."
created() { awk '/created/ { print $1; exit }' "$1"; }

one_rates=""
site_rates=""
s0_rates=""
s1_rates=""
for r in $(seq "$REPEAT"); do
	say "== round $r: load $(uptime | sed 's/.*load average: //')"
	say "== round $r: one server, idr import pinned to core 0"
	fresh "$WORK/one"
	sync
	t0=$(now)
	taskset -c 0 "$IDR" import --data "$WORK/one" "$CSV" >"$OUT/one.out"
	t1=$(now)
	cat "$OUT/one.out" >&2
	one_rates="$one_rates $(rate "$N" "$t0" "$t1")"

	say "== round $r: site of 2, shard 0 on core 0 and shard 1 on core 1, concurrently"
	fresh "$WORK/s0"
	fresh "$WORK/s1"
	sync
	t0=$(now)
	(
		taskset -c 0 "$IDR" import --data "$WORK/s0" "$CSV" --site-servers 2 --shard 0 \
			>"$OUT/s0.out"
		now >"$OUT/s0.end"
	) &
	p0=$!
	(
		taskset -c 1 "$IDR" import --data "$WORK/s1" "$CSV" --site-servers 2 --shard 1 \
			>"$OUT/s1.out"
		now >"$OUT/s1.end"
	) &
	p1=$!
	PIDS="$PIDS $p0 $p1"
	wait "$p0" || die "shard 0 failed"
	wait "$p1" || die "shard 1 failed"
	PIDS=""
	t1=$(now)
	cat "$OUT/s0.out" "$OUT/s1.out" >&2
	c0=$(created "$OUT/s0.out")
	c1=$(created "$OUT/s1.out")
	[ $((c0 + c1)) -eq "$N" ] || die "the shards created $c0 + $c1 records, not $N"
	site_rates="$site_rates $(rate "$N" "$t0" "$t1")"
	s0_rates="$s0_rates $(rate "$c0" "$t0" "$(cat "$OUT/s0.end")")"
	s1_rates="$s1_rates $(rate "$c1" "$t0" "$(cat "$OUT/s1.end")")"
done
say "== load: $(uptime)"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# shellcheck disable=SC2086
one=$(median $one_rates)
# shellcheck disable=SC2086
site=$(median $site_rates)
# shellcheck disable=SC2086
s0=$(median $s0_rates)
# shellcheck disable=SC2086
s1=$(median $s1_rates)
{
	printf 'FIGURE one_server_import_%s %s rows/s runs=%s (core 0)\n' "$N" "$one" "$one_rates"
	printf 'FIGURE site2_import_%s %s rows/s runs=%s (both shards, wall time of the pair)\n' \
		"$N" "$site" "$site_rates"
	printf 'FIGURE site2_shard0 %s records/s runs=%s (%s records, core 0)\n' "$s0" "$s0_rates" "$c0"
	printf 'FIGURE site2_shard1 %s records/s runs=%s (%s records, core 1)\n' "$s1" "$s1_rates" "$c1"
	awk -v a="$site" -v b="$one" 'BEGIN { printf "RATIO site/one %.2f\n", a / b }'
} | tee "$OUT/site_import.txt"

if [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$WORK/one" "$WORK/s0" "$WORK/s1"
fi
