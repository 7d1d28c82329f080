#!/usr/bin/env bash
# import_resume.sh - SIGKILL `idr import` mid-way through 100,000 rows, run it again, and end
# with exactly the expected records, each equal to its row, and a journal that verifies; a
# third run has nothing to do.
. "$(dirname "$0")/lib.sh"

N=${IMPORT_RESUME_ROWS:-100000}
CSV=$T/rows.csv

note "generate $N rows"
awk -v n="$N" 'BEGIN {
	split("part wip process product lot package", kinds, " ")
	print "id,kind,url,model,batch,material,station,operator,produced"
	for (i = 1; i <= n; i++) {
		printf "88.118.8/R-%06d,%s,https://example.com/r/%d,MX-%d,B%05d,\"AlSi10Mg, cast\",ST-%02d,op%03d,2024-%02d-%02d\n",
			i, kinds[(i % 6) + 1], i, i % 97, int(i / 500), i % 40, i % 211, (i % 12) + 1, (i % 28) + 1
	}
}' >"$CSV"
[ "$(wc -l <"$CSV")" -eq $((N + 1)) ] || fail "generator wrote $(wc -l <"$CSV") lines"

# items registered under 88.118.8 according to the counters
items() {
	"$IDR_BIN" stats --json >"$T/stats.json" 2>"$T/stats.err" || { cat "$T/stats.err" >&2; fail "idr stats failed"; }
	check_sanitizer "$T/stats.err"
	json_get "$T/stats.json" 'sum(p["records"] for p in d["by_prefix"] if p["prefix"].upper()=="88.118.8")'
}

# one attempt: fresh store, start the import, SIGKILL it as soon as some batch is committed
attempt() {
	rm -rf "$IDR_DATA"
	ok idr init --node-prefix 88.118
	ok idr prefix add 88.118.8 --owner "某某制造有限公司"
	start_bg "$T/import1.log" "$IDR_BIN" import --batch "$1" "$CSV"
	pid=$LAST_PID
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$(items)
		if [ "$n" -gt 0 ]; then
			break
		fi
		sleep 0.05
	done
	stop_pid "$pid" KILL
	check_sanitizer "$T/import1.log"
	KILLED_AT=$(items)
	echo "attempt with --batch $1: killed with $KILLED_AT of $N records committed (status $STOP_STATUS)"
	[ "$STOP_STATUS" -eq 137 ] && [ "$KILLED_AT" -gt 0 ] && [ "$KILLED_AT" -lt "$N" ]
}

note "import, SIGKILL mid-way"
done_mid=0
for batch in 2000 1000 500 250; do
	if attempt "$batch"; then
		done_mid=1
		break
	fi
done
[ "$done_mid" = 1 ] || fail "could not kill the importer mid-way"

note "run the import again"
ok idr import --batch 2000 "$CSV"
cat "$OUT"
created=$(sed -n 's/^\([0-9]*\) created, \([0-9]*\) unchanged, 0 bad rows.*/\1/p' "$OUT")
unchanged=$(sed -n 's/^\([0-9]*\) created, \([0-9]*\) unchanged, 0 bad rows.*/\2/p' "$OUT")
[ -n "$created" ] || fail "unexpected summary: $(cat "$OUT")"
assert_eq "$((created + unchanged))" "$N" "created + unchanged"
assert_eq "$unchanged" "$KILLED_AT" "rows committed before the kill are unchanged"
assert_eq "$(items)" "$N" "records after resuming"

note "sample records equal their rows"
for i in 1 2 3 500 501 $((KILLED_AT)) $((KILLED_AT + 1)) 49999 77777 $N; do
	[ "$i" -ge 1 ] && [ "$i" -le "$N" ] || continue
	id=$(printf '88.118.8/R-%06d' "$i")
	ok idr get "$id" --json
	cp "$OUT" "$T/rec.json"
	sed -n "$((i + 1))p" "$CSV" >"$T/row.csv"
	python3 - "$T/rec.json" "$T/row.csv" "$id" <<'PY' || fail "record $id differs from its row"
import csv, json, sys
rec = json.load(open(sys.argv[1]))
row = next(csv.reader(open(sys.argv[2], newline="")))
head = ["id", "kind", "url", "model", "batch", "material", "station", "operator", "produced"]
vals = {v["index"]: v for v in rec["values"]}
assert rec["handle"] == sys.argv[3] == row[0], (rec["handle"], row[0])
assert vals[10]["type"] == "ITEM_KIND" and vals[10]["data"]["value"] == row[1]
assert vals[1]["type"] == "URL" and vals[1]["data"]["value"] == row[2]
for k, name in enumerate(head[3:]):
    v = vals[2000 + k]
    assert v["type"] == name and v["data"]["value"] == row[3 + k], (name, v, row[3 + k])
assert set(vals) == {1, 10, 100} | {2000 + k for k in range(6)}, sorted(vals)
PY
done

note "audit verify"
ok idr audit verify
expect_out "journal OK"

note "a third run has nothing to do"
ok idr import "$CSV"
expect_out "nothing to do: all $N records already registered"
echo "PASS: $TEST_NAME"
