#!/usr/bin/env bash
# journal_fold.sh - journal retention: `idr journal fold --before` folds the oldest entries
# into a checkpoint; `idr audit verify` still passes and says it starts at the checkpoint;
# `idr stats` shows fewer entries and the checkpoint; `idr export` is unchanged; bad options
# are refused; idrd with a short journal_fold_interval folds by age while it serves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

N=${JOURNAL_FOLD_ROWS:-3000}
CSV=$T/rows.csv
awk -v n="$N" 'BEGIN {
	print "id,kind,url,model,batch"
	for (i = 1; i <= n; i++) {
		printf "88.118.8/J-%05d,part,https://example.com/j/%d,MX-%d,B%05d\n", i, i, i % 97, i
	}
}' >"$CSV"

# stats_get EXPR: a value of `idr stats --json`
stats_get() {
	"$IDR_BIN" stats --data "$D" --json >"$T/stats.json" 2>"$T/stats.err" ||
		{ cat "$T/stats.err" >&2; fail "idr stats failed"; }
	check_sanitizer "$T/stats.err"
	json_get "$T/stats.json" "$1"
}

note "import $N rows, update 100"
ok "$IDR_BIN" init --data "$D" --node-prefix 88.118
ok "$IDR_BIN" prefix add 88.118.8 --data "$D" --owner "某某制造有限公司"
ok "$IDR_BIN" import --data "$D" "$CSV"
sed -e '2,101s/,MX-/,MY-/' "$CSV" >"$T/rows2.csv"
ok "$IDR_BIN" import --data "$D" --update "$T/rows2.csv"
expect_out "100 updated"
ok "$IDR_BIN" export --data "$D"
cp "$OUT" "$T/export.before"
head0=$(stats_get 'd["journal"]["head_seq"]')
assert_eq "$(stats_get 'd["journal"]["entries"]')" "$head0" "entries before a fold"
assert_eq "$(stats_get 'd["journal"]["checkpoint_seq"]')" 0 "checkpoint before a fold"

note "bad options change nothing"
expect_exit 64 "$IDR_BIN" journal fold --data "$D"
expect_err "say what to fold"
expect_exit 64 "$IDR_BIN" journal fold --data "$D" --before 0
expect_exit 64 "$IDR_BIN" journal fold --data "$D" --age 1y
expect_err "--age"
expect_exit 64 "$IDR_BIN" journal fold --data "$D" --keep-bytes 1MB
expect_exit 64 "$IDR_BIN" journal fold --data "$D" --before 10 --batch 0
expect_exit 64 "$IDR_BIN" journal list --data "$D"
assert_eq "$(stats_get 'd["journal"]["entries"]')" "$head0" "entries after refused folds"

note "dry run"
ok "$IDR_BIN" journal fold --data "$D" --before 2001 --dry-run
expect_out "would fold 2000 entries (seq 1 to 2000)"
assert_eq "$(stats_get 'd["journal"]["checkpoint_seq"]')" 0 "checkpoint after a dry run"

note "fold --before 2001 in steps of 700"
ok "$IDR_BIN" journal fold --data "$D" --before 2001 --batch 700
expect_out "folded 2000 entries"
expect_out "in 3 transactions; checkpoint seq 2000"
assert_eq "$(stats_get 'd["journal"]["checkpoint_seq"]')" 2000 "checkpoint after the fold"
assert_eq "$(stats_get 'd["journal"]["entries"]')" $((head0 - 2000)) "entries after the fold"
assert_eq "$(stats_get 'd["journal"]["head_seq"]')" "$head0" "head after the fold"
ok "$IDR_BIN" stats --data "$D"
expect_out "checkpoint:      seq 2000 (folded "
expect_out "journal entries: $((head0 - 2000))"
ok "$IDR_BIN" audit verify --data "$D"
expect_out "journal OK: $((head0 - 2000)) entries, $((N + 2)) records checked"
expect_out "from checkpoint seq 2000 (folded "
ok "$IDR_BIN" export --data "$D"
cmp -s "$OUT" "$T/export.before" || fail "idr export differs after the fold"

note "a second fold with a lower bound does nothing"
ok "$IDR_BIN" journal fold --data "$D" --before 100
expect_out "folded 0 entries"

note "idrd folds by age while serving"
idrd_conf "$T/idrd.conf" "journal_fold_interval 1" "journal_retention_age 2"
sleep 2 # every entry so far is older than the retention age
start_idrd "$T/idrd.conf" "$T/idrd.log"
http=$(port_of http)
n=0
while [ "$(stats_get 'd["journal"]["checkpoint_seq"]')" != "$head0" ]; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || { tail -n 20 "$T/idrd.log" >&2; fail "idrd did not fold within 10 s"; }
	sleep 0.1
done
code=$(curl -s -o "$T/get.json" -w '%{http_code}' "http://$http/api/handles/88.118.8/J-00007")
assert_eq "$code" 200 "GET of a record after the fold"
grep -qF "https://example.com/j/7" "$T/get.json" || fail "record 7 lost its URL"
# a write now is kept (younger than the retention age); audit runs beside idrd
ok "$IDR_BIN" register 88.118.8/J-NEW --data "$D" --kind part --url https://example.com/new
ok "$IDR_BIN" audit verify --data "$D"
expect_out "from checkpoint seq $head0"
sleep 3 # and folded once it is older
n=0
while [ "$(stats_get 'd["journal"]["entries"]')" != 0 ]; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || fail "idrd did not fold the new entry"
	sleep 0.1
done
stop_idrd "$T/idrd.log"
ok "$IDR_BIN" audit verify --data "$D"
expect_out "journal OK: 0 entries, $((N + 3)) records checked"
ok "$IDR_BIN" get 88.118.8/J-NEW --data "$D"
note "ok"
