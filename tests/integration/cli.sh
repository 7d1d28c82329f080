#!/usr/bin/env bash
# cli.sh - the idr command-line tool end to end: init, prefixes, register, get, every
# rejection rule with its exit status, import (bad rows, dry run, strict, re-run), export ->
# import -> export round trip, local changes (set, unset, delete, import --update) with their
# journal entries, audit verify, stats.
. "$(dirname "$0")/lib.sh"

D=$T/data
OWNER8="某某制造有限公司"

note "usage and help"
expect_exit 64 idr
ok idr help
expect_out "exit status"
for c in init prefix register set unset delete get import export audit stats; do
	ok idr help "$c"
	expect_out "usage: idr $c"
	ok idr "$c" --help
	expect_out "usage: idr $c"
done
expect_exit 64 idr frobnicate
expect_err "unknown command"
expect_exit 64 idr help frobnicate
expect_exit 64 idr get --bogus x
expect_err "unknown option '--bogus'"
expect_exit 64 idr get
expect_exit 64 idr import
expect_exit 64 idr init
expect_err "--node-prefix is required"
expect_exit 64 idr get x --data
expect_err "needs a value"
expect_exit 64 idr prefix frob
expect_exit 64 idr audit check

note "not initialised"
expect_exit 1 idr get 88.118.8/P-1
expect_err "not initialised"

note "init"
ok idr init --node-prefix 88.118 --owner "测试二级节点"
expect_out "initialised"
ok idr init --node-prefix 88.118
expect_out "already initialised"
expect_exit 1 idr init --node-prefix 88.119
expect_err "different node prefix"
# --data wins over $IDR_DATA
ok idr init --data "$T/other" --node-prefix 88.200
[ -d "$T/other" ] || fail "--data was not used"

note "global options before the command, version"
ok idr --data "$T/other" prefix list
expect_out "88.200"
grep -q "88.118" "$OUT" && fail "idr --data DIR used \$IDR_DATA"
ok idr --data="$T/other" prefix list --json
expect_out "88.200"
# the command's own --data wins over the global one
ok idr --data "$T/nowhere" prefix list --data "$T/other"
expect_out "88.200"
[ -e "$T/nowhere" ] && fail "the global --data was used over the command's"
expect_exit 1 idr --data "$T/nowhere" stats
expect_err "not initialised"
expect_exit 64 idr --data
expect_err "needs a value"
expect_exit 64 idr --bogus stats
expect_err "unknown option '--bogus'"
ok idr --help
expect_out "usage: idr [--data DIR] COMMAND"
ok idr --data "$T/other" help get
expect_out "usage: idr get"
version=$(sed -n 's/^project(idr VERSION \([0-9.]*\).*/\1/p' "$IDR_SRC/CMakeLists.txt")
[ -n "$version" ] || fail "no project version in CMakeLists.txt"
for v in version -V --version; do
	ok idr $v
	assert_eq "$(cat "$OUT")" "idr $version" "idr $v"
done
ok idr help
expect_out "version"

note "prefix add / list / set-state"
ok idr prefix add 88.118.8 --owner "$OWNER8"
expect_out "added 88.118.8"
ok idr prefix add 88.118.8 --owner "$OWNER8"
expect_out "unchanged 88.118.8"
expect_exit 1 idr prefix add 88.118.8 --owner "别的公司"
expect_err "different content"
expect_exit 1 idr prefix add 88.119.1 --owner x
expect_err "not beneath"
ok idr prefix add 88.118.9 --owner "另一家公司" --state 0
expect_exit 64 idr prefix add 88.118.7 --owner x --state 9
expect_exit 64 idr prefix add 88.118.7
ok idr prefix list
expect_out "88.118.8"
expect_out "$OWNER8"
expect_out "停用"
ok idr prefix list --json
cp "$OUT" "$T/prefixes.json"
json_valid "$T/prefixes.json"
assert_eq "$(json_get "$T/prefixes.json" '[p["state"] for p in d if p["prefix"]=="88.118.9"][0]')" 0 "88.118.9 state"
assert_eq "$(json_get "$T/prefixes.json" '[p["node"] for p in d if p["prefix"]=="88.118"][0]')" True "node flag"

note "register: created, unchanged, conflict"
ok idr register 88.118.8/P-000001 --kind part --url https://example.com/p/1 model=X1 batch=B7 "材料=铝合金"
expect_out "created 88.118.8/P-000001"
ok idr register 88.118.8/P-000001 --kind part --url https://example.com/p/1 model=X1 batch=B7 "材料=铝合金"
expect_out "unchanged 88.118.8/P-000001"
expect_exit 1 idr register 88.118.8/P-000001 --kind part model=X2
expect_err "idr register: 88.118.8/P-000001: already exists with different content: value 1 (URL) only here; value 2000 (model) is \"X1\" here, \"X2\" in the command; value 2001 (batch) only here; and 1 more"
expect_err "to change a registered record: idr set ID KEY=VALUE..."
expect_exit 1 idr register 88.118.8/p-000001 --kind wip
expect_err "different content"

note "get: table and JSON"
ok idr get 88.118.8/p-000001
expect_out "88.118.8/P-000001"
expect_out "kind: part"
expect_out "铝合金"
expect_out "https://example.com/p/1"
ok idr get 88.118.8/P-000001 --json
cp "$OUT" "$T/get.json"
json_valid "$T/get.json"
assert_eq "$(json_get "$T/get.json" 'd["handle"]')" "88.118.8/P-000001" "JSON handle"
assert_eq "$(json_get "$T/get.json" '[v["data"]["value"] for v in d["values"] if v["index"]==2002][0]')" "铝合金" "attribute 2002"
assert_eq "$(json_get "$T/get.json" '[v["type"] for v in d["values"] if v["index"]==2000][0]')" "model" "attribute 2000 type"
assert_eq "$(json_get "$T/get.json" '[v["data"]["value"] for v in d["values"] if v["index"]==10][0]')" "part" "kind value"
expect_exit 3 idr get 88.118.8/NOPE
expect_err "not found: 88.118.8/NOPE"
# --json: the not-found answer of idr resolve --json and the HTTP API
expect_exit 3 idr get 88.118.8/NOPE --json
assert_eq "$(cat "$OUT")" '{"responseCode":100,"handle":"88.118.8/NOPE"}' "get --json, not found"
expect_err "not found: 88.118.8/NOPE"

note "rejections, each with its rule"
expect_exit 1 idr register 88.120.1/X-1 --kind part
expect_err "not hosted by this node"
expect_exit 1 idr register 88.118.9/X-1 --kind part
expect_err "not enabled"
id255="88.118.8/$(head -c 246 /dev/zero | tr '\0' 'a')"
id256="${id255}b"
assert_eq "${#id255}" 255 "255-character identifier"
ok idr register "$id255" --kind part
expect_exit 1 idr register "$id256" --kind part
expect_err "longer than the configured limit"
ok idr register "$id256" --kind part --max-id-chars 256
# the message states the limit in force, not the default
expect_exit 1 idr register 88.118.8/ABCDEF --kind part --max-id-chars 5
expect_err "longer than the configured limit of 5 characters"
grep -q "255" "$ERR" && fail "--max-id-chars 5 message mentions 255: $(cat "$ERR")"
expect_exit 1 idr get 88.118.8/ABCDEF --max-id-chars 5
expect_err "limit of 5 characters"
expect_exit 1 idr register "88.118.8/$(printf 'bad\377utf8')" --kind part
expect_err "not valid UTF-8"
expect_exit 1 idr register "88.118.8/$(printf 'ctl\001x')" --kind part
expect_err "control character"
expect_exit 1 idr register 88.118.8/K-1 --kind gizmo
expect_err "unknown item kind"
expect_exit 1 idr register 88.118.8/K-1 --kind part HS_ADMIN=x
expect_err "'HS_ADMIN' is reserved"
expect_exit 1 idr register 88.118.8/K-1 --kind part URL=x
expect_err "'URL' is reserved"
expect_exit 1 idr register 88.118.8/K-1 --kind part item_kind=x
expect_err "reserved"
expect_exit 64 idr register 88.118.8/K-1 --kind part novalue
expect_exit 1 idr register 88.118.8/K-1 --kind part "=v"
expect_err "attribute key is empty"
expect_exit 1 idr register 88.118.8/K-1 --kind part a=1 A=2
expect_err "given twice"
expect_exit 1 idr register 88.118.8/ --kind part
expect_err "empty suffix"
# no '/' at all is not an empty suffix: the message says what is missing
expect_exit 1 idr register 88.118.8Q-NOSLASH --kind part
expect_err "88.118.8Q-NOSLASH: identifier has no '/' separating prefix and suffix"
expect_exit 1 idr get 88.118.8Q-NOSLASH
expect_err "no '/' separating prefix and suffix"
expect_exit 1 idr register 0.NA/88.118.8 --kind part
expect_exit 3 idr get 88.118.8/K-1

note "set-state"
ok idr prefix set-state 88.118.9 enabled
expect_out "启用"
ok idr register 88.118.9/L-1 --kind lot qty=100
ok idr prefix set-state 88.118.9 0
expect_exit 1 idr register 88.118.9/L-2 --kind lot
expect_err "not enabled"
expect_exit 64 idr prefix set-state 88.118.9 sleeping
# the message lists exactly the accepted forms: numbers, English names, Chinese labels
expect_err "0 disabled 停用, 1 enabled 启用, 2 deleting 待删除, 3 rejected 被驳回, 4 pending 待审核, 5 reviewing 审核中"
for st in 1 ENABLED 启用 停用; do
	ok idr prefix set-state 88.118.9 "$st"
done
expect_exit 64 idr prefix add 88.118.7 --owner x --state bogus
expect_err "5 reviewing 审核中"
expect_exit 1 idr prefix set-state 88.118.5 1
expect_exit 1 idr prefix set-state 88.118 0

note "import: bad rows reported and skipped, dry run, strict, re-run"
cat >"$T/items.csv" <<'CSV'
id,kind,url,model,batch,note
88.118.8/C-1,part,https://example.com/c/1,M1,B1,"hello, ""world"""
88.118.8/C-2,wip,,M2,,"two
lines"
88.118.8/C-3,gizmo,,M3,B3,x
88.118.8/C-4,product,,M4,B4
88.120.1/C-5,part,,M5,B5,x
88.118.8/C-6,process,,M6,B6,x
CSV
ok idr stats --json
cp "$OUT" "$T/s0.json"
before=$(json_get "$T/s0.json" 'd["records"]')
expect_exit 2 idr import "$T/items.csv" --dry-run
expect_out "dry run: 3 to create"
expect_err "items.csv:5: 88.118.8/C-3: kind 'gizmo'"
expect_err "items.csv:6: record has 5 fields, the header has 6"
expect_err "items.csv:7: 88.120.1/C-5: prefix is not hosted"
# rows and lines are counted: the two-line note of C-2 is no hidden row
expect_out "6 rows from 8 lines, 1 of them over lines 3-4"
ok idr stats --json
cp "$OUT" "$T/s1.json"
assert_eq "$(json_get "$T/s1.json" 'd["records"]')" "$before" "records after a dry run"
expect_exit 2 idr import --strict "$T/items.csv"
expect_out "nothing was written"
ok idr stats --json
cp "$OUT" "$T/s1.json"
assert_eq "$(json_get "$T/s1.json" 'd["records"]')" "$before" "records after a failed strict import"
expect_exit 2 idr import "$T/items.csv" --batch 2
expect_out "3 created, 0 unchanged, 3 bad rows (skipped)"
expect_exit 2 idr import "$T/items.csv"
expect_out "0 created, 3 unchanged, 3 bad rows"
ok idr get 88.118.8/C-1 --json
cp "$OUT" "$T/c1.json"
assert_eq "$(json_get "$T/c1.json" '[v["data"]["value"] for v in d["values"] if v["index"]==2002][0]')" 'hello, "world"' "quoted CSV field"
ok idr get 88.118.8/C-2 --json
cp "$OUT" "$T/c2.json"
assert_eq "$(json_get "$T/c2.json" '[v["data"]["value"] for v in d["values"] if v["index"]==2002][0]')" "$(printf 'two\nlines')" "multi-line CSV field"
assert_eq "$(json_get "$T/c2.json" 'len([v for v in d["values"] if v["index"]==2001])')" 0 "empty cell means no attribute"
# an unterminated quote: the bad record names every line it took, the summary counts them
printf '%s\n' 'id,kind,note' '88.118.8/Q-1,part,ok' '88.118.8/Q-2,part,"unterminated' \
	'88.118.8/Q-3,part,fine' >"$T/open.csv"
expect_exit 2 idr import --dry-run "$T/open.csv"
expect_err "open.csv:3-4: column 3 (note): the quoted field opened on line 3 is not closed before the end of the input"
expect_out "1 to create, 0 unchanged, 1 bad rows"
expect_out "2 rows from 4 lines, 1 of them over lines 3-4"
# ... closed by a later quote: named to the end of that line, the rows after it are read
printf '%s\n' 'id,kind,note' '88.118.8/Q-1,part,"open' '88.118.8/Q-2,part,x' \
	'88.118.8/Q-3,part,"q"' '88.118.8/Q-4,part,y' >"$T/later.csv"
expect_exit 2 idr import --dry-run "$T/later.csv"
expect_err "later.csv:2-4: column 3 (note): unexpected character after the closing quote (a quoted field runs over lines 2-4: is a closing quote missing?)"
expect_out "1 to create"
# ... or swallowing a row whole (valid CSV): rejected, the swallowed row named
printf '%s\n' 'id,kind,note' '88.118.8/Q-1,part,"open' '88.118.8/Q-2,part,x"' >"$T/swallow.csv"
expect_exit 2 idr import --dry-run "$T/swallow.csv"
expect_err "swallow.csv:2-3: column 3 (note): the quoted field opened on line 2 runs over line 3, which reads as a row of its own (88.118.8/Q-2)"
# a clean file, twice: the second run has nothing to do
printf 'handle,kind,batch\n88.118.8/D-1,lot,B1\n88.118.8/D-2,package,B1\n' >"$T/clean.csv"
ok idr import "$T/clean.csv"
expect_out "2 created"
ok idr import - <"$T/clean.csv"
expect_out "nothing to do: all 2 records already registered"
# strict with a conflict inside the file: nothing written
printf 'id,kind,m\n88.118.8/S-1,part,a\n88.118.8/S-1,part,b\n' >"$T/dup.csv"
expect_exit 2 idr import --strict "$T/dup.csv"
expect_err "dup.csv:3: 88.118.8/S-1 is a duplicate of line 2 (different content)"
expect_exit 3 idr get 88.118.8/S-1
# a repeated identifier names the earlier row's line, whatever the spelling or content (in a
# data directory of its own, so the counts at the end stay as they are)
ok idr init --data "$T/dupd" --node-prefix 88.118
ok idr prefix add --data "$T/dupd" 88.118.8 --owner x
awk 'BEGIN { print "id,kind,m"; for (i = 1; i <= 150; i++) printf "88.118.8/T-%03d,lot,x\n", i
	print "88.118.8/t-017,lot,x"; print "88.118.8/T-120,lot,y" }' >"$T/dup2.csv"
expect_exit 2 idr import --data "$T/dupd" "$T/dup2.csv"
expect_out "150 created, 0 unchanged, 2 bad rows"
expect_err "dup2.csv:152: 88.118.8/t-017 is a duplicate of line 18 (same content)"
expect_err "dup2.csv:153: 88.118.8/T-120 is a duplicate of line 121 (different content)"
# ... also when the first one was already registered before this import
expect_exit 2 idr import --data "$T/dupd" "$T/dup2.csv"
expect_out "0 created, 150 unchanged, 2 bad rows"
expect_err "dup2.csv:152: 88.118.8/t-017 is a duplicate of line 18"
# a bad header stops the import
printf 'id,model\nx,y\n' >"$T/nokind.csv"
expect_exit 1 idr import "$T/nokind.csv"
expect_err "no kind column"
expect_exit 1 idr import "$T/missing.csv"
# JSON lines
printf '%s\n' '{"id":"88.118.8/J-1","kind":"product","url":"https://example.com/j/1","attrs":{"model":"J","产地":"苏州"}}' \
	'{"id":"88.118.8/J-2","kind":"product","attrs":{"HS_SECKEY":"x"}}' >"$T/items.jsonl"
expect_exit 2 idr import "$T/items.jsonl"
expect_out "1 created"
expect_err "items.jsonl:2: 88.118.8/J-2: field 'attrs': attribute key 'HS_SECKEY' is reserved"

# an unknown key is a bad row naming it, never dropped: here "refs" for "references"
printf '%s\n' '{"handle":"88.118.8/J-R","kind":"part","values":[{"index":1,"type":"URL","data":"https://example.com/j/r","refs":[{"handle":"88.118.8/J-1","index":1}]}]}' \
	'{"id":"88.118.8/J-U","kind":"part","url":"https://example.com/j/u","atrs":{"model":"J"}}' >"$T/unknown.jsonl"
expect_exit 2 idr import "$T/unknown.jsonl"
expect_out "0 created"
expect_err "unknown.jsonl:1: 88.118.8/J-R: field 'values': values[0]: unknown member 'refs' (did you mean 'references'?)"
expect_err "unknown.jsonl:2: unknown field 'atrs' (did you mean 'attrs'?)"
expect_exit 3 idr get 88.118.8/J-R

# a malformed prefix line is a bad row, not a failure
printf '%s\n' '{"prefix":"88.118.8/x","owner":"y"}' '{"id":"88.118.8/J-3","kind":"lot"}' >"$T/pfx.jsonl"
expect_exit 2 idr import "$T/pfx.jsonl"
expect_out "1 created"
expect_err "pfx.jsonl:1: 88.118.8/x:"
# a full store stops the import with what to do about it
ok idr init --data "$T/small" --node-prefix 88.118 --map-size 1M
ok idr prefix add --data "$T/small" 88.118.8 --owner x
awk 'BEGIN { print "id,kind,a,b"; for (i = 0; i < 20000; i++) printf "88.118.8/F-%06d,part,%0200d,%0200d\n", i, i, i }' >"$T/full.csv"
expect_exit 1 idr import --data "$T/small" --map-size 1M --batch 100 "$T/full.csv"
expect_err "larger --map-size"
expect_err "run the import again to resume"
ok idr audit verify --data "$T/small"

# fill_up DIR MAPSIZE: a node in DIR, registered into until a write fails; the failed
# identifier is 88.118.8/F-$i, its output in $OUT and $ERR.
pad=$(printf '%0600d' 0)
fill_up() {
	ok idr init --data "$1" --node-prefix 88.118 --map-size "$2"
	ok idr prefix add --data "$1" 88.118.8 --owner x
	i=0
	while idr register --data "$1" "88.118.8/F-$i" --kind part "a=$pad" >"$OUT" 2>"$ERR"; do
		i=$((i + 1))
		[ "$i" -lt 2000 ] || fail "$1 never filled up"
	done
}

note "a full map says how to grow it, and idr init --map-size grows it"
fill_up "$T/tiny" 1M
expect_err "idr register: 88.118.8/F-$i: no space left: the store reached its map size (grow it with \`idr init --node-prefix PREFIX --map-size SIZE\`"
expect_err "or the disk is full (make room on the file system of the data directory)"
expect_err "the map is full; grow it with \`idr init --node-prefix PREFIX --map-size SIZE\`"
expect_exit 1 idr prefix add --data "$T/tiny" 88.118.7 --owner "$pad"
expect_err "idr prefix: 88.118.7: no space left: the store reached its map size"
ok idr init --data "$T/tiny" --node-prefix 88.118 --map-size 4M
expect_out "map size now 4.0 MiB"
ok idr stats --data "$T/tiny"
expect_out "map size 4.0 MiB"
ok idr register --data "$T/tiny" "88.118.8/F-$i" --kind part "a=$pad"
ok idr audit verify --data "$T/tiny"

if mkdir "$T/fs" && mount -t tmpfs -o size=256k tmpfs "$T/fs" 2>/dev/null; then
	note "a full disk says so"
	# unmounted whatever happens, before lib.sh removes $T
	trap 'rc=$?; umount "$T/fs" || true; (exit $rc); lib_cleanup' EXIT
	fill_up "$T/fs/d" 64M
	expect_err "store: commit: No space left on device: the disk may be full or failing; make room on the file system of the data directory"
	expect_err "idr register: 88.118.8/F-$i: no space left:"
	umount "$T/fs"
	trap lib_cleanup EXIT
else
	note "(cannot mount a small tmpfs here: the full-disk case is not tested)"
fi

note "export -> import into a fresh directory -> export: identical"
ok idr export -o "$T/e1.jsonl"
head -1 "$T/e1.jsonl" | grep -q '"node":true' || fail "export does not start with the node prefix"
while IFS= read -r line; do
	printf '%s\n' "$line" >"$T/line.json"
	json_valid "$T/line.json"
done <"$T/e1.jsonl"
ok idr export --prefix 88.118.8 -o "$T/e8.jsonl"
grep -q '"88.118.9' "$T/e8.jsonl" && fail "export --prefix 88.118.8 wrote 88.118.9"
grep -q '88.118.8/C-1' "$T/e8.jsonl" || fail "export --prefix 88.118.8 lacks C-1"
ok idr init --data "$T/copy" --node-prefix 88.118 --owner "测试二级节点"
# the 256-character identifier was registered with --max-id-chars 256
expect_exit 2 idr import --data "$T/copy" "$T/e1.jsonl" --dry-run
expect_err "longer than the configured limit of 255 characters"
ok idr import --data "$T/copy" "$T/e1.jsonl" --max-id-chars 256
ok idr export --data "$T/copy" -o "$T/e2.jsonl"
cmp "$T/e1.jsonl" "$T/e2.jsonl" || fail "export of the re-imported store differs"
ok idr import --data "$T/copy" "$T/e8.jsonl" --max-id-chars 256
expect_out "nothing to do"
# importing the export again changes nothing, also for the record under the now disabled
# prefix 88.118.9 (identical content is unchanged whatever the prefix state)
ok idr import --data "$T/copy" "$T/e1.jsonl" --max-id-chars 256
expect_out "nothing to do"
# but a new record under the disabled prefix is a bad row naming the rule
printf 'id,kind\n88.118.9/L-NEW,lot\n' >"$T/new9.csv"
expect_exit 2 idr import --data "$T/copy" "$T/new9.csv"
expect_err "88.118.9/L-NEW: prefix is hosted by this node but not enabled"
ok idr prefix list --data "$T/copy" --json
cp "$OUT" "$T/p2.json"
assert_eq "$(json_get "$T/p2.json" '[p["state"] for p in d if p["prefix"]=="88.118.9"][0]')" 0 "restored prefix state"
# prefix owners survive export -> import into a fresh directory -> export, also when it was
# made by 'idr init' without --owner (the node prefix takes the exported owner)
ok idr init --data "$T/fresh" --node-prefix 88.118
ok idr import --data "$T/fresh" "$T/e1.jsonl" --max-id-chars 256
expect_out "1 prefix owner taken from the input"
ok idr export --data "$T/fresh" -o "$T/e3.jsonl"
owners() { grep '"prefix":' "$1" | python3 -c 'import json, sys; [print(d["prefix"], d["owner"]) for d in map(json.loads, sys.stdin)]'; }
owners "$T/e1.jsonl" >"$T/owners1"
owners "$T/e3.jsonl" >"$T/owners3"
grep -qF "88.118 测试二级节点" "$T/owners1" || fail "node owner not exported: $(cat "$T/owners1")"
grep -qF "88.118.8 $OWNER8" "$T/owners1" || fail "88.118.8 owner not exported"
diff -u "$T/owners1" "$T/owners3" >&2 || fail "prefix owners differ after export -> import -> export"
cmp "$T/e1.jsonl" "$T/e3.jsonl" || fail "export of the fresh import differs"
ok idr audit verify --data "$T/fresh"
# a node or enterprise owner that differs is not replaced: a bad row naming both
ok idr init --data "$T/owned" --node-prefix 88.118 --owner "另一个节点"
ok idr prefix add --data "$T/owned" 88.118.8 --owner "别的公司"
expect_exit 2 idr import --data "$T/owned" "$T/e1.jsonl" --max-id-chars 256 --dry-run
expect_err "e1.jsonl:1: 88.118: hosted here with owner '另一个节点', the input says '测试二级节点' (left as it is)"
expect_err "e1.jsonl:2: 88.118.8: hosted here with owner '别的公司', the input says '$OWNER8' (left as it is)"
# a different node refuses the export's node line
ok idr init --data "$T/node2" --node-prefix 88.200
expect_exit 2 idr import --data "$T/node2" "$T/e1.jsonl"
expect_err "exported by node 88.118"

note "local changes: set, unset, delete (data directory of their own)"
E=$T/edit
# journal_entries: the number of journal entries of $E, as idr audit verify counts them
journal_entries() {
	ok idr audit verify --data "$E"
	sed -n 's/^journal OK: \([0-9]*\) entries.*/\1/p' "$OUT"
}
# unchanged_since FILE: the export of $E is still FILE (nothing was changed)
unchanged_since() {
	ok idr export --data "$E" -o "$T/now.jsonl"
	cmp -s "$1" "$T/now.jsonl" || fail "the data changed: $(diff "$1" "$T/now.jsonl" | head -5)"
}
ok idr init --data "$E" --node-prefix 88.118
ok idr prefix add --data "$E" 88.118.8 --owner x
ok idr prefix add --data "$E" 88.118.9 --owner y --state 0
ok idr register --data "$E" 88.118.8/E-1 --kind part --url https://example.com/e/1 model=X1 batch=B7
j0=$(journal_entries)
ok idr set --data "$E" 88.118.8/e-1 Model=X2 colour=红 --url https://example.com/e/2
expect_out "updated 88.118.8/e-1"
expect_out '  1 URL: "https://example.com/e/1" -> "https://example.com/e/2"'
expect_out '  2000 model: "X1" -> "X2"'
expect_out '  2002 colour: added "红"'
# one journal entry per kind of change: modify, add
assert_eq "$(journal_entries)" $((j0 + 2)) "journal entries after set"
ok idr get --data "$E" 88.118.8/E-1 --json
cp "$OUT" "$T/e1.json"
assert_eq "$(json_get "$T/e1.json" '[(v["type"], v["data"]["value"]) for v in d["values"] if v["index"] >= 2000]')" "[('model', 'X2'), ('batch', 'B7'), ('colour', '红')]" "set: attributes keep their index"
assert_eq "$(json_get "$T/e1.json" '[v["data"]["value"] for v in d["values"] if v["index"] == 1][0]')" "https://example.com/e/2" "set --url"
# the same values again: nothing written
ok idr set --data "$E" 88.118.8/E-1 model=X2
expect_out "unchanged 88.118.8/E-1 (it already holds these values)"
assert_eq "$(journal_entries)" $((j0 + 2)) "journal entries after an unchanged set"
ok idr set --data "$E" 88.118.8/E-1 --kind lot
expect_out '  10 ITEM_KIND: "part" -> "lot"'
ok idr get --data "$E" 88.118.8/E-1
expect_out "kind: lot"
ok idr stats --data "$E" --json
cp "$OUT" "$T/es.json"
assert_eq "$(json_get "$T/es.json" 'd["by_kind"]')" "{'-': 3, 'lot': 1}" "kind counters follow set --kind"
ok idr export --data "$E" -o "$T/before.jsonl"
j1=$(journal_entries)
# every failure names what is wrong, exits non-zero and changes nothing
expect_exit 3 idr set --data "$E" 88.118.8/NOPE a=1
expect_err "idr set: 88.118.8/NOPE: not registered (create it with idr register ID --kind KIND"
expect_exit 64 idr set --data "$E" 88.118.8/E-1
expect_err "nothing to set: give KEY=VALUE, --url or --kind"
expect_exit 64 idr set --data "$E" 88.118.8/E-1 model=
expect_err "(to remove one: idr unset ID KEY)"
expect_exit 64 idr set --data "$E"
expect_exit 1 idr set --data "$E" 88.118.8/E-1 HS_ADMIN=x
expect_err "attribute key 'HS_ADMIN' is reserved"
expect_exit 1 idr set --data "$E" 88.118.8/E-1 a=1 A=2
expect_err "attribute key 'A' is given twice"
expect_exit 1 idr set --data "$E" 88.118.8/E-1 --kind gizmo
expect_err "kind 'gizmo'"
expect_exit 1 idr set --data "$E" 88.118.8/E-1 --url ""
expect_err "--url: empty (to remove the URL: idr unset ID url)"
expect_exit 1 idr set --data "$E" 88.118.8/E-1 "a=$(printf 'bad\377')"
expect_err "value is not valid UTF-8"
expect_exit 1 idr set --data "$E" 0.NA/88.118.8 --kind part
expect_err "idr set: 0.NA/88.118.8: attribute uses a reserved value type or index"
expect_exit 1 idr set --data "$E" bad a=1
expect_err "idr set: bad: identifier has no '/'"
expect_exit 3 idr unset --data "$E" 88.118.8/NOPE a
expect_err "idr unset: 88.118.8/NOPE: not registered"
expect_exit 1 idr unset --data "$E" 88.118.8/E-1 colour weight
expect_err "idr unset: 88.118.8/E-1: no value with key \"weight\" to remove"
expect_exit 1 idr unset --data "$E" 88.118.8/E-1 kind
expect_err "the kind of an item cannot be removed (change it with idr set ID --kind KIND)"
expect_exit 1 idr unset --data "$E" 88.118.8/E-1 HS_ADMIN
expect_err "is reserved"
expect_exit 1 idr unset --data "$E" 88.118.8/E-1 colour COLOUR
expect_err "key 'COLOUR' is given twice"
expect_exit 64 idr unset --data "$E" 88.118.8/E-1
expect_err "nothing to remove"
expect_exit 3 idr delete --data "$E" 88.118.8/E-1 88.118.8/NOPE
expect_err "idr delete: 88.118.8/NOPE: not registered (nothing was deleted)"
expect_exit 1 idr delete --data "$E" 0.NA/88.118.8
expect_err "a prefix handle; prefixes are managed with idr prefix"
expect_exit 1 idr delete --data "$E" 88.118.8/E-1 88.118.8/e-1
expect_err "88.118.8/e-1 is given twice"
expect_exit 64 idr delete --data "$E"
unchanged_since "$T/before.jsonl"
assert_eq "$(journal_entries)" "$j1" "journal entries after failures"
# unset: several keys in one go, one journal entry
ok idr unset --data "$E" 88.118.8/E-1 colour URL
expect_out '  1 URL: removed "https://example.com/e/2"'
expect_out '  2002 colour: removed "红"'
assert_eq "$(journal_entries)" $((j1 + 1)) "journal entries after unset"
ok idr get --data "$E" 88.118.8/E-1 --json
cp "$OUT" "$T/e1.json"
assert_eq "$(json_get "$T/e1.json" 'sorted(v["index"] for v in d["values"])')" "[10, 100, 2000, 2001]" "values after unset"
# delete prints what it deleted; --json restores with idr import
ok idr register --data "$E" 88.118.8/E-2 --kind wip a=1
j2=$(journal_entries)
ok idr delete --data "$E" 88.118.8/E-2
assert_eq "$(cat "$OUT")" "deleted 88.118.8/E-2 (wip, 3 values)" "delete output"
expect_exit 3 idr get --data "$E" 88.118.8/E-2
ok idr export --data "$E" -o "$T/before.jsonl"
ok idr delete --data "$E" 88.118.8/e-1 --json
cp "$OUT" "$T/deleted.jsonl"
expect_exit 3 idr get --data "$E" 88.118.8/E-1
assert_eq "$(journal_entries)" $((j2 + 2)) "journal entries after two deletes"
ok idr import --data "$E" "$T/deleted.jsonl"
expect_out "1 created"
unchanged_since "$T/before.jsonl"
ok idr stats --data "$E" --json
cp "$OUT" "$T/es.json"
assert_eq "$(json_get "$T/es.json" 'd["by_kind"]')" "{'-': 3, 'lot': 1}" "kind counters after delete and restore"

note "import --update: created / updated / unchanged / bad, exactly"
printf '%s\n' 'id,kind,url,colour,weight' '88.118.8/U-1,part,https://a,red,1kg' \
	'88.118.8/U-2,part,,blue,' '88.118.8/U-3,lot,,,' >"$T/u1.csv"
ok idr import --data "$E" "$T/u1.csv"
expect_out "3 created, 0 unchanged, 0 bad rows"
ok idr set --data "$E" 88.118.8/U-1 extra=1
printf '%s\n' 'id,kind,url,colour,weight' '88.118.8/U-1,part,https://a,green,1kg' \
	'88.118.8/U-2,part,,blue,' '88.118.8/U-3,part,,,' '88.118.8/U-4,wip,,x,' 'bad,part,,,' >"$T/u2.csv"
ok idr export --data "$E" -o "$T/before.jsonl"
j3=$(journal_entries)
# without --update: conflicts name the values that differ, nothing is changed
expect_exit 2 idr import --data "$E" "$T/u2.csv" --dry-run
expect_err 'u2.csv:2: 88.118.8/U-1: already exists with different content: value 2000 (colour) is "red" here, "green" in the row; value 2002 (extra) only here'
expect_err 'u2.csv:4: 88.118.8/U-3: already exists with different content: value 10 (ITEM_KIND) is "lot" here, "part" in the row'
expect_err "idr import: 2 rows conflict with registered records; --update makes the records what the rows say"
expect_out "dry run: 1 to create, 1 unchanged, 3 bad rows; nothing was written"
expect_exit 2 idr import --data "$E" "$T/u2.csv" --update --dry-run
expect_out "dry run: 1 to create, 2 to update, 1 unchanged, 1 bad rows; nothing was written"
expect_exit 2 idr import --data "$E" "$T/u2.csv" --update --strict
expect_out "strict: 1 bad rows, nothing was written (would have been: 1 created, 2 updated, 1 unchanged)"
unchanged_since "$T/before.jsonl"
assert_eq "$(journal_entries)" "$j3" "journal entries after dry runs"
expect_exit 2 idr import --data "$E" "$T/u2.csv" --update
expect_out "1 created, 2 updated, 1 unchanged, 1 bad rows (skipped)"
expect_err "u2.csv:6: bad: identifier has no '/'"
# U-4 created (1), U-1 modify + remove (2), U-3 modify (1)
assert_eq "$(journal_entries)" $((j3 + 4)) "journal entries after import --update"
ok idr get --data "$E" 88.118.8/U-1 --json
cp "$OUT" "$T/u.json"
assert_eq "$(json_get "$T/u.json" '[(v["index"], v["data"]["value"]) for v in d["values"] if v["index"] >= 2000]')" "[(2000, 'green'), (2001, '1kg')]" "updated attributes"
ok idr get --data "$E" 88.118.8/U-3
expect_out "kind: part"
# the file is now what is registered: with or without --update, nothing to do
expect_exit 2 idr import --data "$E" "$T/u2.csv"
expect_out "0 created, 4 unchanged, 1 bad rows"
expect_exit 2 idr import --data "$E" "$T/u2.csv" --update
expect_out "0 created, 0 updated, 4 unchanged, 1 bad rows"
ok idr import --data "$E" "$T/u1.csv" --update
expect_out "0 created, 2 updated, 1 unchanged, 0 bad rows"
ok idr audit verify --data "$E"

note "audit verify"
ok idr audit verify
expect_out "journal OK"
expect_out "head "
ok idr audit verify --data "$T/copy"

note "stats"
ok idr stats
expect_out "records:"
ok idr stats --json
cp "$OUT" "$T/stats.json"
json_valid "$T/stats.json"
# items: P-000001, id255, id256, L-1, C-1 C-2 C-6, D-1 D-2, J-1 J-3 = 11, plus three prefix
# handles
assert_eq "$(json_get "$T/stats.json" 'sum(v for k, v in d["by_kind"].items() if k != "-")')" 11 "items by kind"
assert_eq "$(json_get "$T/stats.json" 'd["by_kind"]["part"]')" 4 "parts"
assert_eq "$(json_get "$T/stats.json" 'd["by_kind"]["lot"]')" 3 "lots"
assert_eq "$(json_get "$T/stats.json" 'sum(p["records"] for p in d["by_prefix"] if p["prefix"]=="88.118.9")')" 1 "records under 88.118.9"
assert_eq "$(json_get "$T/stats.json" 'd["records"]')" 14 "records in total"
[ "$(json_get "$T/stats.json" 'd["store"]["file_bytes"] > 0')" = True ] || fail "store size"
echo "PASS: $TEST_NAME"
