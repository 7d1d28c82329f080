#!/usr/bin/env bash
# rest_write.sh - writes through the Handle.Net REST API with curl against the real idrd: PUT
# and DELETE of /api/handles/{handle} over HTTPS with Basic authentication (a clear and a
# hashed HS_SECKEY), authorization by HS_ADMIN / HS_VLIST (an enterprise administrator writes
# under its own prefix only; the node administrator of server_admins everywhere), 201 vs 200,
# overwrite=false, index= (add, replace, remove values), mintNewSuffix; and every refusal —
# plain HTTP, no credentials, a wrong secret, an unknown identity, a malformed header, a
# public-key identity with Basic, another enterprise's prefix, bad JSON — answered with its
# status and responseCode while nothing is written (the journal's length does not move).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

make_data
ok "$IDR_BIN" prefix add 88.118.9 --data "$D" --owner "另一家企业"
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOF
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"$NODEPW_HASH","permissions":"1100"}]}
{"handle":"88.118.8/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"s3cret:x","permissions":"1100"}]}
{"handle":"88.118.9/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"other","permissions":"1100"}]}
{"handle":"88.118.8/PUBONLY","values":[{"index":300,"type":"HS_PUBKEY","data":{"format":"hex","value":"0000000b5253415f5055425f4b4559"}}]}
EOF
ok "$IDR_BIN" import "$T/ids.jsonl" --data "$D"
# an RSA identity for challenge-response (Authorization: Handle), named by the node's group
ok "$IDR_BIN" keygen --type rsa --out "$T/rsa.pem"
printf '{"handle":"88.118.8/RSA","values":[%s]}\n' "$(tail -n 1 "$OUT")" >"$T/rsa.jsonl"
ok "$IDR_BIN" import "$T/rsa.jsonl" --data "$D"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"server_admins 300:88.118/NODEADMIN"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
S=$(port_of https)
NODE='300%3A88.118/NODEADMIN:node pw'
ENT='300%3A88.118.8/ADMIN:s3cret:x'
OTHER='300%3A88.118.9/ADMIN:other'

# req METHOD URL-PATH USER BODY: curl over HTTPS; the status in $code, the body in $T/body
req() {
	set -- "$1" "$2" "$3" "${4:-}"
	args=(-sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X "$1")
	[ -n "$3" ] && args+=(-u "$3")
	[ -n "$4" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	code=$(curl "${args[@]}" "https://$S$2")
}
# expect STATUS RESPONSECODE WHAT
expect() {
	[ "$code" = "$1" ] || { cat "$T/body" >&2; fail "$3: HTTP $code, want $1"; }
	json_valid "$T/body"
	rc=$(json_get "$T/body" 'd["responseCode"]')
	[ "$rc" = "$2" ] || { cat "$T/body" >&2; fail "$3: responseCode $rc, want $2"; }
}
# the number of journal entries (idr stats reads the store beside the running idrd)
changes() {
	"$IDR_BIN" stats --data "$D" | awk '/^journal entries:/ { print $3 }'
}
J0=$(changes)
[ -n "$J0" ] || fail "no journal count in idr stats"
URLV='[{"index":1,"type":"URL","data":"https://example.com/n/1"}]'

# ---- refusals: nothing is written
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X PUT -u "$NODE" -H 'Content-Type: application/json' \
	--data-binary "$URLV" "http://$H/api/handles/88.118.8/N-1")
expect 403 400 "a write over plain HTTP"
grep -qF 'HTTPS' "$T/body" || fail "the refusal does not say HTTPS is needed"
req PUT /api/handles/88.118.8/N-1 "" "$URLV"
expect 401 402 "no credentials"
curl -sS -o /dev/null -D "$T/hdrs" --cacert "$T/cert.pem" -X PUT -H 'Content-Type: application/json' \
	--data-binary "$URLV" "https://$S/api/handles/88.118.8/N-1"
grep -qi '^WWW-Authenticate: Basic' "$T/hdrs" || fail "401 without WWW-Authenticate"
req PUT /api/handles/88.118.8/N-1 '300%3A88.118.8/ADMIN:wrong' "$URLV"
expect 403 403 "wrong secret"
grep -qF 'wrong' "$T/body" || fail "no message for a wrong secret"
grep -qF 's3cret' "$T/body" && fail "the answer shows the secret"
req PUT /api/handles/88.118.8/N-1 '300%3A88.118.8/NOBODY:x' "$URLV"
expect 403 403 "unknown identity"
req PUT /api/handles/88.118.8/N-1 '300%3A88.118.8/PUBONLY:x' "$URLV"
expect 403 403 "Basic with a public-key identity"
grep -qF 'Authorization: Handle' "$T/body" || fail "no hint at challenge-response"
req PUT /api/handles/88.118.8/N-1 'no-colon-user:x' "$URLV"
expect 400 4 "malformed Basic user"
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-H 'Authorization: Basic !!!' -H 'Content-Type: application/json' --data-binary "$URLV" \
	"https://$S/api/handles/88.118.8/N-1")
expect 400 4 "Basic credentials not base64"
req PUT /api/handles/88.118.8/N-1 "$ENT" "$URLV"
expect 403 401 "enterprise admin not yet named in HS_ADMIN"
req PUT /api/handles/88.118.8/N-1 "$ENT" '[{"index":1,"type":"URL","data":'
expect 400 202 "truncated JSON"
grep -qF 'not JSON' "$T/body" || fail "no message for bad JSON"
req PUT /api/handles/88.118.8/N-1 "$ENT" '[{"index":1,"typ":"URL","data":"x"}]'
expect 400 202 "unknown member"
grep -qF "did you mean 'type'" "$T/body" || fail "no hint for a misspelt member"
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT -u "$ENT" \
	-H 'Content-Type: text/plain' --data-binary "$URLV" \
	"https://$S/api/handles/88.118.8/N-1")
expect 400 202 "not application/json"
assert_eq "$(changes)" "$J0" "journal after the refusals"

# ---- the node administrator names the enterprise administrator in the prefix's group
req PUT '/api/handles/0.NA/88.118.8?index=300' "$NODE" \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300}]}}]'
expect 201 1 "node admin adds the admin group"
J1=$(changes)
[ "$J1" -gt "$J0" ] || fail "the journal did not grow"

# ---- the enterprise writes under its own prefix
req PUT /api/handles/88.118.8/N-1 "$ENT" "$URLV"
expect 201 1 "create"
assert_eq "$(json_get "$T/body" 'd["handle"]')" "88.118.8/N-1" "created handle"
curl -sS -o "$T/get" "http://$H/api/handles/88.118.8/N-1"
assert_eq "$(json_get "$T/get" '[v["data"]["value"] for v in d["values"] if v["index"] == 1][0]')" \
	"https://example.com/n/1" "URL after create"
req PUT /api/handles/88.118.8/N-1 "$ENT" "$URLV"
expect 200 1 "same create again"
req PUT '/api/handles/88.118.8/N-1?overwrite=false' "$ENT" \
	'[{"index":1,"type":"URL","data":"https://example.com/other"}]'
expect 409 101 "create over an existing record with overwrite=false"
req PUT '/api/handles/88.118.8/N-1?index=2' "$ENT" '[{"index":2,"type":"EMAIL","data":"a@b.c"}]'
expect 201 1 "add a value"
req PUT '/api/handles/88.118.8/N-1?index=2&overwrite=false' "$ENT" \
	'[{"index":2,"type":"EMAIL","data":"x@y.z"}]'
expect 409 201 "add a value that exists with overwrite=false"
req PUT '/api/handles/88.118.8/N-1?index=2' "$ENT" '[{"index":2,"type":"EMAIL","data":"x@y.z"}]'
expect 200 1 "replace a value"
req PUT '/api/handles/88.118.8/N-1?index=3' "$ENT" '[{"index":2,"type":"EMAIL","data":"x@y.z"}]'
expect 400 4 "index parameter differs from the body"
curl -sS -o "$T/get" "http://$H/api/handles/88.118.8/N-1?index=2"
assert_eq "$(json_get "$T/get" 'd["values"][0]["data"]["value"]')" "x@y.z" "value after replace"
req DELETE '/api/handles/88.118.8/N-1?index=2' "$ENT"
expect 200 1 "remove a value"
req DELETE '/api/handles/88.118.8/N-1?index=2' "$ENT"
expect 400 200 "remove a value that is gone"
req PUT '/api/handles/88.118.8/?mintNewSuffix=true' "$ENT" "$URLV"
expect 201 1 "mint a suffix"
MINTED=$(json_get "$T/body" 'd["handle"]')
case $MINTED in
88.118.8/????????-????-4???-????-????????????) ;;
*) fail "minted handle $MINTED is not prefix/UUID" ;;
esac
curl -sS -o /dev/null -w '%{http_code}' "http://$H/api/handles/$MINTED" >"$T/c"
assert_eq "$(cat "$T/c")" 200 "the minted handle resolves"

# ---- another enterprise, and the other way round
J2=$(changes)
req PUT /api/handles/88.118.8/N-2 "$OTHER" "$URLV"
expect 403 401 "enterprise B creating under A's prefix"
req DELETE /api/handles/88.118.8/N-1 "$OTHER"
expect 403 401 "enterprise B deleting A's record"
req PUT /api/handles/88.118.9/N-1 "$ENT" "$URLV"
expect 403 401 "enterprise A creating under B's prefix"
req PUT /api/handles/88.119/N-1 "$NODE" "$URLV"
expect 400 301 "a prefix this node does not host"
req DELETE /api/handles/88.118.8/NOPE "$ENT"
expect 404 100 "delete of an absent record"
assert_eq "$(changes)" "$J2" "journal after the cross-prefix refusals"

# ---- delete, and the node administrator anywhere
req DELETE /api/handles/88.118.8/N-1 "$ENT"
expect 200 1 "delete"
curl -sS -o /dev/null -w '%{http_code}' "http://$H/api/handles/88.118.8/N-1" >"$T/c"
assert_eq "$(cat "$T/c")" 404 "deleted record"
req PUT /api/handles/88.118.9/BY-NODE "$NODE" "$URLV"
expect 201 1 "node admin writes under any hosted prefix"

# ---- challenge-response sessions (Authorization: Handle, /api/sessions)
# session: POST /api/sessions; the sessionId and nonce in $SID / $NONCE
session() {
	curl -sS -o "$T/sess" -w '%{http_code}' --cacert "$T/cert.pem" -X POST \
		"https://$S/api/sessions" >"$T/c"
	assert_eq "$(cat "$T/c")" 201 "POST /api/sessions"
	SID=$(json_get "$T/sess" 'd["sessionId"]')
	NONCE=$(json_get "$T/sess" 'd["nonce"]')
}
# handle_auth KEY ID: the Authorization: Handle value answering the session's nonce
handle_auth() {
	CN=$(head -c 16 /dev/urandom | base64)
	{ printf '%s' "$NONCE" | base64 -d; printf '%s' "$CN" | base64 -d; } >"$T/tosign"
	SIG=$(openssl dgst -sha256 -sign "$1" "$T/tosign" | base64 -w0)
	echo "Handle sessionId=\"$SID\", id=\"$2\", type=\"HS_PUBKEY\", cnonce=\"$CN\", alg=\"SHA256\", signature=\"$SIG\""
}
hreq() { # hreq METHOD PATH AUTHORIZATION [BODY]
	args=(-sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X "$1" -H "Authorization: $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	code=$(curl "${args[@]}" "https://$S$2")
}
J3=$(changes)
session
hreq PUT /api/handles/88.118.8/H-1 "Handle sessionId=\"$SID\"" "$URLV"
expect 403 403 "a session not yet authenticated"
grep -qF 'not authenticated' "$T/body" || fail "no reason for an unauthenticated session"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other.pem" 2>/dev/null
hreq GET /api/sessions/this "$(handle_auth "$T/other.pem" 300:88.118.8/RSA)"
[ "$code" = 401 ] || fail "a signature by another key: HTTP $code, want 401"
hreq PUT /api/handles/88.118.8/H-1 "$(handle_auth "$T/rsa.pem" 301:88.118.8/RSA)" "$URLV"
expect 403 403 "wrong identity index"
hreq PUT /api/handles/88.118.8/H-1 "Handle sessionId=\"7fffffff\"" "$URLV"
expect 403 403 "an unknown session"
hreq PUT /api/handles/88.118.8/H-1 "Handle sessionId=\"$SID\", id=\"300:88.118.8/RSA\"" "$URLV"
expect 400 4 "credentials without signature"
assert_eq "$(changes)" "$J3" "journal after the refused sessions"
# the RSA identity authenticates but is not in HS_ADMIN of 88.118.8 yet: 401
session
hreq PUT /api/handles/88.118.8/H-1 "$(handle_auth "$T/rsa.pem" 300:88.118.8/RSA)" "$URLV"
expect 403 401 "authenticated but not an administrator"
req PUT '/api/handles/0.NA/88.118.8?index=300' "$NODE" \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300},{"handle":"88.118.8/RSA","index":300}]}}]'
expect 200 1 "node admin adds the RSA identity to the group"
hreq PUT /api/handles/88.118.8/H-1 "Handle sessionId=\"$SID\"" "$URLV"
expect 201 1 "write in an authenticated session"
hreq GET /api/sessions/this "Handle sessionId=\"$SID\""
[ "$code" = 200 ] || fail "GET /api/sessions/this: $code"
assert_eq "$(json_get "$T/body" 'd["id"]')" "300:88.118.8/RSA" "session identity"
hreq DELETE /api/sessions/this "Handle sessionId=\"$SID\""
[ "$code" = 204 ] || fail "DELETE /api/sessions/this: $code"
hreq PUT /api/handles/88.118.8/H-2 "Handle sessionId=\"$SID\"" "$URLV"
expect 403 403 "a write in an ended session"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://$H/api/sessions")
assert_eq "$code" 403 "sessions over plain HTTP"

# ---- every write is attributed in the journal, and the chain holds
stop_idrd "$T/idrd.log"
ok "$IDR_BIN" audit verify --data "$D"
grep -qaF '300:88.118.8/ADMIN' "$D/data.mdb" || fail "the enterprise identity is not in the journal"
grep -qaF '300:88.118/NODEADMIN' "$D/data.mdb" || fail "the node identity is not in the journal"
grep -qaF '300:88.118.8/RSA' "$D/data.mdb" || fail "the session identity is not in the journal"
check_sanitizer "$T/idrd.log"
echo "rest_write: ok"
