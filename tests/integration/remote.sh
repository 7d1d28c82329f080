#!/usr/bin/env bash
# remote.sh - `idr register|set|unset|delete|import --node https://...` against the real idrd
# over HTTPS: identities with an RSA key, an SM2 key and a secret (HS_SECKEY); every change
# checked with `idr get` on the node's data directory; import with bad rows, duplicates,
# conflicts and --update; an import stopped half-way (idrd killed) and resumed; usage errors;
# a wrong key and a wrong secret named in the error; another enterprise's prefix refused by
# the node; plain http:// refused by the node (403).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

make_data
ok "$IDR_BIN" prefix add 88.118.9 --data "$D" --owner "另一家企业"
ok idr keygen --type rsa --out "$T/rsa.pem"
RSAV=$(cat "$OUT")
ok idr keygen --type sm2 --out "$T/sm2.pem"
SM2V=$(cat "$OUT")
ok idr keygen --type rsa --out "$T/wrong.pem"
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOF
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"$NODEPW_HASH","permissions":"1100"}]}
{"handle":"88.118.8/ADMIN","values":[$RSAV]}
{"handle":"88.118.8/SM2","values":[$SM2V]}
{"handle":"88.118.8/SEC","values":[{"index":300,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}]}
{"handle":"88.118.9/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"other","permissions":"1100"}]}
EOF
ok idr import "$T/ids.jsonl" --data "$D"
printf 's3cret\n' >"$T/sec.txt"
printf 'wrong\n' >"$T/badsec.txt"
printf 'other\n' >"$T/other.txt"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"server_admins 300:88.118/NODEADMIN" "session_timeout 10"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
S=$(port_of https)
N="https://$S"
RSA=(--node "$N" --cacert "$T/cert.pem" --id 300:88.118.8/ADMIN --key "$T/rsa.pem")
SM2=(--node "$N" --cacert "$T/cert.pem" --id 300:88.118.8/SM2 --key "$T/sm2.pem")
SEC=(--node "$N" --cacert "$T/cert.pem" --id 300:88.118.8/SEC --secret-file "$T/sec.txt")

# the node administrator names the enterprise identities in the prefix's admin group
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' --data-binary \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300},{"handle":"88.118.8/SM2","index":300},{"handle":"88.118.8/SEC","index":300}]}}]' \
	"https://$S/api/handles/0.NA/88.118.8?index=300")
[ "$code" = 201 ] || { cat "$T/body" >&2; fail "adding the admin group: HTTP $code"; }

# get ID EXPR: evaluate EXPR over `idr get ID --json` of the node's data directory
get() {
	"$IDR_BIN" get "$1" --json --data "$D" >"$T/get.json" || fail "idr get $1"
	json_get "$T/get.json" "$2"
}
attr() { # attr ID TYPE: the data of the value of that type
	get "$1" "[v['data']['value'] if isinstance(v['data'], dict) else v['data'] for v in d['values'] if v['type'] == '$2'][0]"
}

note "usage errors"
expect_exit 64 idr register 88.118.8/U-1 --kind part --node "$N" --key "$T/rsa.pem"
expect_err "--node needs --id"
expect_exit 64 idr register 88.118.8/U-1 --kind part --node "$N" --id 300:88.118.8/ADMIN
expect_err "--key FILE"
expect_exit 64 idr register 88.118.8/U-1 --kind part "${RSA[@]}" --data "$D"
expect_err "give one of them"
expect_exit 64 idr set 88.118.8/U-1 a=b "${RSA[@]}" --secret-file "$T/sec.txt"
expect_err "not both"
expect_exit 64 idr delete 88.118.8/U-1 --key "$T/rsa.pem"
expect_err "need --node"
expect_exit 64 idr import "$T/ids.jsonl" "${RSA[@]}" --dry-run
expect_err "--dry-run"
expect_exit 64 idr import "$T/ids.jsonl" --jobs 2
expect_err "--jobs is for --node"
expect_exit 1 idr register 88.118.8/U-1 --kind part --node "$N" --id ADMIN --key "$T/rsa.pem"
expect_err "not INDEX:HANDLE"
expect_exit 1 idr register 88.118.8/U-1 --kind part --node "$N" --id 300:88.118.8/ADMIN \
	--key "$T/nope.pem"
expect_err "nope.pem"

note "register, set, unset, delete with an RSA key"
ok idr register 88.118.8/R-1 --kind part --url https://example.com/r/1 model=X1 "材料=铝" \
	"${RSA[@]}"
expect_out "created 88.118.8/R-1"
assert_eq "$(attr 88.118.8/R-1 model)" X1 "model after remote register"
assert_eq "$(attr 88.118.8/R-1 ITEM_KIND)" part "kind after remote register"
assert_eq "$(attr 88.118.8/R-1 材料)" 铝 "UTF-8 attribute"
ok idr register 88.118.8/R-1 --kind part --url https://example.com/r/1 model=X1 "材料=铝" \
	"${RSA[@]}"
expect_out "unchanged 88.118.8/R-1"
# the same registration locally is unchanged too: the node stored what idr register stores
ok "$IDR_BIN" register 88.118.8/L-1 --kind part --url https://example.com/r/1 model=X1 \
	--data "$D"
ok idr register 88.118.8/L-1 --kind part --url https://example.com/r/1 model=X1 "${RSA[@]}"
expect_out "unchanged 88.118.8/L-1"
expect_exit 1 idr register 88.118.8/R-1 --kind part --url https://example.com/r/1 model=X2 \
	"材料=铝" "${RSA[@]}"
expect_err 'value 2000 (model) is "X1" here, "X2" in the command'
expect_err "idr set"
ok idr set 88.118.8/R-1 model=X2 colour=red "${RSA[@]}"
expect_out "updated 88.118.8/R-1"
expect_out '2000 model: "X1" -> "X2"'
expect_out '2002 colour: added "red"'
assert_eq "$(attr 88.118.8/R-1 model)" X2 "model after remote set"
assert_eq "$(attr 88.118.8/R-1 colour)" red "colour after remote set"
ok idr set 88.118.8/R-1 model=X2 "${RSA[@]}"
expect_out "unchanged 88.118.8/R-1"
ok idr set 88.118.8/R-1 --kind product "${RSA[@]}"
assert_eq "$(attr 88.118.8/R-1 ITEM_KIND)" product "kind after remote set --kind"
ok idr unset 88.118.8/R-1 colour url "${RSA[@]}"
expect_out '2002 colour: removed "red"'
assert_eq "$(get 88.118.8/R-1 "[v['index'] for v in d['values'] if v['index'] in (1, 2002)]")" \
	"[]" "values after remote unset"
expect_exit 1 idr unset 88.118.8/R-1 nothing "${RSA[@]}"
expect_err "no value with key"
expect_exit 3 idr set 88.118.8/NOPE a=b "${RSA[@]}"
expect_err "not registered"
expect_exit 3 idr delete 88.118.8/R-1 88.118.8/NOPE "${RSA[@]}"
expect_err "88.118.8/NOPE: not registered (nothing was deleted)"
get 88.118.8/R-1 'd["handle"]' >/dev/null
ok idr delete 88.118.8/R-1 --json "${RSA[@]}"
json_valid "$OUT"
assert_eq "$(json_get "$OUT" 'd["kind"]')" product "deleted record's kind"
"$IDR_BIN" get 88.118.8/R-1 --data "$D" >/dev/null 2>&1 && fail "R-1 still there after delete"

note "SM2 key and secret-key identities"
ok idr register 88.118.8/S-1 --kind lot n=1 "${SM2[@]}"
expect_out "created 88.118.8/S-1"
ok idr register 88.118.8/K-1 --kind lot n=1 "${SEC[@]}"
expect_out "created 88.118.8/K-1"
ok idr set 88.118.8/K-1 n=2 "${SEC[@]}"
assert_eq "$(attr 88.118.8/K-1 n)" 2 "n after set with a secret"
ok idr delete 88.118.8/K-1 "${SEC[@]}"
expect_out "deleted 88.118.8/K-1 (lot, "

note "refusals"
expect_exit 1 idr register 88.118.8/W-1 --kind part --node "$N" --cacert "$T/cert.pem" \
	--id 300:88.118.8/ADMIN --key "$T/wrong.pem"
expect_err "authentication as 300:88.118.8/ADMIN failed"
expect_exit 1 idr register 88.118.8/W-1 --kind part --node "$N" --cacert "$T/cert.pem" \
	--id 300:88.118.8/SEC --secret-file "$T/badsec.txt"
expect_err "authentication as 300:88.118.8/SEC failed"
expect_err "wrong secret"
expect_exit 1 idr register 88.118.8/W-1 --kind part --node "$N" --id 300:88.118.8/ADMIN \
	--key "$T/rsa.pem"
expect_err "certificate"
expect_exit 1 idr register 88.118.8/W-1 --kind part --node "$N" --cacert "$T/cert.pem" \
	--id 300:88.118.9/ADMIN --secret-file "$T/other.txt"
expect_err "88.118.8/W-1: 300:88.118.9/ADMIN may not make this change"
expect_exit 1 idr register 88.118.8/W-1 --kind part --node "http://$H" \
	--id 300:88.118.8/SEC --secret-file "$T/sec.txt"
expect_err "HTTP 403"
expect_err "HTTPS"
"$IDR_BIN" get 88.118.8/W-1 --data "$D" >/dev/null 2>&1 && fail "a refused write was stored"

note "import: bad rows, duplicates, conflicts, --update"
{
	echo "id,kind,url,model"
	for i in $(seq 1 300); do
		echo "88.118.8/I-$i,part,https://example.com/i/$i,M$i"
	done
	echo "88.118.8/I-7,part,https://example.com/i/7,M7"
	echo "88.118.8/BAD-1,gizmo,,x"
	echo "88.118.9/I-1,part,,x"
	echo "88.118.8/L-1,part,https://example.com/r/1,OTHER"
} >"$T/items.csv"
expect_exit 2 idr import "$T/items.csv" --jobs 4 "${RSA[@]}"
expect_out "300 created, 0 unchanged, 4 bad rows"
expect_err "items.csv:302: 88.118.8/I-7 is a duplicate of line 8 (same content)"
expect_err "items.csv:303: 88.118.8/BAD-1: kind"
expect_err "items.csv:304: 88.118.9/I-1: 300:88.118.8/ADMIN may not make this change"
expect_err 'items.csv:305: 88.118.8/L-1: already exists with different content: value 2000 (model) is "X1" here, "OTHER" in the row'
assert_eq "$(attr 88.118.8/I-150 model)" M150 "an imported row"
expect_exit 2 idr import "$T/items.csv" --update "${SEC[@]}"
expect_out "0 created, 1 updated, 300 unchanged, 3 bad rows"
assert_eq "$(attr 88.118.8/L-1 model)" OTHER "model after import --update"

note "a session that expires (session_timeout 10) is set up again"
{
	echo '{"id":"88.118.8/E-1","kind":"lot"}'
	sleep 11
	echo '{"id":"88.118.8/E-2","kind":"lot"}'
} | expect_exit 0 "$IDR_BIN" import - --jobs 1 "${RSA[@]}"
expect_out "2 created"
assert_eq "$(attr 88.118.8/E-2 ITEM_KIND)" lot "the row after the session expired"
log_wait "$T/idrd.log" "is unknown or expired"

note "an import stopped half-way, then resumed"
python3 - "$T/big.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(1, 3001):
        f.write(json.dumps({"id": "88.118.8/B-%d" % i, "kind": "lot", "attrs": {"n": str(i)}}) + "\n")
EOF
start_bg "$T/imp.log" "$IDR_BIN" import "$T/big.jsonl" --jobs 2 "${RSA[@]}"
IMP=$LAST_PID
n=0
until "$IDR_BIN" get 88.118.8/B-200 --data "$D" >/dev/null 2>&1; do
	n=$((n + 1))
	[ "$n" -lt 300 ] || fail "the import did not get going"
	sleep 0.05
done
stop_pid "$IDRD_PID" KILL
stop_pid "$IMP" TERM
if [ "$STOP_STATUS" -ne 1 ]; then
	cat "$T/imp.log" >&2
	fail "the interrupted import exited $STOP_STATUS, not 1"
fi
grep -qF "run the import again" "$T/imp.log" || { cat "$T/imp.log" >&2; fail "no resume hint"; }
start_idrd "$T/idrd.conf" "$T/idrd2.log"
S=$(port_of https)
RSA=(--node "https://$S" --cacert "$T/cert.pem" --id 300:88.118.8/ADMIN --key "$T/rsa.pem")
ok idr import "$T/big.jsonl" "${RSA[@]}"
created=$(sed -n 's/^\([0-9]*\) created, \([0-9]*\) unchanged.*/\1 \2/p' "$OUT")
set -- $created
[ "$#" = 2 ] || { cat "$OUT" >&2; fail "no summary"; }
[ "$2" -ge 200 ] || fail "the resumed import found only $2 rows already there"
assert_eq "$(($1 + $2))" 3000 "created + unchanged after the resume"
assert_eq "$(attr 88.118.8/B-3000 n)" 3000 "the last row after the resume"
ok idr import "$T/big.jsonl" "${RSA[@]}"
expect_out "nothing to do: all 3000 records already registered"

stop_idrd "$T/idrd2.log"
check_sanitizer "$T/idrd.log"
ok "$IDR_BIN" audit verify --data "$D"
echo "remote: ok"
