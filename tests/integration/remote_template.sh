#!/usr/bin/env bash
# remote_template.sh - `idr template ... --node https://...` against the real idrd over HTTPS
# (the national template API, /snms/api/v5/template, in a REST session): create, show and
# list with the same output as the local command on the node's data directory, items added
# and disabled, check with every error named, publish, registrations through
# `idr import --node` checked against the published version (a bad value refused with the
# field named), withdraw, --from; refusals: another enterprise on the prefix, a published
# version edited, plain http://, an unknown version; usage errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

make_data
ok "$IDR_BIN" prefix add 88.118.9 --data "$D" --owner "另一家企业"
ok idr keygen --type rsa --out "$T/rsa.pem"
RSAV=$(cat "$OUT")
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOF
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"$NODEPW_HASH","permissions":"1100"}]}
{"handle":"88.118.8/ADMIN","values":[$RSAV]}
{"handle":"88.118.8/SEC","values":[{"index":300,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}]}
{"handle":"88.118.9/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"other","permissions":"1100"}]}
EOF
ok idr import "$T/ids.jsonl" --data "$D"
printf 's3cret\n' >"$T/sec.txt"
printf 'other\n' >"$T/other.txt"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"server_admins 300:88.118/NODEADMIN"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
S=$(port_of https)
N="https://$S"
RSA=(--node "$N" --cacert "$T/cert.pem" --id 300:88.118.8/ADMIN --key "$T/rsa.pem")
SEC=(--node "$N" --cacert "$T/cert.pem" --id 300:88.118.8/SEC --secret-file "$T/sec.txt")
OTHER=(--node "$N" --cacert "$T/cert.pem" --id 300:88.118.9/ADMIN --secret-file "$T/other.txt")

# the node administrator names the enterprise identities in the prefix's admin group
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' --data-binary \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300},{"handle":"88.118.8/SEC","index":300}]}}]' \
	"https://$S/api/handles/0.NA/88.118.8?index=300")
[ "$code" = 201 ] || { cat "$T/body" >&2; fail "adding the admin group: HTTP $code"; }

# same_as_local ARGS...: `idr template ARGS` over the node prints what the local command
# prints on the node's data directory
same_as_local() {
	ok idr template "$@" "${RSA[@]}"
	cp "$OUT" "$T/remote.out"
	ok "$IDR_BIN" template "$@" --data "$D"
	cmp -s "$OUT" "$T/remote.out" || {
		diff "$T/remote.out" "$OUT" >&2 || true
		fail "idr template $* --node differs from the local output"
	}
	cp "$T/remote.out" "$OUT"
}

note "usage errors"
expect_exit 64 idr template show 88.118.8 1.0 --node "$N" --key "$T/rsa.pem"
expect_err "--node needs --id"
expect_exit 64 idr template list 88.118.8 "${RSA[@]}" --data "$D"
expect_err "give one of them"
expect_exit 64 idr template show 88.118.8 1.0 --secret-file "$T/sec.txt"
expect_err "need --node"

note "create a draft on the node"
cat >"$T/t.json" <<'JSON'
{"industryCategory":"C","industrySpecific":"34","industryTrade":"341","industrySubclass":"3411",
 "type":1,"description":"紧固件","items":[
 {"name":"名称","idType":"title","idIndex":"2000","required":true,
  "metadata":{"type":"string","minLength":1,"maxLength":8}},
 {"name":"重量","idType":"weight","idIndex":2003,"metadata":{"type":"number","maximum":10}},
 {"name":"生产日期","idType":"made","metadata":{"type":"date"}}]}
JSON
ok idr template create 88.118.8 1.0 --file "$T/t.json" "${RSA[@]}"
expect_out "created template 88.118.8 version 1.0 (draft: publish it to register against it)"
ok idr template create 88.118.8 1.0 --file "$T/t.json" "${SEC[@]}"
expect_out "unchanged template 88.118.8 version 1.0"
sed 's/"紧固件"/"螺丝"/' "$T/t.json" >"$T/t2.json"
expect_exit 1 idr template create 88.118.8 1.0 --file "$T/t2.json" "${RSA[@]}"
expect_err "88.118.8 1.0: 模板已存在：template 88.118.8 version 1.0 exists with another definition"
sed 's/"C"/"U"/' "$T/t.json" >"$T/bad.json"
expect_exit 1 idr template create 88.118.8 2.0 --file "$T/bad.json" "${RSA[@]}"
expect_err "industryCategory: 'U' is not a GB/T 4754 section letter A..T"
same_as_local show 88.118.8 1.0
expect_out "template 88.118.8 version 1.0: draft"
same_as_local show 88.118.8 1.0 --json
expect_out '"templateState":"draft"'

note "items: add, disable"
echo '{"name":"颜色","idType":"color","metadata":{"type":"enum","enum":["red","blue"]}}' >"$T/item.json"
ok idr template item add 88.118.8 1.0 --file "$T/item.json" "${RSA[@]}"
expect_out "added item color (2005) to template 88.118.8 version 1.0"
expect_exit 1 idr template item add 88.118.8 1.0 --file "$T/item.json" "${RSA[@]}"
expect_err "88.118.8 1.0: "
expect_err "color"
echo '{"name":"旧","idType":"old","metadata":{}}' >"$T/old.json"
ok idr template item add 88.118.8 1.0 --file "$T/old.json" "${SEC[@]}"
expect_out "added item old (2006)"
ok idr template item disable 88.118.8 1.0 old "${RSA[@]}"
expect_out "disabled item old of template 88.118.8 version 1.0"
ok idr template item disable 88.118.8 1.0 2006 "${RSA[@]}"
expect_out "unchanged (already disabled) item 2006"
expect_exit 1 idr template item disable 88.118.8 1.0 nosuch "${RSA[@]}"
expect_err "template 88.118.8 version 1.0 has no item nosuch"
sed 's/"紧固件"/"紧固件 (螺栓)"/' "$T/t.json" >"$T/t3.json"
ok idr template update 88.118.8 1.0 --file "$T/t3.json" "${RSA[@]}"
expect_out "updated template 88.118.8 version 1.0"
same_as_local show 88.118.8 1.0
expect_out "紧固件 (螺栓)"
expect_out "DISABLED"
expect_out "color"
same_as_local show 88.118.8 1.0 --json
expect_out '"idType":"old","idIndex":2006,"required":false,"state":0'

note "check: the node's version, checked here"
ok idr template check 88.118.8 1.0 title=螺栓 weight=10 made=2024-02-29 color=red "${RSA[@]}"
expect_out "ok: the values satisfy template 88.118.8 version 1.0 (not published"
expect_exit 1 idr template check 88.118.8 1.0 weight=12.5 made=2023-02-29 color=green "${SEC[@]}"
expect_err "4 errors"
expect_err "weight (2003): number 12.5 above maximum 10"
expect_err "made (2004): '2023-02-29' is not a date YYYY-MM-DD"
expect_err "color (2005): 'green' is not one of: red, blue"
expect_err "title (2000): required but missing (名称)"
expect_exit 1 idr template check 88.118.8 1.0 nosuch=1 "${RSA[@]}"
expect_err "nosuch: not an item of template 88.118.8 1.0"

note "refusals: another enterprise, an unknown version, plain http"
echo '{"name":"长度","idType":"length","metadata":{"type":"number"}}' >"$T/new.json"
expect_exit 1 idr template item add 88.118.8 1.0 --file "$T/new.json" "${OTHER[@]}"
expect_err "88.118.8 1.0: 没有权限 (HTTP 403)"
expect_exit 1 idr template create 88.118.8 3.0 --file "$T/t.json" "${OTHER[@]}"
expect_err "没有权限"
expect_exit 1 idr template publish 88.118.8 1.0 "${OTHER[@]}"
expect_err "没有权限"
ok idr template show 88.118.8 1.0 "${OTHER[@]}" # anyone authenticated reads
expect_exit 1 idr template show 88.118.8 9.9 "${RSA[@]}"
expect_err "88.118.8 9.9: 模板不存在"
expect_exit 1 idr template publish 88.118.8 9.9 "${RSA[@]}"
expect_err "模板不存在"
expect_exit 1 idr template show 88.118.8 1.0 --node "http://$H" --id 300:88.118.8/SEC \
	--secret-file "$T/sec.txt"
expect_err "HTTP 403"
expect_exit 1 idr template withdraw 88.118.8 1.0 "${RSA[@]}"
expect_err "only a published version can be withdrawn"

note "registration against a draft is refused"
V1001='{"index":1001,"type":"TEMPLATE","data":{"format":"string","value":"1.0"}}'
printf '%s\n' "{\"handle\":\"88.118.8/B-1\",\"kind\":\"part\",\"values\":[$V1001,{\"index\":2000,\"type\":\"title\",\"data\":{\"format\":\"string\",\"value\":\"螺栓\"}}]}" >"$T/good.jsonl"
expect_exit 2 idr import "$T/good.jsonl" "${RSA[@]}"
expect_err "is draft: only a published version accepts registrations"

note "publish; a published version never changes"
ok idr template publish 88.118.8 1.0 "${RSA[@]}"
expect_out "published template 88.118.8 version 1.0"
ok idr template publish 88.118.8 1.0 "${RSA[@]}"
expect_out "unchanged (already) template 88.118.8 version 1.0"
expect_exit 1 idr template item add 88.118.8 1.0 --file "$T/new.json" "${RSA[@]}"
expect_err "模板已发布，不能修改"
expect_err "is published: a published version never changes"
expect_exit 1 idr template item add 88.118.8 1.0 --file "$T/old.json" "${RSA[@]}"
expect_err "is published: a published version never changes"
expect_exit 1 idr template item disable 88.118.8 1.0 weight "${RSA[@]}"
expect_err "模板已发布，不能修改"
expect_exit 1 idr template update 88.118.8 1.0 --file "$T/t3.json" "${RSA[@]}"
expect_err "模板已发布，不能修改"

note "registrations over the node checked against the published version"
ok idr import "$T/good.jsonl" "${RSA[@]}"
expect_out "1 created"
ok "$IDR_BIN" get 88.118.8/B-1 --data "$D"
expect_out "螺栓"
printf '%s\n' "{\"handle\":\"88.118.8/B-2\",\"kind\":\"part\",\"values\":[$V1001,{\"index\":2000,\"type\":\"title\",\"data\":{\"format\":\"string\",\"value\":\"螺栓\"}},{\"index\":2003,\"type\":\"weight\",\"data\":{\"format\":\"string\",\"value\":\"12.5\"}}]}" >"$T/bad.jsonl"
expect_exit 2 idr import "$T/bad.jsonl" "${RSA[@]}"
expect_err "weight (2003): number 12.5 above maximum 10"
expect_exit 3 "$IDR_BIN" get 88.118.8/B-2 --data "$D"

note "withdraw; a new version from the old one"
ok idr template withdraw 88.118.8 1.0 "${RSA[@]}"
expect_out "withdrawn template 88.118.8 version 1.0"
ok idr template withdraw 88.118.8 1.0 "${SEC[@]}"
expect_out "unchanged (already) template"
sed 's/B-1/B-3/' "$T/good.jsonl" >"$T/late.jsonl"
expect_exit 2 idr import "$T/late.jsonl" "${RSA[@]}"
expect_err "withdrawn"
ok idr template create 88.118.8 1.1 --from 1.0 "${RSA[@]}"
expect_out "created template 88.118.8 version 1.1"
same_as_local list 88.118.8
expect_out "1.0              withdrawn"
expect_out "1.1              draft"
same_as_local list 88.118.8 --json
json_valid "$OUT"
assert_eq "$(json_get "$OUT" 'len(d)')" 2 "versions"
assert_eq "$(json_get "$OUT" 'd[1]["items"][4]["state"]')" 0 "disabled item copied"
same_as_local list 88.118.7
assert_eq "$(cat "$OUT")" "" "the list of a prefix without templates"

stop_idrd "$T/idrd.log"
check_sanitizer "$T/idrd.log"
grep -q "template 88.118.8 1.0: publish by 300:88.118.8/ADMIN" "$T/idrd.log" ||
	fail "the node did not log who published"
ok "$IDR_BIN" audit verify --data "$D"
echo "remote_template: ok"
