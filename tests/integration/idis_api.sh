#!/usr/bin/env bash
# idis_api.sh - the national-style API (ref/idis.md §4.1) against the real idrd over HTTPS:
# the golden request/response pairs of tests/data/idis/ (the ref's examples re-typed: login
# in both forms, register, resolve, batches with duplicates and bad rows, update, delete,
# batch delete, the metadata templates of /snms/api/v5/template), every refusal (login
# failures, no / tampered / expired / foreign tokens, enterprise A writing under B's prefix
# or its templates, writes and login over plain HTTP) writing nothing;
# then a batch of 2001 refused and one of 2000 landing in one or two writer transactions,
# a token revoked by changing its identity's secret, tokens surviving a restart, the token
# used on the REST API, and the journal naming the token's identity.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=${IDR_TEST_DATA:-$HERE/../data}/idis

ok "$IDR_BIN" init --data "$D" --node-prefix 88 --owner "测试二级节点"
ok "$IDR_BIN" prefix add 88.1021.150 --data "$D" --owner "企业A"
ok "$IDR_BIN" prefix add 88.101.0042 --data "$D" --owner "企业B"
OTHER_SHA1=$(printf '%s' 'other pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOF
{"handle":"88/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"node pw","permissions":"1100"}]}
{"handle":"88.1021.150/admin","values":[{"index":300,"type":"HS_SECKEY","data":"123456","permissions":"1100"}]}
{"handle":"88.101.0042/admin","values":[{"index":300,"type":"HS_SECKEY","data":"$OTHER_SHA1","permissions":"1100"}]}
{"handle":"88.1021.150/PUBONLY","values":[{"index":300,"type":"HS_PUBKEY","data":{"format":"hex","value":"0000000b5253415f5055425f4b4559"}}]}
EOF
ok "$IDR_BIN" import "$T/ids.jsonl" --data "$D"
# the metadata templates the fixtures register against (published versions)
tmpl() { # PREFIX VERSION KEY... : items KEY at 2000, 2001, ... (strings, optional)
	p=$1 v=$2
	shift 2
	python3 - "$T/tmpl.json" "$@" <<'PY'
import json, sys
items = [{"name": "属性%d" % i, "idType": k, "idIndex": 2000 + i, "required": False,
          "state": 1, "metadata": {"type": "string", "maxLength": 255}}
         for i, k in enumerate(sys.argv[2:])]
json.dump({"industryCategory": "C", "industrySpecific": "34", "industryTrade": "341",
           "industrySubclass": "3411", "type": 1, "description": "idis_api", "items": items},
          open(sys.argv[1], "w"), ensure_ascii=False)
PY
	ok "$IDR_BIN" template create "$p" "$v" --file "$T/tmpl.json" --data "$D"
	ok "$IDR_BIN" template publish "$p" "$v" --data "$D"
}
tmpl 88.1021.150 1.0 name
tmpl 88.1021.150 1.1 name color
tmpl 88.1021.150 1 name
tmpl 88.1021.150 lot-1 serial
tmpl 88.101.0042 1.0.0 URL1 URL2
tmpl 88.101.0042 1.0.1 URL1 URL2
tmpl 88.101.0042 1.0 note

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"server_admins 300:88/NODEADMIN" "http_max_body_size 4M"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
S=$(port_of https)
[ -s "$D/token.key" ] || fail "no token key in the data directory"
[ "$(stat -c %a "$D/token.key")" = 600 ] || fail "the token key is not mode 600"

changes() {
	"$IDR_BIN" stats --data "$D" | awk '/^journal entries:/ { print $3 }'
}
# each enterprise administrator joins the admin group of its prefix (REST, node admin)
for p in 88.1021.150 88.101.0042; do
	code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
		-u '300%3A88/NODEADMIN:node pw' -H 'Content-Type: application/json' \
		--data-binary "[{\"index\":300,\"type\":\"HS_VLIST\",\"data\":{\"format\":\"vlist\",\"value\":[{\"handle\":\"$p/admin\",\"index\":300}]}}]" \
		"https://$S/api/handles/0.NA/$p?index=300")
	[ "$code" = 201 ] || { cat "$T/body" >&2; fail "admin group of $p: HTTP $code"; }
done

# ---- the golden pairs
export D IDR_BIN
TOK=$T/tokens.json
ok python3 "$HERE/idis_golden.py" "$S" "$H" "$T/cert.pem" "$TOK" "$FIX"/0*.json
cat "$OUT"

tok() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TOK" "$1"; }
ENT=$(tok ent)
# post PATH BODY-FILE [AUTH]: curl POST over HTTPS; status in $code, answer in $T/body
post() {
	code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X "${4:-POST}" \
		-H "Authorization: Bearer ${3:-$ENT}" -H 'Content-Type: application/json' \
		--data-binary "@$2" "https://$S$1")
}

# ---- batch limits: 2001 refused whole, 2000 land (in one or two writer transactions)
python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
def items(n, tag):
    return [{"handle": f"88.1021.150/{tag}-{i:05d}", "templateVersion": "lot-1",
             "value": [{"index": 2000, "type": "serial", "auth": "",
                        "data": {"format": "string", "value": f"SN{i:08d}"}}]} for i in range(n)]
json.dump(items(2001, "over"), open(f"{t}/b2001.json", "w"))
json.dump(items(2000, "lot"), open(f"{t}/b2000.json", "w"))
EOF
J0=$(changes)
post /identityv2/data/batchCreate "$T/b2001.json"
[ "$code" = 400 ] || fail "a batch of 2001: HTTP $code"
grep -qF '2000' "$T/body" || fail "the refusal does not name the limit"
assert_eq "$(changes)" "$J0" "journal after the batch of 2001"
post /identityv2/data/batchCreate "$T/b2000.json"
[ "$code" = 200 ] || fail "a batch of 2000: HTTP $code"
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for x in d["data"] if x["msg"]=="success"))' "$T/body")
assert_eq "$n" 2000 "items of the batch that landed"
J1=$(changes)
[ $((J1 - J0)) -eq 2000 ] || fail "journal grew by $((J1 - J0)), want 2000"
post /identityv2/data/batchCreate "$T/b2000.json"
assert_eq "$(changes)" "$J1" "journal after the same batch again (idempotent)"
curl -sS "http://$H/metrics" >"$T/metrics"
grep -q 'idr_http_requests_total{proto="https",route="idis_batch",code="200"}' "$T/metrics" ||
	fail "no metrics label for the batch route"

# ---- the token works on the REST API too
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-H "Authorization: Bearer $ENT" -H 'Content-Type: application/json' \
	--data-binary '[{"index":1,"type":"URL","data":"https://example.com/r"}]' \
	"https://$S/api/handles/88.1021.150/REST-1")
[ "$code" = 201 ] || { cat "$T/body" >&2; fail "REST PUT with a national token: HTTP $code"; }

# ---- tokens survive a restart
stop_idrd "$T/idrd.log"
start_idrd "$T/idrd.conf" "$T/idrd2.log"
S=$(port_of https)
H=$(port_of http)
printf '%s' '{"handle":"88.1021.150/after-restart","templateVersion":"1","value":[]}' >"$T/one.json"
post /identityv2/data "$T/one.json"
[ "$code" = 200 ] && grep -qF '"data":true' "$T/body" ||
	{ cat "$T/body" >&2; fail "a token from before the restart: HTTP $code"; }

# ---- changing an identity's secret revokes its tokens
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-u '300%3A88/NODEADMIN:node pw' -H 'Content-Type: application/json' \
	--data-binary '[{"index":300,"type":"HS_SECKEY","data":"new secret","permissions":"1100"}]' \
	"https://$S/api/handles/88.1021.150/admin?index=300")
[ "$code" = 200 ] || { cat "$T/body" >&2; fail "changing the secret: HTTP $code"; }
J2=$(changes)
printf '%s' '{"handle":"88.1021.150/revoked","templateVersion":"1","value":[]}' >"$T/one.json"
post /identityv2/data "$T/one.json"
[ "$code" = 401 ] && grep -qF '"status":-1' "$T/body" ||
	{ cat "$T/body" >&2; fail "a token of a changed secret: HTTP $code"; }
assert_eq "$(changes)" "$J2" "journal after the revoked token"

# ---- attribution: the journal names the token's identity; the chain holds
stop_idrd "$T/idrd2.log"
ok "$IDR_BIN" audit verify --data "$D"
grep -qaF '300:88.1021.150/admin' "$D/data.mdb" || fail "the enterprise identity is not in the journal"
grep -qaF '300:88.101.0042/admin' "$D/data.mdb" || fail "enterprise B is not in the journal"
echo "idis_api: ok"
