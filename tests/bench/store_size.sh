#!/usr/bin/env bash
# store_size.sh - store size per item (issue 10 "Benchmarks"): N items x 6 attributes (the rows
# of import.sh, ~300 bytes) imported with `idr import` into a fresh store, then
#   1. before the fold: data.mdb's size (du) and the per-database pages (`mdb_stat -a`), with
#      `idr stats`'s journal share;
#   2. `idr journal fold --before HEAD+1` (every journal entry), then a compacted copy
#      (`mdb_copy -c`: LMDB files never shrink, freed pages stay in the file until a copy);
#   3. the baseline "mdb_load of the same keys and bytes": the folded store's `handles`
#      database dumped with `mdb_dump -s handles` and loaded with `mdb_load` into a fresh
#      environment (compacted the same way, so both sides are measured without free pages);
#      and, for scale, mdb_load of the CSV rows themselves (key: the upper-cased id, value: the
#      rest of the row, as import.sh loads them).
#
# usage: tests/bench/store_size.sh
# env:   N=1000000 WORK=/tmp/idr-bench-size BUILD=<repo>/build-rel SKIP_BUILD=0 KEEP=0
# Output: FIGURE lines (bytes per item) and RATIO after_fold/mdb_load (target <= 2).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000000}
WORK=${WORK:-/tmp/idr-bench-size}
BUILD=${BUILD:-$top/build-rel}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"
for t in mdb_copy mdb_dump mdb_load mdb_stat; do
	command -v "$t" >/dev/null 2>&1 || die "$t is needed (apt-get install lmdb-utils)"
done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	say "== release build in $BUILD"
	cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BUILD" --target idr -j 2 >/dev/null
fi
IDR=$BUILD/tools/idr
[ -x "$IDR" ] || die "no idr in $BUILD"
D=$WORK/idr-data
rm -rf "$D" "$WORK/compact" "$WORK/mdb" "$WORK/mdb-compact" "$WORK/mdb-csv" "$WORK/mdb-csv-compact"
mkdir -p "$WORK" "$OUT" "$WORK/compact" "$WORK/mdb" "$WORK/mdb-compact" "$WORK/mdb-csv" \
	"$WORK/mdb-csv-compact"
say "== load: $(uptime)"

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
bytes=$(($(wc -c <"$CSV") - $(head -1 "$CSV" | wc -c)))
say "   $N items, $bytes bytes of rows ($((bytes / N)) bytes per item)"

# bytes of a file as du counts them (allocated blocks), and per item
du_bytes() { du -B1 "$1" | cut -f1; }
per_item() { awk -v b="$1" -v n="$N" 'BEGIN { printf "%.1f", b / n }'; }
# the pages of each named database (mdb_stat -a), in bytes and per item
per_db() {
	mdb_stat -a "$1" | awk -v n="$N" -v ps=4096 '
		/^Status of / { name = substr($0, 11) }
		/Branch pages:|Leaf pages:|Overflow pages:/ { pages[name] += $3 }
		/Entries:/ { ent[name] = $2 }
		END {
			for (d in pages) if (pages[d] > 0)
				printf "   %-10s %9d entries %12d bytes %8.1f bytes/item\n", d, ent[d], pages[d] * ps, pages[d] * ps / n
		}' | sort -k4 -n -r
}

say "== idr import of $N items (release, --batch 10000)"
"$IDR" init --data "$D" --node-prefix 88.118 >/dev/null
"$IDR" prefix add 88.118.8 --owner "某某制造有限公司" --data "$D" >/dev/null
"$IDR" import --data "$D" "$CSV" >"$OUT/import.out"
cat "$OUT/import.out" >&2
sync
before=$(du_bytes "$D/data.mdb")
say "== before the fold: data.mdb $before bytes; per database:"
per_db "$D" | tee "$OUT/db-before.txt" >&2
"$IDR" stats --data "$D" | tail -5 | tee "$OUT/stats-before.txt" >&2

head=$("$IDR" stats --json --data "$D" | python3 -c 'import json, sys; print(json.load(sys.stdin)["journal"]["head_seq"])')
say "== idr journal fold --before $((head + 1)) (every entry)"
"$IDR" journal fold --before $((head + 1)) --data "$D" >&2
"$IDR" stats --data "$D" | tail -5 | tee "$OUT/stats-after.txt" >&2
# pages in use: the pages up to the last one used, less those on LMDB's free list
used_after=$(mdb_stat -ef "$D" | awk -v ps=4096 '/Number of pages used:/ { u = $5 }
	/Free pages:/ { f = $3 } END { print (u - f) * ps }')
file_after=$(du_bytes "$D/data.mdb")
mdb_copy -c "$D" "$WORK/compact"
compact=$(du_bytes "$WORK/compact/data.mdb")
say "== after the fold: data.mdb $file_after bytes (file), $used_after in use, compacted copy $compact; per database:"
per_db "$WORK/compact" | tee "$OUT/db-after.txt" >&2

say "== baseline: mdb_dump -s handles | mdb_load into a fresh environment"
mdb_dump -s handles "$D" >"$WORK/handles.dump"
# mdb_dump of a named database carries a database= line; without -s mdb_load puts the
# records in the main database, as an application with one table would
grep -v '^database=' "$WORK/handles.dump" | mdb_load "$WORK/mdb"
keys=$(mdb_stat "$WORK/mdb" | awk '/Entries:/ { print $2 }')
# the key and value bytes themselves (the dump's hex lines, 2 digits a byte): the floor
payload=$(awk '/^ / { b += (length($0) - 1) / 2 } END { printf "%d", b }' "$WORK/handles.dump")
mdb_file=$(du_bytes "$WORK/mdb/data.mdb")
mdb_copy -c "$WORK/mdb" "$WORK/mdb-compact"
mdb_compact=$(du_bytes "$WORK/mdb-compact/data.mdb")
say "   $keys keys; data.mdb $mdb_file bytes, compacted $mdb_compact"

say "== second baseline: mdb_load of the CSV rows (key: the upper-cased id, value: the rest, as import.sh)"
python3 - "$CSV" "$WORK/csv.dump" <<'PY'
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
mdb_load -f "$WORK/csv.dump" "$WORK/mdb-csv"
mdb_copy -c "$WORK/mdb-csv" "$WORK/mdb-csv-compact"
csv_compact=$(du_bytes "$WORK/mdb-csv-compact/data.mdb")
rm -f "$WORK/csv.dump"
say "== load: $(uptime)"

{
	printf 'FIGURE store_before_fold_%s %s bytes/item (data.mdb %s MiB)\n' "$N" \
		"$(per_item "$before")" "$((before / 1048576))"
	printf 'FIGURE store_after_fold_in_use_%s %s bytes/item (pages in use less free pages; the file keeps its size)\n' \
		"$N" "$(per_item "$used_after")"
	printf 'FIGURE store_after_fold_compacted_%s %s bytes/item (mdb_copy -c, %s MiB)\n' "$N" \
		"$(per_item "$compact")" "$((compact / 1048576))"
	printf 'FIGURE mdb_load_%s %s bytes/item compacted (%s bytes/item as loaded, %s keys)\n' \
		"$N" "$(per_item "$mdb_compact")" "$(per_item "$mdb_file")" "$keys"
	printf 'FIGURE handles_key_value_bytes_%s %s bytes/item (no page overhead)\n' "$N" \
		"$(per_item "$payload")"
	awk -v a="$compact" -v b="$mdb_compact" -v c="$before" 'BEGIN {
		printf "RATIO after_fold/mdb_load %.2f (target <= 2)\n", a / b
		printf "RATIO before_fold/mdb_load %.2f\n", c / b }'
	printf 'FIGURE mdb_load_csv_rows_%s %s bytes/item compacted (the CSV bytes, not the records)\n' \
		"$N" "$(per_item "$csv_compact")"
	awk -v a="$compact" -v b="$csv_compact" 'BEGIN {
		printf "RATIO after_fold/mdb_load_csv_rows %.2f\n", a / b }'
} | tee "$OUT/store_size.txt"

if [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$D" "$WORK/compact" "$WORK/mdb" "$WORK/mdb-compact" "$WORK/handles.dump" \
		"$WORK/mdb-csv" "$WORK/mdb-csv-compact"
fi
