#!/usr/bin/env bash
# onboard.sh - enterprise onboarding and quotas against the real idr and idrd:
# `idr prefix apply/approve/reject/show` (states 4 -> 1 / 3, the application kept in the
# prefix record, the deciding identity in the prefix and the journal, the administrator
# <prefix>/ADMIN created with a secret shown once and put in the group at 0.NA/<prefix>
# index 300); that administrator writing over the REST API of the running idrd (HTTPS, Basic)
# under its own prefix and refused under another; the HTTP onboarding endpoints
# (POST /api/v1/prefixes/apply anonymous and authenticated, GET list and item, approve and
# reject by node administrators only); and the daily quotas: 429 with Retry-After and nothing
# written once a prefix's registrations or requests are used up, the counts in /metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

USCC=91350100M000100Y43
USCC2=91440300708461136T
make_data
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOF
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"$NODEPW_HASH","permissions":"1100"}]}
{"handle":"88.118.8/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}]}
EOF
ok "$IDR_BIN" import "$T/ids.jsonl" --data "$D"
# the number of journal entries
changes() {
	"$IDR_BIN" stats --data "$D" | awk '/^journal entries:/ { print $3 }'
}
showj() { # showj PREFIX EXPR: a member of `idr prefix show --json`
	ok "$IDR_BIN" prefix show "$1" --json --data "$D"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$OUT" "$2"
}

# ---- idr prefix apply: state 4 with the application; bad input changes nothing
note "idr prefix apply"
J0=$(changes)
for bad in "--credit-code 91350100M000100Y44" "--credit-code 91350100M000100Y4" \
	"--credit-code 91350100m000100Y43" "--industry C99" "--industry 98"; do
	set -- --credit-code "$USCC" --industry C13
	# shellcheck disable=SC2086
	expect_exit 1 "$IDR_BIN" prefix apply 88.118.20 --owner "甲公司" --contact "张三 010-1" \
		"$@" $bad --data "$D"
done
expect_err "industry must be a GB/T 4754 code"
expect_exit 1 "$IDR_BIN" prefix apply 88.118.20 --owner "甲公司" --contact "x" \
	--credit-code 91350100M000100Y44 --industry C13 --data "$D"
expect_err "check digit"
expect_exit 1 "$IDR_BIN" prefix apply 88.119.1 --owner "甲公司" --contact "x" \
	--credit-code "$USCC" --industry C13 --data "$D"
expect_err "not beneath"
assert_eq "$(changes)" "$J0" "journal after refused applications"
for p in 20 21 22; do
	ok "$IDR_BIN" prefix apply 88.118.$p --owner "企业$p" --contact "联系人 010-$p" \
		--credit-code "$USCC" --industry C13 --by 300:88.118.$p/APPLICANT --data "$D"
	expect_out "state 4 pending"
done
ok "$IDR_BIN" prefix apply 88.118.20 --owner "企业20" --contact "联系人 010-20" \
	--credit-code "$USCC" --industry C13 --by 300:88.118.20/APPLICANT --data "$D"
expect_out "unchanged"
expect_exit 1 "$IDR_BIN" prefix apply 88.118.20 --owner "别的公司" --contact "x" \
	--credit-code "$USCC" --industry C13 --data "$D"
expect_err "already hosted or applied for"
expect_exit 1 "$IDR_BIN" prefix apply 88.118.8 --owner "x" --contact "x" \
	--credit-code "$USCC" --industry C13 --data "$D"
assert_eq "$(showj 88.118.20 'd["state"]')" 4 "state after apply"
assert_eq "$(showj 88.118.20 'd["credit_code"]')" "$USCC" "credit code kept"
assert_eq "$(showj 88.118.20 'd["applicant"]')" "300:88.118.20/APPLICANT" "applicant kept"
assert_eq "$(showj 88.118.20 'd["decided"]')" None "undecided"
ok "$IDR_BIN" prefix list --state pending --data "$D"
expect_out "88.118.20"
grep -qF "88.118.8 " "$OUT" && fail "list --state pending shows an enabled prefix"
expect_exit 1 "$IDR_BIN" register 88.118.20/EARLY --kind part --url https://example.com/e --data "$D"

# ---- approve and reject
note "idr prefix approve / reject"
expect_exit 64 "$IDR_BIN" prefix approve 88.118.20 --data "$D"
expect_exit 64 "$IDR_BIN" prefix approve 88.118.20 --by auditor --data "$D"
expect_exit 1 "$IDR_BIN" prefix approve 88.118.20 --by 300:88.118.20/ADMIN --data "$D"
expect_err "not authorized"
J1=$(changes)
ok "$IDR_BIN" prefix approve 88.118.20 --by 300:88.118/AUDITOR --reason "材料齐全" --data "$D"
expect_out "state 1 enabled"
SECRET20=$(awk '/^secret: / { print $2 }' "$OUT")
[ ${#SECRET20} -eq 32 ] || fail "no 32-digit secret in: $(cat "$OUT")"
[ "$(changes)" -gt "$J1" ] || fail "approval not journaled"
assert_eq "$(showj 88.118.20 'd["state"]')" 1 "state after approve"
assert_eq "$(showj 88.118.20 'd["decided_by"]')" "300:88.118/AUDITOR" "auditor kept"
assert_eq "$(showj 88.118.20 'd["reason"]')" "材料齐全" "reason kept"
ok "$IDR_BIN" get 88.118.20/ADMIN --json --data "$D"
grep -qF "$SECRET20" "$OUT" && fail "the secret is stored in clear"
HASH20=$(printf '%s' "$SECRET20" | openssl sha1 -r | cut -d' ' -f1)
grep -qF "$HASH20" "$OUT" || fail "HS_SECKEY is not the SHA-1 of the secret"
ok "$IDR_BIN" get 0.NA/88.118.20 --json --data "$D"
grep -qF '88.118.20/ADMIN' "$OUT" || fail "the group at 0.NA/88.118.20 does not name the admin"
expect_exit 1 "$IDR_BIN" prefix approve 88.118.20 --by 300:88.118/AUDITOR --data "$D"
expect_err "not awaiting a decision"
ok "$IDR_BIN" prefix reject 88.118.21 --by 300:88.118/AUDITOR --reason "材料不全" --data "$D"
expect_out "state 3 rejected"
assert_eq "$(showj 88.118.21 'd["state"]')" 3 "state after reject"
expect_exit 1 "$IDR_BIN" prefix reject 88.118.21 --by 300:88.118/AUDITOR --data "$D"
expect_exit 1 "$IDR_BIN" register 88.118.21/X --kind part --url https://example.com/x --data "$D"

# ---- idrd over HTTPS
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"server_admins 300:88.118/NODEADMIN" "quota_prefix 88.118.22 5 2"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
S=$(port_of https)
NODE='300%3A88.118/NODEADMIN:node pw'
ENT8='300%3A88.118.8/ADMIN:s3cret'
ENT20="300%3A88.118.20/ADMIN:$SECRET20"

# req METHOD URL-PATH USER [BODY]: curl over HTTPS; the status in $code, the body in $T/body
req() {
	set -- "$1" "$2" "$3" "${4:-}"
	args=(-sS -o "$T/body" -D "$T/hdrs" -w '%{http_code}' --cacert "$T/cert.pem" -X "$1")
	[ -n "$3" ] && args+=(-u "$3")
	[ -n "$4" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	code=$(curl "${args[@]}" "https://$S$2")
}
expect() { # expect STATUS RESPONSECODE WHAT
	[ "$code" = "$1" ] || { cat "$T/body" >&2; fail "$3: HTTP $code, want $1"; }
	json_valid "$T/body"
	rc=$(json_get "$T/body" 'd["responseCode"]')
	[ "$rc" = "$2" ] || { cat "$T/body" >&2; fail "$3: responseCode $rc, want $2"; }
}
URLV='[{"index":1,"type":"URL","data":"https://example.com/n/1"}]'

note "the approved enterprise writes under its own prefix only"
req PUT /api/handles/88.118.20/N-1 "$ENT20" "$URLV"
expect 201 1 "the new administrator creates under its prefix"
req PUT '/api/handles/88.118.20/N-1?index=2' "$ENT20" '[{"index":2,"type":"EMAIL","data":"a@b.c"}]'
expect 201 1 "the new administrator adds a value"
req PUT /api/handles/88.118.8/N-20 "$ENT20" "$URLV"
expect 403 401 "the new administrator under another prefix"
req PUT /api/handles/88.118.20/N-8 "$ENT8" "$URLV"
expect 403 401 "another enterprise under the new prefix"
req PUT /api/handles/88.118.20/N-2 '300%3A88.118.20/ADMIN:wrong' "$URLV"
expect 403 403 "the new administrator with a wrong secret"

note "HTTP onboarding"
APP='{"prefix":"88.118.23","owner":"乙公司","credit_code":"'$USCC2'","industry":"I65","contact":"李四 021-1"}'
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary "$APP" "http://$H/api/v1/prefixes/apply")
assert_eq "$code" 403 "apply over plain HTTP"
J2=$(changes)
req POST /api/v1/prefixes/apply "" '{"prefix":"88.118.23","owner":"乙公司","credit_code":"91440300708461136X","industry":"I65","contact":"x"}'
expect 400 202 "apply with a wrong check digit"
grep -qF 'credit_code' "$T/body" || fail "the refusal does not name credit_code"
req POST /api/v1/prefixes/apply "" '{"prefix":"88.118.23","owner":"乙公司","credit_code":"'$USCC2'","industry":"I65"}'
expect 400 202 "apply without contact"
grep -qF 'contact\" is missing' "$T/body" || fail "the refusal does not name the missing member"
req POST /api/v1/prefixes/apply "" '{"prefix":"88.118.23","owner":"乙公司","credit_code":"'$USCC2'","industry":"I65","contact":"x","extra":1}'
expect 400 202 "apply with an unknown member"
req POST /api/v1/prefixes/apply "" '{"prefix":"88.118.23",'
expect 400 202 "apply with truncated JSON"
req POST /api/v1/prefixes/apply '300%3A88.118.8/ADMIN:wrong' "$APP"
expect 403 403 "apply with wrong credentials"
assert_eq "$(changes)" "$J2" "journal after refused HTTP applications"
req POST /api/v1/prefixes/apply "" "$APP"
expect 201 1 "anonymous application"
assert_eq "$(json_get "$T/body" 'd["state"]')" 4 "state in the answer"
req POST /api/v1/prefixes/apply "" "$APP"
expect 200 1 "the same application again"
req POST /api/v1/prefixes/apply "$ENT8" '{"prefix":"88.118.24","owner":"丙","credit_code":"'$USCC'","industry":"C","contact":"y"}'
expect 201 1 "authenticated application"
req POST /api/v1/prefixes/apply "" '{"prefix":"88.118.20","owner":"丁","credit_code":"'$USCC'","industry":"C","contact":"y"}'
expect 409 101 "application for an enabled prefix"

req GET '/api/v1/prefixes?state=4' ""
expect 401 402 "list without credentials"
req GET '/api/v1/prefixes?state=4' "$ENT8"
expect 403 401 "list by an enterprise"
req GET '/api/v1/prefixes?state=4' "$NODE"
expect 200 1 "list by the node administrator"
assert_eq "$(json_get "$T/body" '",".join(sorted(p["prefix"] for p in d["prefixes"]))')" \
	"88.118.22,88.118.23,88.118.24" "pending prefixes"
assert_eq "$(json_get "$T/body" '[p["applicant"] for p in d["prefixes"] if p["prefix"]=="88.118.24"][0]')" \
	"300:88.118.8/ADMIN" "authenticated applicant"
assert_eq "$(json_get "$T/body" '[p["applicant"] for p in d["prefixes"] if p["prefix"]=="88.118.23"][0]')" \
	"anonymous" "anonymous applicant"
req GET '/api/v1/prefixes?state=9' "$NODE"
expect 400 4 "list with a bad state"
req GET /api/v1/prefixes/88.118.23 ""
expect 200 1 "item, public part"
assert_eq "$(json_get "$T/body" 'd["prefix"]["state"]')" 4 "public state"
assert_eq "$(json_get "$T/body" '"credit_code" in d["prefix"]')" False "credit code hidden"
req GET /api/v1/prefixes/88.118.23 "$NODE"
expect 200 1 "item for the node administrator"
assert_eq "$(json_get "$T/body" 'd["prefix"]["credit_code"]')" "$USCC2" "credit code shown"
req GET /api/v1/prefixes/88.118.99 ""
expect 404 100 "unknown prefix"

J3=$(changes)
req POST /api/v1/prefixes/88.118.23/approve "$ENT8" ''
expect 403 401 "approval by an enterprise"
req POST /api/v1/prefixes/88.118.23/approve "" ''
expect 401 402 "approval without credentials"
req POST /api/v1/prefixes/88.118.23/reject "$NODE" '{"public_key":{"format":"hex","value":"00"}}'
expect 400 202 "public_key on a rejection"
assert_eq "$(changes)" "$J3" "journal after refused decisions"
req POST /api/v1/prefixes/88.118.23/approve "$NODE" '{"reason":"ok"}'
expect 200 1 "approval by the node administrator"
assert_eq "$(json_get "$T/body" 'd["admin"]')" "300:88.118.23/ADMIN" "admin in the answer"
SECRET23=$(json_get "$T/body" 'd["secret"]')
[ ${#SECRET23} -eq 32 ] || fail "no secret in the approval"
req POST /api/v1/prefixes/88.118.23/approve "$NODE" ''
expect 409 101 "approval of an enabled prefix"
req POST /api/v1/prefixes/88.118.24/reject "$NODE" '{"reason":"证照不符"}'
expect 200 1 "rejection by the node administrator"
req GET /api/v1/prefixes/88.118.24 "$NODE"
assert_eq "$(json_get "$T/body" 'd["prefix"]["reason"]')" "证照不符" "reason over HTTP"
assert_eq "$(json_get "$T/body" 'd["prefix"]["decided_by"]')" "300:88.118/NODEADMIN" "decided_by"
req PUT /api/handles/88.118.23/H-1 "300%3A88.118.23/ADMIN:$SECRET23" "$URLV"
expect 201 1 "the administrator approved over HTTP writes"
req GET /api/v1/prefixes/88.118.23/approve ""
[ "$code" = 405 ] || fail "GET of approve: HTTP $code"

note "quotas"
ok "$IDR_BIN" prefix approve 88.118.22 --by 300:88.118/AUDITOR --data "$D"
SECRET22=$(awk '/^secret: / { print $2 }' "$OUT")
ENT22="300%3A88.118.22/ADMIN:$SECRET22"
req PUT /api/handles/88.118.22/Q-1 "$ENT22" "$URLV"
expect 201 1 "registration 1 of 2"
req PUT /api/handles/88.118.22/Q-1 "$ENT22" "$URLV"
expect 200 1 "an identical create (no registration)"
req PUT /api/handles/88.118.22/Q-2 "$ENT22" "$URLV"
expect 201 1 "registration 2 of 2"
J4=$(changes)
req PUT /api/handles/88.118.22/Q-3 "$ENT22" "$URLV"
expect 429 3 "registration over the daily quota"
grep -qF '604' "$T/body" || fail "the 429 does not name the registration quota"
RA=$(awk -F': ' 'tolower($1) == "retry-after" { print $2 }' "$T/hdrs" | tr -d '\r')
[ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 90000 ] || fail "Retry-After '$RA'"
curl -sS -o /dev/null -w '%{http_code}' "http://$H/api/handles/88.118.22/Q-3" >"$T/c"
assert_eq "$(cat "$T/c")" 404 "nothing registered over the quota"
req PUT '/api/handles/88.118.22/Q-1?index=2' "$ENT22" '[{"index":2,"type":"EMAIL","data":"a@b.c"}]'
expect 201 1 "request 4 of 5"
req DELETE '/api/handles/88.118.22/Q-1?index=2' "$ENT22"
expect 200 1 "request 5 of 5"
req DELETE /api/handles/88.118.22/Q-1 "$ENT22"
expect 429 3 "request over the daily quota"
grep -qF '603' "$T/body" || fail "the 429 does not name the request quota"
assert_eq "$(changes)" "$((J4 + 2))" "journal: only the writes within the quota"
req PUT /api/handles/88.118.22/BY-NODE "$NODE" "$URLV"
expect 201 1 "the node administrator is not limited"
curl -sS -o "$T/metrics" "http://$H/metrics"
grep -qF 'idr_quota_used{prefix="88.118.22",kind="registrations"} 2' "$T/metrics" ||
	fail "no registration count in /metrics"
grep -qF 'idr_quota_used{prefix="88.118.22",kind="requests"} 5' "$T/metrics" ||
	fail "no request count in /metrics"
grep -qF 'idr_quota_refused_total{reason="registrations"} 1' "$T/metrics" ||
	fail "no refusal count in /metrics"

note "write rate per address (reload)"
echo "write_rate 1" >>"$T/idrd.conf"
echo "write_burst 2" >>"$T/idrd.conf"
kill -HUP "$IDRD_PID"
log_wait "$T/idrd.log" "configuration applied"
req PUT /api/handles/88.118.20/R-1 "$ENT20" "$URLV"
req PUT /api/handles/88.118.20/R-2 "$ENT20" "$URLV"
req PUT /api/handles/88.118.20/R-3 "$ENT20" "$URLV"
expect 429 3 "the third write at once over write_burst 2"
grep -qi '^Retry-After: 1' "$T/hdrs" || fail "no Retry-After for the rate"

stop_idrd "$T/idrd.log"
ok "$IDR_BIN" audit verify --data "$D"
grep -qaF '300:88.118/AUDITOR' "$D/data.mdb" || fail "the auditor is not in the journal"
grep -qaF '300:88.118/NODEADMIN' "$D/data.mdb" || fail "the node administrator is not in the journal"
check_sanitizer "$T/idrd.log"
echo "onboard: ok"
