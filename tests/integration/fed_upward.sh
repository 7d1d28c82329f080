#!/usr/bin/env bash
# fed_upward.sh - a secondary node's link upward (fed/fup.h) between two real idrd: a top level
# (role toplevel, node prefix 88, node 88.118 onboarded with `idr node add`) and the secondary
# 88.118 with `toplevel`, `toplevel_http` and `node_key`. Checked: started before the top
# level, the secondary shows the failure in /healthz and registers once the top level is up
# (back-off); its HS_SITE and HS_SITE.PREFIX at the top level are the site it publishes;
# restarted on other ports it updates them with the serial bumped; reports arrive and their
# counts match what was done (registrations and resolutions); a report with a broken signature,
# a replay of a stored period with other content, an unknown node and a malformed body are
# refused with clear errors; the top level stopped for some periods: the missed reports are
# caught up after its restart; `idr federation status` on both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

command -v curl >/dev/null 2>&1 || fail "curl is needed"
command -v openssl >/dev/null 2>&1 || fail "openssl is needed"

# nodes_has EXPR: the top level's /api/v1/nodes, node 88.118 as `n`, satisfies EXPR
nodes_has() {
	curl -sf "http://$HT/api/v1/nodes" >"$T/nodes.json" || return 1
	python3 - "$T/nodes.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = [x for x in d["nodes"] if x["prefix"] == "88.118"][0]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}
# site_ports: "TCP UDP" ports of the HS_SITE at index 1 of 0.NA/88.118 at the top level
site_of() {
	"$IDR_BIN" resolve 0.NA/88.118 --server "127.0.0.1:$PT" --tcp --json >"$T/site.json" || return 1
	python3 - "$T/site.json" <<'PY'
import json, struct, sys
d = json.load(open(sys.argv[1]))
vals = d.get("values", d)
out = {}
for v in vals:
    if v["index"] in (1, 2):
        data = v["data"]["value"]
        out[v["index"]] = (v["type"], json.dumps(data, sort_keys=True))
if 1 not in out or 2 not in out:
    sys.exit(1)
print(out[1][0], out[2][0])
print(out[1][1])
print(out[2][1])
PY
}

note "stores and keys"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/other.pem"
ok "$IDR_BIN" init --data "$T/top" --node-prefix 88 --owner top
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --data "$T/top"
ok "$IDR_BIN" init --data "$T/n1" --node-prefix 88.118 --owner node1
ok "$IDR_BIN" prefix add 88.118.8 --data "$T/n1" --owner ent8
ok "$IDR_BIN" prefix add 88.118.9 --data "$T/n1" --owner ent9

note "configuration checks of the upward link (idrd -n)"
printf 'data_dir %s\nudp_listen 127.0.0.1:0\nnode_key_id 300\ntoplevel_http http://x:8000\n' "$T/n1" >"$T/bad.conf"
expect_exit 1 "$IDRD_BIN" -n -c "$T/bad.conf"
expect_err "bad.conf:3: node_key_id: INDEX:HANDLE expected"
expect_err "bad.conf:4: toplevel_http: https://HOST:PORT expected"
expect_err "need node_key"
printf 'data_dir %s\nudp_listen 127.0.0.1:0\nnode_key %s\n' "$T/n1" "$T/n118.pem" >"$T/bad.conf"
expect_exit 1 "$IDRD_BIN" -n -c "$T/bad.conf"
expect_err "node_key needs toplevel"

# the top level on fixed ports (the secondary knows them before it runs; UDP and TCP share one)
PT=$(free_port)
PH=$(free_port)
PS=$(free_port)
make_cert
TOP=("role toplevel" "server_key $T/server.pem" "udp_listen 127.0.0.1:$PT" "tcp_listen 127.0.0.1:$PT"
	"http_listen 127.0.0.1:$PH" "https_listen 127.0.0.1:$PS" "tls_cert $T/cert.pem"
	"tls_key $T/key.pem")
HT=127.0.0.1:$PH
ST=127.0.0.1:$PS
N1=("udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0"
	"toplevel 127.0.0.1:$PT" "toplevel_http https://$ST" "toplevel_cacert $T/cert.pem"
	"node_key $T/n118.pem"
	"report_interval 2" "upstream_retry_max 1" "recursion_timeout_ms 1000")

note "the secondary starts before the top level: not registered, the error in /healthz"
start_node n1 "${N1[@]}"
H1=$(portof n1 http)
U1=$(portof n1 udp)
until_ok 10 "a failed registration in /healthz" sh -c \
	"curl -sf http://$H1/healthz | grep -q '\"registered\":false,\"serial\":null,\"error\":\"top level unreachable'"
ok curl -sf "http://$H1/healthz"
json_valid "$OUT"
expect_out '"status":"ok"'
expect_out '"next_try":"'
ok curl -sf "http://$H1/metrics"
expect_out "idr_upstream_registered 0"
ok "$IDR_BIN" federation status --node "http://$H1"
expect_out "NOT registered"
expect_out "error: top level unreachable"

note "the top level comes up: the secondary registers (back-off retry) with its own site"
start_node top "${TOP[@]}"
until_ok 20 "HS_SITE of 88.118 at the top level" site_of
expect_out "HS_SITE HS_SITE.PREFIX"
T1=$(portof n1 tcp)
grep -q "\"port\": ${T1##*:}" "$OUT" || { show_output; fail "HS_SITE lacks the TCP port ${T1##*:}"; }
grep -q "\"port\": ${U1##*:}" "$OUT" || { show_output; fail "HS_SITE lacks the UDP port ${U1##*:}"; }
until_ok 10 "registered in /healthz" sh -c \
	"curl -sf http://$H1/healthz | grep -q '\"registered\":true'"
SERIAL1=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["upstream"]["serial"])' <"$OUT" 2>/dev/null ||
	curl -sf "http://$H1/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["upstream"]["serial"])')
ok "$IDR_BIN" federation status --node "http://$H1"
expect_out "registered, serial $SERIAL1"
note "the published site and the registered one are the same: a SIGHUP changes nothing"
kill -HUP "$PID_n1"
log_wait "$T/n1.log" "reload: configuration applied"
sleep 1
ok curl -sf "http://$H1/healthz"
expect_out "\"serial\":$SERIAL1,"

note "restart on other ports: sites updated, serial bumped"
stop_node n1
start_node n1 "${N1[@]}"
H1=$(portof n1 http)
U1=$(portof n1 udp)
T1=$(portof n1 tcp)
until_ok 20 "the new TCP port in HS_SITE" sh -c "$(declare -f site_of); IDR_BIN=$IDR_BIN PT=$PT T=$T site_of | grep -q '\"port\": ${T1##*:}'"
until_ok 10 "registered again" sh -c "curl -sf http://$H1/healthz | grep -q '\"registered\":true'"
SERIAL2=$(curl -sf "http://$H1/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["upstream"]["serial"])')
assert_eq "$SERIAL2" "$((SERIAL1 + 1))" "HS_SITE serial after the restart"
ok curl -sf "http://$HT/api/v1/nodes"
expect_out "\"serial\":$SERIAL2"

note "reports: N registrations and M resolutions arrive in the totals"
until_ok 10 "a first report" nodes_has 'n["report"] is not None'
BASE=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=[x for x in d["nodes"] if x["prefix"]=="88.118"][0]; t=n["report"]["totals"]; print(t["creates"], t["updates"], t["deletes"], t["resolutions"])' "$T/nodes.json")
read -r C0 U0 D0 R0 <<<"$BASE"
for i in 1 2 3 4 5; do
	ok "$IDR_BIN" register "88.118.8/R-$i" --data "$T/n1" --kind part --url "https://e.example/$i"
done
ok "$IDR_BIN" register 88.118.9/R-1 --data "$T/n1" --kind part --url https://e.example/9
ok "$IDR_BIN" set 88.118.8/R-1 colour=red --data "$T/n1"
ok "$IDR_BIN" delete 88.118.8/R-5 --data "$T/n1"
for i in 1 2 3 4; do
	ok "$IDR_BIN" resolve "88.118.8/R-$i" --server "$U1" --udp --json
done
# not found (deleted, never made) is a resolution answered here too
for h in 88.118.8/R-5 88.118.8/NONE-1 88.118.8/NONE-2; do
	expect_exit 3 "$IDR_BIN" resolve "$h" --server "$U1" --udp
	expect_err "HANDLE_NOT_FOUND"
done
for i in 1 2 3; do
	ok curl -sf "http://$H1/api/handles/88.118.9/R-1"
done
until_ok 15 "report totals: 6 creates, 1 update, 1 delete, 10 resolutions" nodes_has \
	"n['report']['totals']['creates'] == $C0 + 6 and n['report']['totals']['updates'] == $U0 + 1 and n['report']['totals']['deletes'] == $D0 + 1 and n['report']['totals']['resolutions'] == $R0 + 10"
nodes_has 'n["state"] == "up" and n["heartbeat"] is not None' || fail "node 88.118 not up"

note "refused reports: broken signature, replay, unknown node, malformed"
P=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=[x for x in d["nodes"] if x["prefix"]=="88.118"][0]; print(n["report"]["last_period"])' "$T/nodes.json")
printf 'idr-report 1\nnode 88.118\nperiod %s\ninterval 2\nfrom %s\nto %s\nuptime 1\nstore_bytes 1\njournal_head 1\nprefix 88.118.8 999 0 0 0\nend\n' \
	"$P" "$((P * 2))" "$((P * 2 + 2))" >"$T/forged.txt"
sign() { # sign KEY FILE: the Authorization value
	echo "IdrReport SHA256 $(openssl dgst -sha256 -sign "$1" "$2" | od -An -v -tx1 | tr -d ' \n')"
}
post() { # post FILE AUTH [URL]: status code, body in $T/resp
	curl -s -o "$T/resp" -w '%{http_code}' -X POST --data-binary "@$1" --cacert "$T/cert.pem" \
		-H "Content-Type: text/plain; charset=utf-8" -H "Authorization: $2" \
		"${3:-https://$ST}/api/v1/reports"
}
assert_eq "$(post "$T/forged.txt" "$(sign "$T/n118.pem" "$T/forged.txt")" "http://$HT")" 403 \
	"a report over plain HTTP"
grep -q "HTTPS only" "$T/resp" || fail "403 message: $(cat "$T/resp")"
assert_eq "$(post "$T/forged.txt" "$(sign "$T/other.pem" "$T/forged.txt")")" 401 "signed with another key"
grep -q "does not verify with the node key" "$T/resp" || fail "401 message: $(cat "$T/resp")"
GOOD=$(sign "$T/n118.pem" "$T/forged.txt")
BROKEN="${GOOD%??}00"
[ "$BROKEN" != "$GOOD" ] || BROKEN="${GOOD%??}11"
assert_eq "$(post "$T/forged.txt" "$BROKEN")" 401 "a broken signature"
assert_eq "$(post "$T/forged.txt" "Bearer x")" 401 "no IdrReport signature"
grep -q "IdrReport <hash> <hex signature> expected" "$T/resp" || fail "401 message: $(cat "$T/resp")"
assert_eq "$(post "$T/forged.txt" "$GOOD")" 409 "period $P again with other content (a replay)"
grep -q "already stored with other content" "$T/resp" || fail "409 message: $(cat "$T/resp")"
sed 's/^node 88.118$/node 88.300/' "$T/forged.txt" >"$T/unknown.txt"
assert_eq "$(post "$T/unknown.txt" "$(sign "$T/n118.pem" "$T/unknown.txt")")" 404 "unknown node"
printf 'idr-report 1\nnode 88.118\nperiod x\n' >"$T/bad.txt"
assert_eq "$(post "$T/bad.txt" "$(sign "$T/n118.pem" "$T/bad.txt")")" 400 "malformed"
grep -q "line 3: period: not a number" "$T/resp" || fail "400 message: $(cat "$T/resp")"
nodes_has "n['report']['totals']['creates'] == $C0 + 6" || fail "a refused report changed the totals"

note "the top level stopped for some periods: the missed reports are caught up"
until_ok 10 "nothing pending" sh -c "curl -sf http://$H1/healthz | grep -q '\"pending\":0,'"
nodes_has True
PERIODS=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=[x for x in d["nodes"] if x["prefix"]=="88.118"][0]; print(n["report"]["totals"]["reports"], n["report"]["last_period"])' "$T/nodes.json")
read -r REPORTS0 LAST0 <<<"$PERIODS"
stop_node top
ok "$IDR_BIN" register 88.118.8/DOWN-1 --data "$T/n1" --kind part --url https://e.example/d1
sleep 3
ok "$IDR_BIN" register 88.118.8/DOWN-2 --data "$T/n1" --kind part --url https://e.example/d2
until_ok 10 "reports waiting" sh -c "curl -sf http://$H1/healthz | grep -Eq '\"pending\":[3-9]'"
ok "$IDR_BIN" federation status --node "http://$H1"
expect_out "pending"
start_node top "${TOP[@]}"
until_ok 20 "caught up: 2 more creates" nodes_has "n['report']['totals']['creates'] == $C0 + 8"
nodes_has "n['report']['totals']['reports'] >= $REPORTS0 + 3 and n['report']['last_period'] >= $LAST0 + 3" ||
	{ cat "$T/nodes.json" >&2; fail "missed periods not all reported"; }
until_ok 10 "nothing pending after the catch-up" sh -c "curl -sf http://$H1/healthz | grep -q '\"pending\":0,'"
ok curl -sf "http://$H1/metrics"
expect_out 'idr_reports_total{result="acknowledged"}'

note "idr federation status on the top level"
ok "$IDR_BIN" federation status --node "http://$HT"
expect_out "top level: 1 nodes"
expect_out "88.118"
expect_out " up "
ok "$IDR_BIN" federation status --node "http://$HT" --json
json_valid "$OUT"
expect_out '"state":"up"'
expect_exit 64 "$IDR_BIN" federation status
expect_exit 64 "$IDR_BIN" federation status --node "ftp://x"

stop_node n1
note "the secondary down: late, then down at the top level"
until_ok 15 "late" nodes_has 'n["state"] in ("late", "down")'
stop_node top
grep -q "upward registration" "$T/n1.log" || fail "no registration in the secondary's log"
