#!/usr/bin/env bash
# fed_takeover.sh - emergency takeover of a node by its top level (fed/takeover.h): node 88.118
# and a top level backing it up (as fed_backup.sh). With the copy converged, the node stops;
# `idr node takeover 88.118` points the prefix record 0.NA/88.118 at the top level, which
# answers 88.118.8/... from its backup copy over UDP, TCP, HTTP and the national API (and lists
# the prefix from it, paged), refuses writes for it (Handle RC 7; HTTP 503 with Retry-After on
# the REST, national and EPCIS APIs) and keeps the state across a restart. The node comes back,
# `idr node release` gives it its HS_SITE again (serial bumped), and the node's records equal
# the copy's: nothing lost or duplicated. The node commands run both on the store (--data) and
# against the running top level over HTTPS (--node, as its administrator 300:88/ADMIN of
# server_admins), with the same refusals (unknown prefix, no backup copy, already taken over,
# not taken over, not an administrator, plain HTTP).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

note "node 88.118 with records; it authorises the top level as a follower"
make_data
seckey_identity 88.118/TOPLEVEL 'top pw' "$D"
printf 'top pw\n' >"$T/top.secret"
make_cert
idrd_conf "$T/node.conf" "journal_followers 300:88.118/TOPLEVEL" "${TLS_LINES[@]}"
start_idrd "$T/node.conf" "$T/node.log"
N_PID=$IDRD_PID
NH=$(port_of http)
NS=$(port_of https)
NT=$(port_of tcp)
# the same addresses when it comes back (the top level's backup line names its HTTPS port)
sed -e "s/^udp_listen .*/udp_listen $(port_of udp)/" -e "s/^tcp_listen .*/tcp_listen $NT/" \
	-e "s/^http_listen .*/http_listen $NH/" -e "s/^https_listen .*/https_listen $NS/" \
	"$T/node.conf" >"$T/node2.conf"

note "the top level onboards the node (its site) and backs it up"
TOP=$T/top
ok "$IDR_BIN" init --data "$TOP" --node-prefix 88 --owner "顶级节点"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --site "$NT" --data "$TOP"
seckey_identity 88/ADMIN 'top pw' "$TOP"
seckey_identity 88/OTHER 'other pw' "$TOP"
printf 'other pw\n' >"$T/other.secret"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n300.pem"
cat >"$T/top.conf" <<EOF2
data_dir $TOP
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $T/cert.pem
tls_key $T/key.pem
server_admins 300:88/ADMIN
role toplevel
server_key $T/server.pem
backup 88.118 https://$NS 300:88.118/TOPLEVEL $T/top.secret
backup_cacert $T/cert.pem
EOF2
start_top() {
	PORTS=$T/top.ports
	start_idrd "$T/top.conf" "$T/top.log.$1"
	T_PID=$IDRD_PID
	TH=$(port_of http)
	TT=$(port_of tcp)
	TU=$(port_of udp)
	TS=$(port_of https)
	PORTS=$T/ports
}
# remote ARGS...: `idr node ARGS` against the running top level as its administrator
remote() {
	"$IDR_BIN" node "$@" --node "https://$TS" --id 300:88/ADMIN --secret-file "$T/top.secret" \
		--cacert "$T/cert.pem"
}
# req METHOD PATH USER [BODY]: curl over HTTPS to the top level; status in $code, body in
# $T/body, headers in $T/hdrs
req() {
	args=(-sS -o "$T/body" -D "$T/hdrs" -w '%{http_code}' --cacert "$T/cert.pem" -X "$1")
	[ -n "$3" ] && args+=(-u "$3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	code=$(curl "${args[@]}" "https://$TS$2")
}
# refused503 WHAT: the last answer is 503 with Retry-After and names the takeover
refused503() {
	[ "$code" = 503 ] || { cat "$T/body" >&2; fail "$1: HTTP $code, want 503"; }
	grep -qi '^Retry-After: [0-9]' "$T/hdrs" || fail "$1: no Retry-After"
	grep -qF "node 88.118 is taken over by the top level" "$T/body" ||
		{ cat "$T/body" >&2; fail "$1: the refusal does not name the takeover"; }
}
ADMIN='300%3A88/ADMIN:top pw'
stop_top() {
	IDRD_PID=$T_PID
	stop_idrd "$T/top.log.$1"
}
start_top 1

# same DIR: wait (60 s: the follower backs off up to 30 s while the node is down) until the
# copy in DIR has the node's records and journal head
same() { converge_copy "$D" "$1" "$T/top.log.1"; }
log_wait "$T/top.log.1" "bootstrapped from a snapshot" 10
{
	echo "id,kind,url"
	for i in $(seq 1 50); do echo "88.118.8/B-$i,part,https://example.com/b/$i"; done
} >"$T/rows.csv"
ok "$IDR_BIN" import "$T/rows.csv" --data "$D"
same "$TOP/backup/88.118"

# node_field EXPR: a field of node 88.118 in `idr node list --json` on the top level
node_field() {
	ok "$IDR_BIN" node list --json --data "$TOP"
	json_get "$OUT" "[n for n in d if n[\"prefix\"]==\"88.118\"][0]$1"
}
SERIAL0=$(node_field '["serial"]')
assert_eq "$(node_field '["takeover"]')" False "takeover before"

note "the node commands over HTTPS: list, add, and who may"
ok remote list --json
assert_eq "$(json_get "$OUT" '[n["prefix"] for n in d]')" "['88.118']" "remote list"
[ "$(json_get "$OUT" '[n for n in d if n["prefix"]=="88.118"][0]["backup"]["seq"]')" -gt 0 ] ||
	fail "remote list: no backup seq"
ok remote add 88.300 --node-key "$T/n300.pem.pub" --owner "node three"
expect_out "added node 88.300"
ok remote add 88.300 --node-key "$T/n300.pem.pub" --owner "node three"
expect_out "unchanged node 88.300"
expect_exit 64 remote add 88.301
expect_err "--node-key"
expect_exit 1 "$IDR_BIN" node add 88.301 --node-key "$T/n300.pem.pub" --node "https://$TS" \
	--id 300:88/OTHER --secret-file "$T/other.secret" --cacert "$T/cert.pem"
expect_err "only node administrators (server_admins)"
expect_err "HTTP 403"
req POST /api/v1/nodes/88.118/takeover ""
[ "$code" = 401 ] || fail "takeover without credentials: HTTP $code"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X POST -u "$ADMIN" "http://$TH/api/v1/nodes/88.118/takeover")
[ "$code" = 403 ] && grep -qF "HTTPS only" "$T/body" || fail "takeover over HTTP: $code"
req POST /api/v1/nodes "$ADMIN" '{"prefix":"88.302","public_key":{"format":"hex","value":"00"}}'
[ "$code" = 400 ] && grep -qF "public_key" "$T/body" || { cat "$T/body" >&2; fail "bad key: $code"; }
req POST /api/v1/nodes/88.118/takeover "$ADMIN" '{"site":"nowhere"}'
[ "$code" = 400 ] && grep -qF "IP:PORT" "$T/body" || { cat "$T/body" >&2; fail "bad site: $code"; }
ok "$IDR_BIN" node list --json --data "$TOP"
assert_eq "$(json_get "$OUT" '[n["prefix"] for n in d]')" "['88.118', '88.300']" "list after add"
assert_eq "$(json_get "$OUT" '[n for n in d if n["prefix"]=="88.300"][0]["owner"]')" "node three" "owner"

note "the node stops; the top level takes it over"
IDRD_PID=$N_PID
stop_idrd "$T/node.log"
expect_exit 1 "$IDR_BIN" node release 88.118 --data "$TOP"
expect_err "not taken over"
expect_exit 1 remote release 88.118
expect_err "not taken over: nothing to release (HTTP 409"
expect_exit 1 "$IDR_BIN" node takeover 88.999 --site "$TT" --data "$TOP"
expect_err "no node"
expect_exit 1 remote takeover 88.999
expect_err "88.999 is no node of this top level"
expect_err "HTTP 404"
expect_exit 1 remote takeover 88.300 --site "$TT"
expect_err "no backup copy of node 88.300"
expect_exit 1 "$IDR_BIN" node takeover 88.300 --site "$TT" --data "$TOP"
expect_err "no backup copy of node 88.300"
ok remote takeover 88.118 --site "$TT"
expect_out "took over node 88.118"
expect_exit 1 remote takeover 88.118 --site "$TT"
expect_err "already taken over"
expect_exit 1 "$IDR_BIN" node takeover 88.118 --site "$TT" --data "$TOP"
expect_err "already taken over"

# served TAG: the top level answers the node's records from the copy (UDP, TCP, HTTP)
served() {
	ok "$IDR_BIN" resolve 88.118.8/P-000001 --server "$TU" --udp
	expect_out "https://example.com/p/1"
	ok "$IDR_BIN" resolve 88.118.8/B-7 --server "$TT" --tcp
	expect_out "https://example.com/b/7"
	ok curl -sS "http://$TH/api/handles/88.118.8/P-000001"
	json_valid "$OUT"
	assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "HTTP responseCode ($1)"
	grep -qF "https://example.com/p/1" "$OUT" || fail "HTTP answer lacks the URL ($1)"
	# an unknown handle of the node: not found (100), no referral back to the top level
	expect_exit 3 "$IDR_BIN" resolve 88.118.8/NOPE --server "$TT" --tcp
	expect_err "HANDLE_NOT_FOUND (100)"
	# the national API reads from the copy too
	ok curl -sS "http://$TH/identityv2/data/detail?handle=88.118.8/P-000001"
	json_valid "$OUT"
	assert_eq "$(json_get "$OUT" 'd["status"]')" 1 "national API status ($1)"
	grep -qF "https://example.com/p/1" "$OUT" || fail "national API answer lacks the URL ($1)"
	# the REST listing of the node's prefix comes from the copy: every handle, paged
	ok curl -sS "http://$TH/api/handles?prefix=88.118.8&pageSize=40"
	json_get "$OUT" 'd["handles"]' >/dev/null || fail "no handles in the listing ($1)"
	python3 - "$TH" "$D" "$IDR_BIN" <<'PY' || fail "the listing from the copy differs ($1)"
import json, subprocess, sys, urllib.request
host, data, idr = sys.argv[1:4]
got, after = [], None
while True:
    url = "http://%s/api/handles?prefix=88.118.8&pageSize=40" % host
    if after:
        url += "&after=" + after
    d = json.load(urllib.request.urlopen(url))
    assert d["responseCode"] == 1, d
    got += d["handles"]
    after = d.get("next")
    if not after:
        break
out = subprocess.run([idr, "export", "--data", data], capture_output=True, check=True).stdout
lines = [json.loads(l) for l in out.decode().splitlines()]
want = sorted(r["handle"] for r in lines if r.get("handle", "").upper().startswith("88.118.8/"))
assert sorted(got) == want and int(d["totalCount"]) == len(want), (len(got), len(want), d.get("totalCount"))
PY
}
served "taken over"

note "the prefix record at the top level lists the top level's site"
assert_eq "$(node_field '["takeover"]')" True "takeover flag"
assert_eq "$(node_field '["sites"][0]["interfaces"][0]["port"]')" "${TT##*:}" "site port"
SERIAL1=$(node_field '["serial"]')
[ "$SERIAL1" -gt "$SERIAL0" ] || fail "serial $SERIAL1 not above $SERIAL0"
ok curl -sS "http://$TH/api/v1/nodes"
json_valid "$OUT"
assert_eq "$(json_get "$OUT" '[n for n in d["nodes"] if n["prefix"]=="88.118"][0]["takeover"]')" \
	True "GET /api/v1/nodes takeover"
[ "$(json_get "$OUT" '[n for n in d["nodes"] if n["prefix"]=="88.118"][0]["takeoverSince"]')" != None ] ||
	fail "no takeoverSince"

note "writes for the node are refused (RC 7)"
expect_exit 1 "$IDR_BIN" admin create 88.118.8/W-1 1:URL:https://e.example/w --server "$TT" \
	--id 300:88/ADMIN --secret-file "$T/top.secret" --hashed
expect_err "(7)"
grep -qF "taken over" "$ERR" || fail "the refusal does not name the takeover"
J0=$("$IDR_BIN" stats --data "$TOP" | awk '/^journal entries:/ { print $3 }')
req PUT "/api/handles/88.118.8/W-1" "$ADMIN" '[{"index":1,"type":"URL","data":"https://e.example/w"}]'
refused503 "REST PUT"
assert_eq "$(json_get "$T/body" 'd["responseCode"]')" 7 "REST responseCode"
req DELETE "/api/handles/88.118.8/P-000001" "$ADMIN"
refused503 "REST DELETE"
req POST /identityv2/data "$ADMIN" '{"handle":"88.118.8/W-2","templateVersion":"1","value":[]}'
refused503 "national API create"
req POST /identityv2/data/batchCreate "$ADMIN" \
	'[{"handle":"88.200.1/X","templateVersion":"1","value":[]},{"handle":"88.118.8/W-3","templateVersion":"1","value":[]}]'
refused503 "national API batch"
req GET "/snms/api/v5/template/list?prefix=88.118.8" "$ADMIN"
refused503 "national API template list"
EV='{"type":"ObjectEvent","eventTime":"2024-03-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00","epcList":["https://n.example/88.118.8/P-000001"],"action":"OBSERVE","bizStep":"shipping"}'
req POST /capture "$ADMIN" '{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z","epcisBody":{"eventList":['"$EV"']}}'
refused503 "EPCIS capture"
assert_eq "$("$IDR_BIN" stats --data "$TOP" | awk '/^journal entries:/ { print $3 }')" "$J0" \
	"the top level's journal after the refused writes"

note "the takeover survives a restart of the top level"
stop_top 1
start_top 2
served "after restart"

note "the node comes back; the top level releases it"
start_idrd "$T/node2.conf" "$T/node.log.2"
N_PID=$IDRD_PID
ok remote release 88.118
expect_out "released node 88.118"
# the backup follower, backed off while the node was down, retries at once
log_wait "$T/top.log.2" "backup 88.118: the node is back: following again now" 5
assert_eq "$(node_field '["takeover"]')" False "takeover after release"
assert_eq "$(node_field '["sites"][0]["interfaces"][0]["port"]')" "${NT##*:}" "node site port"
SERIAL2=$(node_field '["serial"]')
[ "$SERIAL2" -gt "$SERIAL1" ] || fail "serial $SERIAL2 not above $SERIAL1"

note "nothing lost or duplicated: the node's records equal the copy's"
{
	echo "id,kind,url"
	for i in $(seq 51 60); do echo "88.118.8/B-$i,part,https://example.com/b/$i"; done
} >"$T/rows2.csv"
ok "$IDR_BIN" import "$T/rows2.csv" --data "$D"
same "$TOP/backup/88.118"
n=$(grep -c '"88.118.8/B-' "$T/a.jsonl")
assert_eq "$n" 60 "records B-* on the node"

note "shutdown"
stop_top 2
IDRD_PID=$N_PID
stop_idrd "$T/node.log.2"
