#!/usr/bin/env bash
# http_api.sh - the HTTP(S) front end of idrd end to end (ref/handle.md §7, §2.4): the REST
# record JSON (checked by the ajv schema oracle and field by field), index/type filters,
# error bodies and their HTTP statuses, listings with paging, JSONP, pretty, CORS, the proxy
# redirect and human pages (kind shown, hostile values escaped), the home page form, HTTPS
# with a self-signed certificate, /healthz, /metrics, methods, HEAD, header and connection
# caps, and the same record over HTTP, UDP and TCP (idr resolve --json).
. "$(dirname "$0")/lib.sh"

: "${IDRD_BIN:?IDRD_BIN must point to the idrd binary}"
: "${IDR_SRC:?IDR_SRC must point to the source tree}"
for tool in curl openssl python3 node; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done
ORACLES=$IDR_SRC/tests/oracles
[ -d "$ORACLES/node_modules/ajv" ] ||
	fail "the JSON schema oracle is not installed: run 'npm ci' in $ORACLES"

D=$T/data
mkdir -p "$T/oracle"
ORACLE_ARGS=()

note "data: node 88.118, enterprise prefixes, records"
ok idr init --node-prefix 88.118 --owner "测试二级节点"
ok idr prefix add 88.118.8 --owner "某某制造有限公司"
ok idr prefix add 88.118.9 --owner "停用的公司" --state 0
HOSTILE="<script>alert(1)</script> & \"q\" 'x'"
ok idr register 88.118.8/P-000001 --kind part --url https://example.com/p/1 model=X1 \
	"note=$HOSTILE" "材料=铝合金"
ok idr register 88.118.8/LOT-7 --kind lot batch=B7
# lifecycle events for the item page: the lot commissioned at P-000001's station (a hosted
# read point), made into P-000001, which is shipped
ok idr event add 88.118.8/LOT-7 --biz-step commissioning --read-point 88.118.8/P-000001 \
	--time 2024-01-05T08:00:00+08:00
ok idr event add 88.118.8/P-000001 --biz-step assembling --input 88.118.8/LOT-7 \
	--time 2024-01-10T09:00:00+08:00
ok idr event add 88.118.8/P-000001 --biz-step shipping --disposition in_transit \
	--time 2024-01-22T10:00:00+08:00
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
	ok idr register "88.118.8/L-$i" --kind package --url "https://example.com/l/$i"
done
# values the tool cannot make: a URL sub-type only, a non-public value, binary data
cat >"$T/extra.jsonl" <<'EOF'
{"handle":"88.118.8/MOBILE-1","kind":"product","values":[{"index":2,"type":"URL.mobile","data":{"format":"string","value":"https://m.example.com/1"}},{"index":3,"type":"SECRET","data":{"format":"string","value":"TOP-SECRET"},"permissions":"1100"},{"index":4,"type":"BLOB","data":{"format":"base64","value":"AAEC/w=="}}]}
EOF
ok idr import "$T/extra.jsonl"

note "certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$T/other.pem" \
	>/dev/null 2>&1 || fail "openssl could not make a key"

write_conf() {
	cat >"$1" <<EOF
data_dir $D
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $T/cert.pem
tls_key $2
workers 2
http_max_header_size 4k
max_connections_per_ip 8
list_page_max 100
max_filter_items 4
EOF
}

note "a key that does not match the certificate is refused at start"
write_conf "$T/bad.conf" "$T/other.pem"
expect_exit 1 timeout 20 "$IDRD_BIN" -c "$T/bad.conf" --port-file "$T/bad.ports"
grep -q "does not match" "$ERR" || { show_output; fail "no key mismatch message"; }

note "start idrd"
write_conf "$T/idrd.conf" "$T/key.pem"
start_bg "$T/idrd.log" "$IDRD_BIN" -c "$T/idrd.conf" --port-file "$T/ports"
IDRD_PID=$LAST_PID
wait_file "$T/ports"
port_of() { awk -v k="$1" '$1 == k { print $2 }' "$T/ports"; }
UDP=$(port_of udp)
TCP=$(port_of tcp)
H=$(port_of http)
S=$(port_of https)
if [ -z "$UDP" ] || [ -z "$TCP" ] || [ -z "$H" ] || [ -z "$S" ]; then
	fail "port file: $(cat "$T/ports")"
fi
BASE=http://$H
SBASE=https://$S

# get URL [CURL-ARGS...]: headers in $T/h, body in $T/b, status in $CODE.
get() {
	url=$1
	shift
	CODE=$(curl -s -g -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$url") ||
		fail "curl could not fetch $url"
}
hdr() {
	grep -i "^$1:" "$T/h" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'
}
expect_code() {
	[ "$CODE" = "$1" ] || { head -c 2000 "$T/b" >&2; fail "$2: HTTP $CODE, want $1"; }
}
expect_hdr() {
	got=$(hdr "$1")
	[ "$got" = "$2" ] || fail "$3: header $1 is '$got', want '$2'"
}
body_has() {
	grep -qF -- "$1" "$T/b" || { head -c 3000 "$T/b" >&2; fail "body lacks '$1'"; }
}
body_lacks() {
	if grep -qF -- "$1" "$T/b"; then
		fail "body contains '$1'"
	fi
}
jget() {
	json_get "$T/b" "$1"
}
# keep the body for the schema oracle, as KIND (record, error, listing)
keep() {
	cp "$T/b" "$T/oracle/$1.json"
	ORACLE_ARGS+=("$2:$T/oracle/$1.json")
}
# same_json A B: the two files hold equal JSON values
same_json() {
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a != b)' \
		"$1" "$2" || fail "$3: $1 and $2 differ"
}
CT_JSON="application/json; charset=utf-8"
CT_HTML="text/html; charset=utf-8"

note "GET /api/handles/{handle}"
get "$BASE/api/handles/88.118.8/P-000001"
expect_code 200 "record"
expect_hdr Content-Type "$CT_JSON" "record"
expect_hdr Access-Control-Allow-Origin "*" "record CORS"
[ "$(hdr Content-Length)" = "$(wc -c <"$T/b")" ] || fail "Content-Length does not match the body"
keep record record
cp "$T/b" "$T/record.json"
assert_eq "$(jget 'd["responseCode"]')" 1 "responseCode"
assert_eq "$(jget 'd["handle"]')" "88.118.8/P-000001" "handle"
assert_eq "$(jget '[v["index"] for v in d["values"]]')" "[1, 10, 100, 2000, 2001, 2002]" "indexes"
assert_eq "$(jget '[v["type"] for v in d["values"]]')" \
	"['URL', 'ITEM_KIND', 'HS_ADMIN', 'model', 'note', '材料']" "types"
assert_eq "$(jget 'd["values"][0]["data"]')" \
	"{'format': 'string', 'value': 'https://example.com/p/1'}" "URL data"
assert_eq "$(jget 'd["values"][1]["data"]["value"]')" "part" "kind value"
assert_eq "$(jget 'd["values"][2]["data"]["format"]')" "admin" "HS_ADMIN format"
assert_eq "$(jget 'd["values"][2]["data"]["value"]["handle"]')" "0.NA/88.118.8" "admin handle"
assert_eq "$(jget 'd["values"][4]["data"]["value"]')" "$HOSTILE" "hostile value round trip"
assert_eq "$(jget 'd["values"][5]["data"]["value"]')" "铝合金" "UTF-8 value"
assert_eq "$(jget 'all(v["ttl"] == 86400 and v["timestamp"].endswith("Z") for v in d["values"])')" \
	True "ttl and timestamp"
# the handle echoes the request's spelling; lookups ignore ASCII case
get "$BASE/api/handles/88.118.8/p-000001"
expect_code 200 "lower-case spelling"
assert_eq "$(jget 'd["handle"]')" "88.118.8/p-000001" "echoed spelling"
# an encoded slash is the same handle
get "$BASE/api/handles/88.118.8%2FP-000001"
expect_code 200 "encoded slash"
assert_eq "$(jget 'len(d["values"])')" 6 "encoded slash values"

note "index and type filters"
get "$BASE/api/handles/88.118.8/P-000001?index=1"
assert_eq "$(jget '[v["index"] for v in d["values"]]')" "[1]" "index=1"
get "$BASE/api/handles/88.118.8/P-000001?index=2000&index=100"
assert_eq "$(jget '[v["index"] for v in d["values"]]')" "[100, 2000]" "two indexes"
get "$BASE/api/handles/88.118.8/P-000001?type=url"
assert_eq "$(jget '[v["index"] for v in d["values"]]')" "[1]" "type, any case"
get "$BASE/api/handles/88.118.8/P-000001?index=2001&type=ITEM_KIND"
assert_eq "$(jget '[v["index"] for v in d["values"]]')" "[10, 2001]" "index OR type"
keep filtered record
get "$BASE/api/handles/88.118.8/MOBILE-1?type=URL."
assert_eq "$(jget '[v["type"] for v in d["values"]]')" "['URL.mobile']" "sub-types"
get "$BASE/api/handles/88.118.8/P-000001?index=999"
expect_code 200 "nothing left after filtering"
assert_eq "$(cat "$T/b")" '{"responseCode":200,"handle":"88.118.8/P-000001","values":[]}' "200 body"
keep values_not_found record
get "$BASE/api/handles/88.118.8/P-000001?index=abc"
expect_code 400 "index=abc"
assert_eq "$(jget 'd["responseCode"]')" 4 "index=abc code"
keep bad_index error
get "$BASE/api/handles/88.118.8/P-000001?publicOnly=maybe"
expect_code 400 "publicOnly=maybe"
# max_filter_items (4): four indexes and four types pass, a fifth of either does not
get "$BASE/api/handles/88.118.8/P-000001?index=1&index=2&index=3&index=4&type=a&type=b&type=c&type=URL"
expect_code 200 "max_filter_items filters"
assert_eq "$(jget '[v["index"] for v in d["values"]]')" "[1]" "max_filter_items filters"
get "$BASE/api/handles/88.118.8/P-000001?index=1&index=2&index=3&index=4&index=5"
expect_code 400 "one index over max_filter_items"
get "$BASE/api/handles/88.118.8/P-000001?type=a&type=b&type=c&type=d&type=e"
expect_code 400 "one type over max_filter_items"

note "public only: values without public read are never served"
get "$BASE/api/handles/88.118.8/MOBILE-1"
expect_code 200 "MOBILE-1"
assert_eq "$(jget '[v["index"] for v in d["values"]]')" "[2, 4, 10, 100]" "public values"
body_lacks "TOP-SECRET"
assert_eq "$(jget 'd["values"][1]["data"]')" "{'format': 'base64', 'value': 'AAEC/w=='}" "binary"
keep mobile record
get "$BASE/api/handles/88.118.8/MOBILE-1?index=3&publicOnly=false"
assert_eq "$(jget 'd["responseCode"]')" 200 "non-public value without authentication"

note "errors: 404, 400, 301"
get "$BASE/api/handles/88.118.8/NOPE"
expect_code 404 "not found"
expect_hdr Content-Type "$CT_JSON" "404"
assert_eq "$(cat "$T/b")" '{"responseCode":100,"handle":"88.118.8/NOPE"}' "404 body"
keep not_found error
get "$BASE/api/handles/88..118/x"
expect_code 400 "invalid handle"
assert_eq "$(jget 'd["responseCode"]')" 102 "102"
assert_eq "$(jget 'd["handle"]')" "88..118/x" "102 handle"
jget 'd["message"]' >/dev/null || fail "102 without message"
keep invalid error
get "$BASE/api/handles/99.1/x"
expect_code 400 "foreign prefix"
assert_eq "$(jget 'd["responseCode"]')" 301 "301"
case $(jget 'd["message"]') in *"99.1"*) ;; *) fail "301 message does not name the prefix" ;; esac
keep foreign error
get "$BASE/api/handles/88.118.9/x"
expect_code 400 "disabled prefix"
assert_eq "$(jget 'd["responseCode"]')" 301 "disabled prefix code"
for bad in '%00x' '88.118.8/%FF' '88.118.8/%4' '88.118.8/%C0%80'; do
	get "$BASE/api/handles/$bad"
	expect_code 400 "malformed target $bad"
	assert_eq "$(jget 'd["responseCode"]')" 4 "malformed target $bad code"
done
keep malformed error
get "$BASE/api/nothing"
expect_code 404 "unknown API resource"
keep unknown_api error

note "listing"
get "$BASE/api/handles?prefix=88.118.8&page=1&pageSize=5"
expect_code 200 "listing"
expect_hdr Content-Type "$CT_JSON" "listing"
assert_eq "$(jget 'd["totalCount"]')" 15 "totalCount"
assert_eq "$(jget 'type(d["totalCount"]).__name__')" str "totalCount is a string"
assert_eq "$(jget '(d["page"], d["pageSize"])')" "(1, 5)" "page fields"
assert_eq "$(jget 'd["handles"]')" \
	"['88.118.8/L-06', '88.118.8/L-07', '88.118.8/L-08', '88.118.8/L-09', '88.118.8/L-10']" "page 1"
assert_eq "$(jget 'd["next"]')" "88.118.8/L-10" "next: the last handle of a page that has a successor"
keep listing listing
get "$BASE/api/handles?prefix=88.118.8&after=88.118.8/L-10&pageSize=5"
assert_eq "$(jget 'd["handles"]')" \
	"['88.118.8/L-11', '88.118.8/L-12', '88.118.8/LOT-7', '88.118.8/MOBILE-1', '88.118.8/P-000001']" \
	"after= the next of page 1 is page 2"
assert_eq "$(jget '"next" in d')" False "no next on the last page"
keep listing_after listing
get "$BASE/api/handles?prefix=88.118.8&after=88.118.8/L-10&page=2"
expect_code 400 "after with page"
get "$BASE/api/handles?prefix=88.118.8&page=2&pageSize=7"
assert_eq "$(jget 'd["handles"]')" "['88.118.8/P-000001']" "last page"
get "$BASE/api/handles?prefix=88.118.8&pageSize=0"
assert_eq "$(jget '(d["totalCount"], d["handles"])')" "('15', [])" "count only"
keep count_only listing
get "$BASE/api/handles?prefix=0.NA/88.118.8&pageSize=2"
assert_eq "$(jget 'd["handles"]')" "['88.118.8/L-01', '88.118.8/L-02']" "0.NA/ form"
get "$BASE/api/handles?prefix=88.118.8"
assert_eq "$(jget '(d["pageSize"], len(d["handles"]))')" "(100, 15)" "default page size"
get "$BASE/api/handles?prefix=88.118.8&pageSize=101"
expect_code 400 "pageSize over list_page_max"
case $(jget 'd["message"]') in *100*) ;; *) fail "the message does not name the limit" ;; esac
keep page_too_big error
get "$BASE/api/handles?prefix=88.119"
expect_code 400 "listing a foreign prefix"
assert_eq "$(jget 'd["responseCode"]')" 301 "listing 301"
keep list_foreign error
get "$BASE/api/handles"
expect_code 400 "listing without prefix"

note "JSONP and pretty"
get "$BASE/api/handles/88.118.8/P-000001?callback=app.cb_1"
expect_code 200 "JSONP"
expect_hdr Content-Type "application/javascript; charset=utf-8" "JSONP"
expect_hdr X-Content-Type-Options nosniff "JSONP"
python3 - "$T/b" "$T/jsonp.json" <<'EOF' || fail "JSONP wrapper"
import sys
s = open(sys.argv[1], encoding="utf-8").read()
pre, post = "/**/app.cb_1(", ");"
assert s.startswith(pre) and s.endswith(post), s[:40]
open(sys.argv[2], "w", encoding="utf-8").write(s[len(pre):-len(post)])
EOF
same_json "$T/jsonp.json" "$T/record.json" "JSONP payload"
ORACLE_ARGS+=("record:$T/jsonp.json")
for cb in 'alert(1)' '1x' 'a..b' '%3Cscript%3E'; do
	get "$BASE/api/handles/88.118.8/P-000001?callback=$cb"
	expect_code 400 "callback $cb"
	expect_hdr Content-Type "$CT_JSON" "refused callback"
done
get "$BASE/api/handles/88.118.8/P-000001?pretty"
expect_code 200 "pretty"
body_has '  "responseCode": 1,'
[ "$(wc -l <"$T/b")" -gt 20 ] || fail "pretty output is not indented"
same_json "$T/b" "$T/record.json" "pretty"
keep pretty record
get "$BASE/api/handles/88.118.8/NOPE?pretty=true&callback=cb"
expect_code 404 "pretty JSONP error"
body_has '/**/cb({'

note "HEAD, OPTIONS, other methods"
CODE=$(curl -s -I -o "$T/h" -w '%{http_code}' "$BASE/api/handles/88.118.8/P-000001")
assert_eq "$CODE" 200 "HEAD status"
assert_eq "$(hdr Content-Length)" "$(wc -c <"$T/record.json")" "HEAD Content-Length"
get "$BASE/api/handles/88.118.8/P-000001" -X OPTIONS
expect_code 204 "OPTIONS"
expect_hdr Allow "GET, HEAD, PUT, DELETE, OPTIONS" "OPTIONS"
expect_hdr Access-Control-Allow-Methods "GET, HEAD, PUT, DELETE, OPTIONS" "preflight"
for m in POST PATCH; do
	get "$BASE/api/handles/88.118.8/P-000001" -X "$m"
	expect_code 405 "$m"
	expect_hdr Allow "GET, HEAD, PUT, DELETE, OPTIONS" "$m"
done
for m in DELETE PUT; do # writes: HTTPS only (rest_write.sh tests them)
	get "$BASE/api/handles/88.118.8/P-000001" -X "$m"
	expect_code 403 "$m over plain HTTP"
done
keep method error
get "$BASE/88.118.8/P-000001" -X POST
expect_code 405 "POST on the proxy"

note "proxy: redirect and pages"
get "$BASE/88.118.8/P-000001"
expect_code 302 "redirect"
expect_hdr Location "https://example.com/p/1" "redirect"
get "$BASE/88.118.8/P-000001?urlappend=%3Fa%3D1"
expect_hdr Location "https://example.com/p/1?a=1" "urlappend"
get "$BASE/88.118.8/MOBILE-1"
expect_code 302 "URL.* sub-type redirect"
expect_hdr Location "https://m.example.com/1" "sub-type redirect"
get "$BASE/88.118.8/P-000001?noredirect"
expect_code 200 "noredirect"
expect_hdr Content-Type "$CT_HTML" "page"
expect_hdr Vary "Accept-Language" "page"
hdr Content-Security-Policy | grep -q "default-src 'none'" || fail "page without CSP"
body_has '<meta name="viewport" content="width=device-width, initial-scale=1">'
body_has '<meta charset="utf-8">'
body_has '<html lang="zh-CN">' # no Accept-Language: Chinese
body_has '<p class="kind">零部件</p>'
body_has '<dt>登记企业</dt><dd>某某制造有限公司</dd>'
body_has '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;x&#39;'
body_lacks '<script'
body_lacks 'src='
body_has '<a href="https://example.com/p/1"'
body_has '<dt>材料</dt><dd>铝合金</dd>'
body_has '<details><summary>Handle 原始值'
# the lifecycle timeline (newest first, local time) and the component tree
body_has '<h2>生命周期</h2>'
body_has '<li><p class="ev">发货 <span class="disp">在途</span></p><p class="when"><time datetime="2024-01-22T02:00:00Z">2024-01-22 10:00:00 北京时间</time></p></li>'
body_has '<p class="ev">装配</p>'
body_has '<h2>组成部件</h2>'
body_has '<span class="rel">原料</span> <a href="/88.118.8/LOT-7?noredirect">88.118.8/LOT-7</a> <span class="k">批次</span>'
body_lacks '去向（用于）'
cp "$T/b" "$T/page_zh.html"
get "$BASE/88.118.8/P-000001?noredirect" -H "Accept-Language: en-US,en;q=0.9,zh-CN;q=0.8"
body_has '<html lang="en">'
body_has '<p class="kind">Part</p>'
body_has '<dt>Registered by</dt><dd>某某制造有限公司</dd>'
body_has 'Time (UTC)'
body_has '<p class="ev">Shipped <span class="disp">In transit</span></p>'
body_has '2024-01-22 02:00:00 UTC</time>'
body_has '<h2>Made of</h2>'
get "$BASE/88.118.8/P-000001?noredirect" -H "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8"
cmp -s "$T/b" "$T/page_zh.html" || fail "zh-CN first does not give the Chinese page"
get "$BASE/88.118.8/P-000001?noredirect&lang=zh" -H "Accept-Language: en"
body_has '<html lang="zh-CN">'
body_has 'lang=en" hreflang="en"'
get "$BASE/88.118.8/P-000001?noredirect&lang=en" -H "Accept-Language: zh-CN"
body_has '<html lang="en">'
get "$BASE/88.118.8/P-000001?noredirect&lang=fr" -H "Accept-Language: en"
body_has '<html lang="en">' # an unknown ?lang= is ignored
get "$BASE/88.118.8/P-000001?action=showvalues"
expect_code 200 "action=showvalues"
get "$BASE/88.118.8/LOT-7"
expect_code 200 "no URL: the page"
body_has '<p class="kind">批次</p>'
body_has '<p class="ev">投产</p>'
body_has '<dt>地点</dt><dd><a href="/88.118.8/P-000001?noredirect">88.118.8/P-000001</a> <span class="k">零部件</span></dd>'
body_has '<h2>去向（用于）</h2>'
body_has '<span class="rel">用于</span> <a href="/88.118.8/P-000001?noredirect">'
get "$BASE/88.118.8/MOBILE-1?noredirect&lang=en"
body_has '[binary data, 4 bytes]'
body_has '1 value(s) not shown'
body_lacks 'TOP-SECRET'
get "$BASE/88.118.8/NOPE%3Cb%3E"
expect_code 404 "page not found"
expect_hdr Content-Type "$CT_HTML" "404 page"
expect_hdr Vary "Accept-Language" "404 page"
body_has '88.118.8/NOPE&lt;b&gt;'
body_has '本节点没有登记此标识的对象'
body_lacks '<b>'
get "$BASE/88.118.8/NOPE" -H "Accept-Language: en"
body_has 'No item with this identifier is registered at this node.'
get "$BASE/99.1/x"
expect_code 400 "foreign prefix page"
body_has '标识前缀 <strong>99.1</strong> 不由本节点服务'
get "$BASE/99.1/x?lang=en"
body_has 'The prefix <strong>99.1</strong> is not served by this node'
get "$BASE/88.118.9/x?lang=en"
expect_code 400 "disabled prefix page"
body_has 'The prefix <strong>88.118.9</strong> is not served by this node'
get "$BASE/88..8/x"
expect_code 400 "not an identifier page"
body_has '扫描的内容不是有效的标识：前缀中有空的段'
get "$BASE/88..8/x?lang=en"
body_has 'What was scanned is not an identifier: prefix has an empty segment'
get "$BASE/%FF"
expect_code 400 "malformed proxy target"
expect_hdr Content-Type "$CT_HTML" "malformed proxy target"
get "$BASE/favicon.ico"
expect_code 404 "favicon"

note "home page and its form"
get "$BASE/"
expect_code 200 "home"
body_has '<form action="/" method="get">'
body_has 'name="hdl"'
get "$BASE/?hdl=88.118.8%2FP-000001"
expect_code 302 "form redirect"
expect_hdr Location "/88.118.8/P-000001" "form redirect"
get "$BASE/?hdl=+88.118.8/P-000001+&noredirect=on"
expect_hdr Location "/88.118.8/P-000001?noredirect" "form with noredirect"
get "$BASE/?hdl=//evil.example/x"
expect_hdr Location "/evil.example/x" "no protocol-relative redirect"
get "$BASE/?hdl=a%22b%3Cc"
expect_hdr Location "/a%22b%3Cc" "form value encoded"

note "HTTPS"
get "$SBASE/api/handles/88.118.8/P-000001" --cacert "$T/cert.pem"
expect_code 200 "HTTPS record"
cmp -s "$T/b" "$T/record.json" || fail "HTTPS and HTTP answers differ"
get "$SBASE/88.118.8/P-000001" --cacert "$T/cert.pem"
expect_code 302 "HTTPS redirect"
get "$SBASE/healthz" --cacert "$T/cert.pem" --tlsv1.2 --tls-max 1.2
expect_code 200 "TLS 1.2"
if curl -s -o /dev/null --cacert "$T/cert.pem" --tls-max 1.1 "$SBASE/healthz" 2>/dev/null; then
	fail "TLS 1.1 was accepted"
fi
if curl -s -o /dev/null -m 5 "http://$S/healthz"; then
	fail "plain HTTP was answered on the HTTPS port"
fi

note "operations"
get "$BASE/healthz"
expect_code 200 "healthz"
assert_eq "$(cat "$T/b")" ok "healthz body"
sleep 0.3 # let the server see the earlier connections close
get "$BASE/metrics"
expect_code 200 "metrics (srv.c must call http_worker_set_process)"
expect_hdr Content-Type "text/plain; version=0.0.4; charset=utf-8" "metrics"
body_has 'idr_http_requests_total{proto="http",route="api",code="200"}'
body_has 'idr_http_requests_total{proto="http",route="api",code="404"}'
body_has 'idr_http_requests_total{proto="http",route="list",code="200"}'
body_has 'idr_http_requests_total{proto="http",route="proxy",code="302"}'
body_has 'idr_http_requests_total{proto="https",route="api",code="200"}'
body_has 'idr_request_duration_seconds_bucket{proto="http",le="+Inf"}'
body_has 'idr_connections{proto="http"} 1'
body_has 'idr_connections{proto="https"} 0'
body_has 'idr_store_records '

note "the same record over HTTP, UDP and TCP"
for tr in udp tcp; do
	port=$UDP
	[ "$tr" = tcp ] && port=$TCP
	ok idr resolve 88.118.8/P-000001 --server "$port" "--$tr" --json
	cp "$OUT" "$T/resolve.$tr.json"
	same_json "$T/resolve.$tr.json" "$T/record.json" "HTTP JSON and idr resolve --$tr"
done
ok idr resolve 88.118.8/P-000001 --server "$H" --http --json
cp "$OUT" "$T/resolve.http.json"
same_json "$T/resolve.http.json" "$T/record.json" "idr resolve --http"
ok idr resolve 88.118.8/P-000001 --server "$UDP" --udp --json --type URL --index 2000
cp "$OUT" "$T/resolve.filtered.json"
get "$BASE/api/handles/88.118.8/P-000001?type=URL&index=2000"
same_json "$T/resolve.filtered.json" "$T/b" "filtered over UDP and HTTP"

note "caps: header size, connections per address"
get "$BASE/healthz" -H "X-Big: $(head -c 6000 /dev/zero | tr '\0' a)"
case $CODE in 400 | 413 | 431) ;; *) fail "oversized header: HTTP $CODE" ;; esac
python3 - "$H" <<'EOF' || fail "connection cap"
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
port = int(port)
REQ = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"

def ask(s):
    s.settimeout(5)
    s.sendall(REQ)
    try:
        return s.recv(200)
    except ConnectionResetError:
        return b""

held = [socket.create_connection((host, port)) for _ in range(8)]
time.sleep(0.3)
extra = socket.create_connection((host, port))
time.sleep(0.3)
got = ask(extra)
assert got == b"", "a ninth connection was served: %r" % got[:40]
assert ask(held[0]).startswith(b"HTTP/1.1 200"), "a held connection stopped working"
for s in held:
    s.close()
extra.close()
time.sleep(0.5)
again = socket.create_connection((host, port))
assert ask(again).startswith(b"HTTP/1.1 200"), "closed connections were not released"
again.close()
EOF

note "schema oracle (ajv) over every JSON answer kept"
node "$ORACLES/validate-handle.js" "${ORACLE_ARGS[@]}" >"$T/oracle.out" 2>&1 ||
	{ cat "$T/oracle.out" >&2; fail "the schema oracle rejected an answer"; }
# the oracle itself rejects what it must
printf '%s' '{"responseCode":1,"handle":"x","values":[{"index":1,"type":"URL","data":{"format":"string","value":"a"},"ttl":"soon"}]}' >"$T/oracle/broken.json"
if node "$ORACLES/validate-handle.js" "record:$T/oracle/broken.json" >/dev/null 2>&1; then
	fail "the schema oracle accepted a broken record"
fi

note "SIGHUP: reloadable options apply to the next request"
sed -i 's/^max_filter_items 4$/http_cors no/' "$T/idrd.conf"
kill -HUP "$IDRD_PID"
n=50
while [ "$n" -gt 0 ]; do
	get "$BASE/api/handles/88.118.8/P-000001"
	[ -z "$(hdr Access-Control-Allow-Origin)" ] && break
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "http_cors no was not applied after SIGHUP"
get "$BASE/api/handles/88.118.8/P-000001?index=1&index=2&index=3&index=4&index=5"
expect_code 200 "max_filter_items back to its default"

note "SIGTERM"
stop_pid "$IDRD_PID"
assert_eq "$STOP_STATUS" 0 "idrd exit status"
check_sanitizer "$T/idrd.log"
if grep -E 'idrd\[[0-9]+\] (err|crit|alert|emerg):' "$T/idrd.log"; then
	fail "errors in the log"
fi
note "ok"
