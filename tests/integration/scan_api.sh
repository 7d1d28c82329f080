#!/usr/bin/env bash
# scan_api.sh - scanners end to end (issue 9 "Scanners"): idr gen -> idr import --alias gs1 ->
# idr label --datamatrix -> ZXingReader (Debian zxing-cpp-tools)
# -> the decoded bytes POSTed to /api/v1/scan of a real idrd -> the right record and its
# recent events; the GET forms (element string with GS, HRI, Digital Link, handle URL, EPC hex
# through an alias of its URN); idr alias and idr scan (stdin, as a wedge scanner types);
# errors naming what was wrong (400 not recognised, 404 no item).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

GTIN=06901234567892
KEY="(01)${GTIN}(21)SN000002"
GS=$(printf '\035')

# urlenc STRING: percent-encode everything outside the unreserved set
urlenc() {
	python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# get_scan STATUS QUERY: GET /api/v1/scan?QUERY, body in $T/b
get_scan() {
	code=$(curl -s -o "$T/b" -w '%{http_code}' "http://$HTTP/api/v1/scan?$2")
	[ "$code" = "$1" ] || { head -c 2000 "$T/b" >&2; fail "GET ?$2: HTTP $code, want $1"; }
	json_valid "$T/b"
}

# post_scan STATUS FILE: POST FILE's bytes, body in $T/b
post_scan() {
	code=$(curl -s -o "$T/b" -w '%{http_code}' --data-binary "@$2" \
		-H 'Content-Type: application/octet-stream' "http://$HTTP/api/v1/scan")
	[ "$code" = "$1" ] || { head -c 2000 "$T/b" >&2; fail "POST $2: HTTP $code, want $1"; }
	json_valid "$T/b"
}

note "data: products with GTIN, lot and serial; aliases from the gs1 column"
ok "$IDR_BIN" init --data "$D" --node-prefix 88.118 --owner "测试二级节点"
ok "$IDR_BIN" prefix add 88.118.8 --data "$D" --owner "某某制造有限公司"
ok "$IDR_BIN" gen --prefix 88.118.8 --kind product --count 5 --gtin 6901234.56789 --lot L7 \
	--pattern 'M-{serial}' --serial 'SN{seq:6}' -o "$T/m.csv"
ok "$IDR_BIN" import "$T/m.csv" --data "$D" --alias gs1
expect_out "5 created, 0 unchanged, 5 aliases added"
ok "$IDR_BIN" alias list 88.118.8/M-SN000002 --data "$D"
assert_eq "$(cat "$OUT")" "$KEY" "alias from the gs1 column (lot dropped beside the serial)"

note "idr alias: EPC URN, OID; conflicts and bad aliases write nothing"
ok "$IDR_BIN" alias add 88.118.8/M-SN000003 --data "$D" urn:epc:id:sgtin:0614141.812345.6789 \
	oid:1.2.156.3001.3 "ma:ma.156.m0.100001.3"
expect_out "added ma:MA.156.M0.100001.3 -> 88.118.8/M-SN000003"
expect_exit 1 "$IDR_BIN" alias add 88.118.8/M-SN000004 --data "$D" oid:1.2.156.3001.4 \
	"(01)${GTIN}(21)SN000003"
expect_err "(01)${GTIN}(21)SN000003 is an alias of 88.118.8/M-SN000003 already (nothing written)"
expect_exit 0 "$IDR_BIN" alias list 88.118.8/M-SN000004 --data "$D"
assert_eq "$(cat "$OUT")" "(01)${GTIN}(21)SN000004" "nothing of the refused command written"
expect_exit 1 "$IDR_BIN" alias add 88.118.8/M-SN000004 --data "$D" 88.118.8/M-SN000001
expect_err "is a handle"
expect_exit 1 "$IDR_BIN" alias add 88.118.8/M-SN000004 --data "$D" "(01)06901234567893"
expect_err "(01) check digit is 3, expected 2"
expect_exit 3 "$IDR_BIN" alias add 88.118.8/NOPE --data "$D" oid:1.2.9
expect_err "the handle is not registered here"
ok "$IDR_BIN" alias add 88.118.8/M-SN000005 --data "$D" oid:1.2.156.3001.5
ok "$IDR_BIN" alias rm oid:1.2.156.3001.5 --data "$D"
expect_exit 3 "$IDR_BIN" alias rm oid:1.2.156.3001.5 --data "$D"

note "events of M-SN000002"
ok "$IDR_BIN" event add 88.118.8/M-SN000002 --data "$D" --biz-step commissioning \
	--disposition active --time 2024-06-01T08:00:00+08:00
ok "$IDR_BIN" event add 88.118.8/M-SN000002 --data "$D" --biz-step shipping \
	--disposition in_transit --time 2024-06-02T08:00:00+08:00

note "idr scan: stdin as a wedge scanner types it (CR LF), exit codes like idr get"
printf ']d201%s10L7%s21SN000002\r\n' "$GTIN" "$GS" >"$T/wedge"
expect_exit 0 "$IDR_BIN" scan --data "$D" - <"$T/wedge"
expect_out "alias (01)${GTIN}(21)SN000002 -> 88.118.8/M-SN000002"
expect_out "shipping  in_transit"
printf '88.118.8/M-SN000001\n(01)%s(21)SN000099\n' "$GTIN" >"$T/two"
expect_exit 3 "$IDR_BIN" scan --data "$D" <"$T/two"
expect_out "-> 88.118.8/M-SN000001"
expect_err "no item with alias (01)${GTIN}(21)SN000099 here"
expect_exit 1 "$IDR_BIN" scan --data "$D" "(01)06901234567893"
expect_err "(01) check digit is 3, expected 2"

idrd_conf "$T/idrd.conf"
start_idrd "$T/idrd.conf" "$T/idrd.log"
HTTP=$(port_of http)

note "label -> ZXingReader -> POST /api/v1/scan"
ok "$IDR_BIN" label 88.118.8/M-SN000002 --data "$D" --datamatrix -o "$T/m2.png"
command -v ZXingReader >/dev/null 2>&1 || fail "ZXingReader is needed (deploy/deps.sh test)"
ZXingReader "$T/m2.png" >"$T/zx.txt" 2>&1 || { cat "$T/zx.txt" >&2; fail "ZXingReader"; }
{
	printf '%s' "$(sed -n 's/^Identifier: *//p' "$T/zx.txt")"
	ZXingReader -bytes "$T/m2.png"
} >"$T/scan"
grep -q "$GS" "$T/scan" || fail "the decoded DataMatrix has no GS"
post_scan 200 "$T/scan"
assert_eq "$(json_get "$T/b" 'd["handle"]')" 88.118.8/M-SN000002 "POST handle"
assert_eq "$(json_get "$T/b" 'd["alias"]')" "$KEY" "POST alias"
assert_eq "$(json_get "$T/b" 'd["recognised"]["kind"], d["recognised"]["form"]')" \
	"('gs1', 'element')" "POST recognised"
assert_eq "$(json_get "$T/b" 'd["recognised"]["gs1"]')" "(01)${GTIN}(10)L7(21)SN000002" \
	"POST gs1 elements"
assert_eq "$(json_get "$T/b" 'd["record"]["handle"]')" 88.118.8/M-SN000002 "POST record"
assert_eq "$(json_get "$T/b" '[v["data"]["value"] for v in d["record"]["values"] if v["type"] == "serial"]')" \
	"['SN000002']" "POST record values"
assert_eq "$(json_get "$T/b" '[e["bizStep"] for e in d["events"]]')" \
	"['commissioning', 'shipping']" "events, newest last"
# the same as `idr scan --json`
ok "$IDR_BIN" scan --data "$D" --json - <"$T/scan"
assert_eq "$(json_get "$OUT" 'd["record"]["values"][0]["type"], d["events"][-1]["bizStep"]')" \
	"('ITEM_KIND', 'shipping')" "idr scan --json"

note "GET forms"
get_scan 200 "code=$(urlenc "]d201${GTIN}10L7${GS}21SN000002")&events=1"
assert_eq "$(json_get "$T/b" 'd["handle"], len(d["events"]), d["events"][0]["bizStep"]')" \
	"('88.118.8/M-SN000002', 1, 'shipping')" "element string with GS, events=1"
get_scan 200 "code=$(urlenc "(01)${GTIN}(17)261231(21)SN000002")"
assert_eq "$(json_get "$T/b" 'd["handle"], d["recognised"]["form"]')" \
	"('88.118.8/M-SN000002', 'hri')" "HRI"
get_scan 200 "code=$(urlenc "https://id.gs1.org/01/${GTIN}/10/L7/21/SN000002?17=261231")"
assert_eq "$(json_get "$T/b" 'd["handle"], d["recognised"]["form"]')" \
	"('88.118.8/M-SN000002', 'dl')" "Digital Link"
get_scan 200 "code=$(urlenc "https://node.example.cn/88.118.8/m-sn000001")&pretty"
assert_eq "$(json_get "$T/b" 'd["handle"], d["via"], d["record"]["handle"]')" \
	"('88.118.8/m-sn000001', 'handle', '88.118.8/M-SN000001')" "handle URL"
get_scan 200 "code=3074257BF7194E4000001A85"
assert_eq "$(json_get "$T/b" 'd["handle"], d["alias"], d["recognised"]["form"]')" \
	"('88.118.8/M-SN000003', 'urn:epc:id:sgtin:0614141.812345.6789', 'epc_hex')" "EPC hex"
get_scan 200 "code=oid:1.2.156.3001.3"
assert_eq "$(json_get "$T/b" 'd["handle"]')" 88.118.8/M-SN000003 "OID"

note "errors"
get_scan 404 "code=$(urlenc "(01)${GTIN}(21)SN000099")"
assert_eq "$(json_get "$T/b" 'd["message"]')" "no item with alias (01)${GTIN}(21)SN000099 here" \
	"no alias"
get_scan 400 "code=$(urlenc "(01)06901234567893")"
assert_eq "$(json_get "$T/b" 'd["message"]')" "(01) check digit is 3, expected 2" "check digit"
get_scan 404 "code=88.118.8/NOPE"
assert_eq "$(json_get "$T/b" 'd["message"]')" "88.118.8/NOPE: not registered here" "no handle"
get_scan 400 "code=88.999/X"
json_get "$T/b" 'd["message"]' | grep -q "not served here" || fail "unserved prefix message"
get_scan 400 ""
assert_eq "$(json_get "$T/b" 'd["message"]')" \
	"the code parameter is required: /api/v1/scan?code=..." "no code"
get_scan 400 "code=x&events=51"
assert_eq "$(json_get "$T/b" 'd["message"]')" "events must be a number from 0 to 50" "events"
: >"$T/empty"
post_scan 400 "$T/empty"
assert_eq "$(json_get "$T/b" 'd["message"]')" \
	"the body is empty: POST the bytes the scanner sent" "empty POST"
head -c 5000 /dev/zero | tr '\0' '1' >"$T/long"
post_scan 400 "$T/long"
json_get "$T/b" 'd["message"]' | grep -q "longer than 4096" || fail "long POST message"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://$HTTP/api/v1/scan")
assert_eq "$code" 405 "PUT"

stop_idrd "$T/idrd.log"
echo "PASS: $TEST_NAME"
