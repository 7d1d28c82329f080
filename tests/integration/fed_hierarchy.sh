#!/usr/bin/env bash
# fed_hierarchy.sh - the hierarchy end to end, real idrd on 127.0.0.1: a top level (role
# toplevel, node prefix 88) onboards nodes 88.118 and 88.200 with `idr node add`; both register
# themselves upward with their node keys. Enterprise 88.118.8 registers two parts on node 1
# (commissioning events); enterprise 88.200.3 on node 2 registers a product assembled from them
# (a TransformationEvent whose inputs are node 1's parts). Checked: (a) node 2 resolves node 1's
# parts with REC over UDP and TCP; (b) a client whose only root is the top level resolves
# identifiers of both nodes end to end (`idr resolve`: 303 / 302 referrals followed by default to
# the node's site; the referral's bytes are what stock clients decode); (c) a back trace of the
# product asked of node 2 reaches node 1's parts and their events through the federation,
# without --peer. Then the issue's story of a hierarchy under trouble: (d) a mirror of node 1
# converges (same records, same journal head) after a write burst, and again after a SIGKILL in
# the middle of another burst; the top level's backup copy of node 1 converges too; (e) node 1
# stops: node 2 keeps answering the identifiers it had cached (serve-stale) and answers an
# uncached one with a clear error; the top level's administrator takes 88.118 over (`idr node
# takeover --node`, HTTPS): the top level serves node 1's records from its backup, to direct
# clients, to a client rooted at the top (`idr resolve --follow`) and to node 2's recursion;
# writes are refused (503); node 1 returns, `idr node release`: nothing lost or duplicated
# (node 1's export equals the top's copy, the record counts are those written); (f) the
# reports of both nodes arrive and their totals grew by what was done (`idr federation status`,
# `idr node list --json`). Then node 1 stops again and the trace marks its branches unreachable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

ids() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"]))'; }
unreach() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"] if "unreachable" in n))'; }

note "stores and keys: the top level onboards both nodes first"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n200.pem"
ok "$IDR_BIN" init --data "$T/top" --node-prefix 88 --owner top
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --data "$T/top"
ok "$IDR_BIN" node add 88.200 --key "$T/n200.pem.pub" --data "$T/top"
seckey_identity 88/ADMIN 'admin pw' "$T/top" # the top level's administrator (server_admins)
printf 'admin pw\n' >"$T/admin.secret"
printf 'follow pw\n' >"$T/follow.secret"
make_cert

note "enterprise 88.118.8 on node 1: two parts, commissioned"
ok "$IDR_BIN" init --data "$T/n1" --node-prefix 88.118 --owner node1
ok "$IDR_BIN" prefix add 88.118.8 --data "$T/n1" --owner ent8
# node 1's journal followers: the top level's backup and the mirror
seckey_identity 88.118/TOPLEVEL 'follow pw' "$T/n1"
seckey_identity 88.118/MIRROR 'follow pw' "$T/n1"
for p in 1 2; do
	ok "$IDR_BIN" register "88.118.8/PART-$p" --data "$T/n1" --kind part --url "https://e8.example/p$p"
	ok "$IDR_BIN" event add "88.118.8/PART-$p" --data "$T/n1" --biz-step commissioning \
		--time "2024-01-1${p}T09:00:00+08:00"
done
note "enterprise 88.200.3 on node 2: a product assembled from node 1's parts"
ok "$IDR_BIN" init --data "$T/n2" --node-prefix 88.200 --owner node2
ok "$IDR_BIN" prefix add 88.200.3 --data "$T/n2" --owner ent3
ok "$IDR_BIN" register 88.200.3/PRODUCT-1 --data "$T/n2" --kind product --url https://e3.example/car
ok "$IDR_BIN" event add 88.200.3/PRODUCT-1 --data "$T/n2" --biz-step assembling \
	--input 88.118.8/PART-1,88.118.8/PART-2 --time 2024-01-20T10:00:00+08:00

# The listeners and URLs of the hierarchy (fixed ports where another node's configuration
# names them; node 1 keeps its ports across a restart, as its backup line and HS_SITE name
# them). The journal and the reports are served over HTTPS only ($T/cert.pem).
PT=$(free_port)  # the top level: Handle over UDP and TCP
PST=$(free_port) # the top level: HTTPS (reports, node commands)
P1=$(free_port)  # node 1: Handle over UDP and TCP
PH1=$(free_port) # node 1: HTTP
PS1=$(free_port) # node 1: HTTPS (its journal)
TOP_API=https://127.0.0.1:$PST
N1_JOURNAL=https://127.0.0.1:$PS1
TOP_LISTEN=("udp_listen 127.0.0.1:$PT" "tcp_listen 127.0.0.1:$PT" "http_listen 127.0.0.1:0"
	"https_listen 127.0.0.1:$PST" "tls_cert $T/cert.pem" "tls_key $T/key.pem")
N1_LISTEN=("udp_listen 127.0.0.1:$P1" "tcp_listen 127.0.0.1:$P1" "http_listen 127.0.0.1:$PH1"
	"https_listen 127.0.0.1:$PS1" "tls_cert $T/cert.pem" "tls_key $T/key.pem")
N2_LISTEN=("udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0")
UP=("toplevel 127.0.0.1:$PT" "toplevel_http $TOP_API" "toplevel_cacert $T/cert.pem"
	"report_interval 1" "upstream_retry_max 1" "recursion_timeout_ms 3000")

start_node top "role toplevel" "server_key $T/server.pem" "${TOP_LISTEN[@]}" \
	"server_admins 300:88/ADMIN" "backup 88.118 $N1_JOURNAL 300:88.118/TOPLEVEL $T/follow.secret" \
	"backup_cacert $T/cert.pem"
HT=$(portof top http)
TS=$(portof top https)
start_node n1 "${N1_LISTEN[@]}" "${UP[@]}" "node_key $T/n118.pem" \
	"journal_followers 300:88.118/TOPLEVEL" "journal_followers 300:88.118/MIRROR"
# node 2 with one worker (the recursion cache is per worker: serve-stale needs the same one);
# answers cached at most 2 s, so that they are expired when node 1 stops
WORKERS=1 start_node n2 "${N2_LISTEN[@]}" "${UP[@]}" "node_key $T/n200.pem" "recursion_ttl_max 2"
U1=$(portof n1 udp)
T1=$(portof n1 tcp)
H1=$(portof n1 http)
U2=$(portof n2 udp)
T2=$(portof n2 tcp)
H2=$(portof n2 http)

note "upward registration: both nodes' HS_SITE at the top level"
until_ok 20 "node 1 registered" sh -c "curl -sf http://$H1/healthz | grep -q '\"registered\":true'"
until_ok 20 "node 2 registered" sh -c "curl -sf http://$H2/healthz | grep -q '\"registered\":true'"
ok "$IDR_BIN" resolve 0.NA/88.118 --server "127.0.0.1:$PT" --tcp --type HS_SITE --json
grep -q "\"port\": *${T1##*:}" "$OUT" || { show_output; fail "0.NA/88.118 lacks node 1's TCP port"; }
ok "$IDR_BIN" resolve 0.NA/88.200 --server "127.0.0.1:$PT" --tcp --type HS_SITE --json
grep -q "\"port\": *${T2##*:}" "$OUT" || { show_output; fail "0.NA/88.200 lacks node 2's TCP port"; }

note "(a) node 2 resolves node 1's part with REC, over UDP and TCP"
ok "$IDR_BIN" resolve 88.118.8/PART-1 --server "$U1" --udp --json
cp "$OUT" "$T/p1.own"
ok "$IDR_BIN" resolve 88.118.8/PART-1 --recursive --server "$U2" --udp --json
cmp "$T/p1.own" "$OUT" || fail "node 2's recursive UDP answer differs from node 1's own"
ok "$IDR_BIN" resolve 88.118.8/PART-2 --recursive --server "$T2" --tcp --type URL
expect_out https://e8.example/p2
ok "$IDR_BIN" resolve 88.200.3/PRODUCT-1 --recursive --server "$T1" --tcp --type URL
expect_out https://e3.example/car
expect_exit 1 "$IDR_BIN" resolve 88.118.8/PART-1 --server "$U2" --udp
expect_err "(301)"

note "(b) a client whose only root is the top level: referrals followed to both nodes"
for proto in --udp --tcp; do
	ok "$IDR_BIN" resolve 88.118.8/PART-1 --server "127.0.0.1:$PT" $proto -v --json
	cmp "$T/p1.own" "$OUT" || fail "followed $proto answer differs from node 1's own"
	expect_err "referral (303) from 127.0.0.1:$PT: asking 127.0.0.1:"
	ok "$IDR_BIN" resolve 88.200.3/PRODUCT-1 --server "127.0.0.1:$PT" $proto -v --type URL
	expect_out https://e3.example/car
	expect_err "referral (303) from 127.0.0.1:$PT: asking 127.0.0.1:"
done
ok "$IDR_BIN" resolve 88.200.3/PRODUCT-1 --server "127.0.0.1:$PT" --udp --follow -v
grep -q "asking $U2" "$ERR" || { show_output; fail "the UDP referral does not lead to node 2's UDP port"; }
ok "$IDR_BIN" resolve 88.200.3/PRODUCT-1 --server "127.0.0.1:$PT" --tcp --follow -v
grep -q "asking $T2" "$ERR" || { show_output; fail "the TCP referral does not lead to node 2's TCP port"; }
# a handle under the node prefix itself: a service referral (302), then node 1 answers 100
expect_exit 3 "$IDR_BIN" resolve 88.118/NONE --server "127.0.0.1:$PT" --tcp -v
expect_err "referral (302) from 127.0.0.1:$PT: asking $T1"
expect_err "HANDLE_NOT_FOUND (100)"
# with --no-follow the referral is shown
expect_exit 1 "$IDR_BIN" resolve 88.118.8/PART-1 --server "127.0.0.1:$PT" --tcp --no-follow
expect_err "PREFIX_REFERRAL (303)"
expect_exit 64 "$IDR_BIN" resolve 88.118.8/PART-1 --http "$HT" --follow

note "(b) the stock client's sequence (Handle.Net 9 HandleResolver, root = the top level only)"
# 1. the prefix record 0.NA/88.118.8 asked of the root with the stock type list: 303 naming
#    node 1's site (HS_SITE.PREFIX of 0.NA/88.118)
STOCK_TYPES=(--type HS_SITE --type HS_SITE.6 --type HS_SERV --type HS_NAMESPACE)
expect_exit 1 "$IDR_BIN" resolve 0.NA/88.118.8 "${STOCK_TYPES[@]}" --server "127.0.0.1:$PT" --udp \
	--no-follow
expect_err "PREFIX_REFERRAL (303)"
ok "$IDR_BIN" resolve 0.NA/88.118 --type HS_SITE.PREFIX --server "127.0.0.1:$PT" --tcp --json
json_get "$OUT" 'json.dumps([v["data"] for v in d["values"]], sort_keys=True)' >"$T/site118.top"
# 2. the same query at node 1: its prefix record must carry an HS_SITE (its own site, added to
#    the stored record that has none), else the stock client fails with SERVICE_NOT_FOUND
#    ("prefix resolution response: Error(200): VALUES NOT FOUND")
for n in 1 2; do
	eval "u=\$U$n"
	p=$([ $n = 1 ] && echo 88.118.8 || echo 88.200.3)
	ok "$IDR_BIN" resolve "0.NA/$p" "${STOCK_TYPES[@]}" --server "$u" --udp --json
	assert_eq "$(json_get "$OUT" '[(v["index"], v["type"], v["permissions"]) for v in d["values"]]')" \
		"[(1, 'HS_SITE', '1010')]" "the HS_SITE of 0.NA/$p at node $n"
	json_get "$OUT" 'json.dumps([v["data"] for v in d["values"]], sort_keys=True)' >"$T/site.$n"
	ok "$IDR_BIN" resolve "0.NA/$p" --server "$u" --udp --type HS_ADMIN
	! grep -q HS_SITE "$OUT" || { show_output; fail "HS_SITE given to a query for HS_ADMIN"; }
	ok "$IDR_BIN" resolve "0.NA/$p" --server "$u" --udp
	expect_out "HS_SITE"
	expect_out "HS_ADMIN"
done
cmp "$T/site118.top" "$T/site.1" || fail "node 1 publishes another site than the top level refers to"

note "(c) a back trace of the product from node 2 reaches node 1's parts through the federation"
unset IDR_PEERS
ok "$IDR_BIN" trace 88.200.3/PRODUCT-1 --back --format json --node "http://$H2"
cp "$OUT" "$T/fed.json"
assert_eq "$(ids "$T/fed.json")" "88.118.8/PART-1 88.118.8/PART-2 88.200.3/PRODUCT-1" "nodes reached"
assert_eq "$(unreach "$T/fed.json")" "" "every branch answered"
expect_err "prefix 88.118.8: node http://$H1 (found through http://$H2)"
assert_eq "$(json_get "$T/fed.json" '[n.get("kind") for n in d["nodes"] if n["id"] == "88.118.8/PART-1"][0]')" \
	part "kind from node 1"
# the same as naming node 1 as a peer (--peer stays an override)
ok "$IDR_BIN" trace 88.200.3/PRODUCT-1 --back --format json --node "http://$H2" --peer "http://$H1"
cmp "$T/fed.json" "$OUT" || fail "federation and --peer differ"
# the EPCIS form: the assembly on node 2 (the link); node 1's commissioning events are read
# from the node the federation named
ok "$IDR_BIN" trace 88.200.3/PRODUCT-1 --back --format epcis --node "http://$H2"
assert_eq "$(json_get "$OUT" '[(e["type"], e.get("bizStep", "").split(":")[-1]) for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]')" \
	"[('TransformationEvent', 'assembling')]" "the link events"
for p in 1 2; do
	ok "$IDR_BIN" events "88.118.8/PART-$p" --node "http://$H1" --json
	assert_eq "$(python3 -c 'import json,sys; print([json.loads(l)["bizStep"] for l in open(sys.argv[1])])' "$OUT")" \
		"['commissioning']" "the events of node 1's part $p"
done
# ---- the hierarchy under trouble

# fed PREFIX EXPR: EXPR over node PREFIX's entry n in the top level's `idr federation status
# --json` (heartbeat, state, report totals)
fed() {
	"$IDR_BIN" federation status --node "$TOP_API" --cacert "$T/cert.pem" --json >"$T/fed.status" ||
		fail "idr federation status --node $TOP_API failed"
	json_get "$T/fed.status" "[$2 for n in d['nodes'] if n['prefix'] == '$1'][0]"
}
period() { fed "$1" '(n.get("report") or {}).get("last_period") or -1'; }
# quiet PREFIX: wait until node PREFIX reported the period of now (periods are unix seconds
# / report_interval: everything done before is in its totals), then print the totals
# "creates updates deletes resolutions"
quiet() {
	local now n=150
	now=$(date +%s)
	until [ "$(period "$1")" -ge "$now" ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "no report of node $1 for period $now"
		sleep 0.1
	done
	fed "$1" '" ".join(str(n["report"]["totals"][k]) for k in ("creates", "updates", "deletes", "resolutions"))'
}
# remote ARGS...: `idr node ARGS` on the running top level, as its administrator, over HTTPS
remote() {
	"$IDR_BIN" node "$@" --node "https://$TS" --id 300:88/ADMIN --secret-file "$T/admin.secret" \
		--cacert "$T/cert.pem"
}
n1_head() { "$IDR_BIN" stats --json --data "$T/n1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal"]["head_seq"])'; }

read -r C1 U1_ D1 R1 <<<"$(quiet 88.118)"
read -r C2 U2_ D2 R2 <<<"$(quiet 88.200)"

note "(d) a mirror of node 1 converges after a write burst"
start_node m "role mirror" "primary $N1_JOURNAL" "primary_cacert $T/cert.pem" \
	"primary_identity 300:88.118/MIRROR" \
	"primary_secret_file $T/follow.secret" "server_key $T/server.pem" "${N2_LISTEN[@]}"
log_wait "$T/m.log" "bootstrapped from a snapshot" 10
converge_copy "$T/n1" "$T/m" "$T/m.log" 30
burst_import "$T/n1" 1 1000 || fail "burst 1 failed"
converge_copy "$T/n1" "$T/m" "$T/m.log" 30
ok "$IDR_BIN" resolve 88.118.8/M-1000 --server "$(portof m tcp)" --tcp --type URL
expect_out https://example.com/m/1000
note "(d) killed (SIGKILL) in the middle of another burst and restarted, it converges again"
burst_import "$T/n1" 1001 3000 &
BURST=$!
sleep 0.3
kill -KILL "$PID_m"
wait "$PID_m" 2>/dev/null || true
wait "$BURST" || fail "burst 2 failed"
check_sanitizer "$T/m.log"
restart_node m
converge_copy "$T/n1" "$T/m" "$T/m.log" 30
note "(d) the top level's backup copy of node 1 converges too"
converge_copy "$T/n1" "$T/top/backup/88.118" "$T/top.log" 30

note "(e) reports: the totals grew by what was done"
for i in 1 2 3 4; do
	ok "$IDR_BIN" resolve "88.118.8/M-$i" --server "$U1" --udp --type URL
done
for i in 1 2 3; do
	ok "$IDR_BIN" register "88.200.3/R-$i" --data "$T/n2" --kind part --url "https://e3.example/r$i"
done
ok "$IDR_BIN" set 88.200.3/R-1 colour=red --data "$T/n2"
ok "$IDR_BIN" delete 88.200.3/R-3 --data "$T/n2"
ok "$IDR_BIN" resolve 88.200.3/R-1 --server "$U2" --udp --type URL
ok "$IDR_BIN" resolve 88.200.3/R-2 --server "$T2" --tcp --type URL
assert_eq "$(quiet 88.118)" "$((C1 + 4000)) $U1_ $D1 $((R1 + 4))" \
	"node 1's totals (creates updates deletes resolutions)"
assert_eq "$(quiet 88.200)" "$((C2 + 3)) $((U2_ + 1)) $((D2 + 1)) $((R2 + 2))" \
	"node 2's totals (creates updates deletes resolutions)"
assert_eq "$(fed 88.118 'n["state"]') $(fed 88.200 'n["state"]')" "up up" "nodes' state"
ok remote list --json
assert_eq "$(json_get "$OUT" '[(n["prefix"], n["takeover"]) for n in d]')" \
	"[('88.118', False), ('88.200', False)]" "idr node list --node"
assert_eq "$(json_get "$OUT" '[n["backup"]["seq"] for n in d if n["prefix"] == "88.118"][0]')" \
	"$(n1_head)" "the backup's seq (idr node list) is node 1's journal head"

note "(f) node 1 stops: node 2 serves what it had cached (serve-stale), and fails cleanly otherwise"
ok "$IDR_BIN" resolve 88.118.8/PART-1 --recursive --server "$U2" --udp --json
cmp "$T/p1.own" "$OUT" || fail "node 2's cached answer differs"
ok "$IDR_BIN" export --data "$T/n1" -o "$T/n1.before.jsonl"
N1_HEAD=$(n1_head)
stop_node n1
sleep 2.5 # past node 2's recursion_ttl_max: its answers are expired
ok "$IDR_BIN" resolve 88.118.8/PART-1 --recursive --server "$U2" --udp --json
cmp "$T/p1.own" "$OUT" || fail "node 2's stale answer differs"
grep -q "serve-stale" "$T/n2.log" || fail "serve-stale not logged on node 2"
start=$(date +%s)
expect_exit 1 "$IDR_BIN" resolve 88.118.8/M-7 --recursive --server "$T2" --tcp --timeout 20
expect_err "recursion failed"
[ $(($(date +%s) - start)) -le 6 ] || fail "the failure took more than 6 s"

note "(f) the top level takes 88.118 over and serves node 1's records from its backup"
ok remote takeover 88.118 --site "127.0.0.1:$PT"
expect_out "took over node 88.118"
ok "$IDR_BIN" resolve 88.118.8/M-7 --server "127.0.0.1:$PT" --tcp --type URL
expect_out https://example.com/m/7
# a client rooted at the top level: answered there, no referral to the node that is down
for proto in --udp --tcp; do
	ok "$IDR_BIN" resolve 88.118.8/PART-1 --server "127.0.0.1:$PT" $proto --follow -v --json
	cmp "$T/p1.own" "$OUT" || fail "the top level's $proto answer differs from node 1's own"
	! grep -q "referral" "$ERR" || { show_output; fail "a referral during the takeover"; }
done
# the stock client's sequence: the prefix record of 88.118.8 at the top names the top's site
ok "$IDR_BIN" resolve 0.NA/88.118.8 "${STOCK_TYPES[@]}" --server "127.0.0.1:$PT" --udp --json
assert_eq "$(json_get "$OUT" '[v["type"] for v in d["values"]]')" "['HS_SITE']" \
	"0.NA/88.118.8 at the top level during the takeover"
grep -q "\"port\": *$PT" "$OUT" || { show_output; fail "0.NA/88.118.8 does not name the top level"; }
# node 2's recursion finds the top level through the prefix record (its cache expired)
until_ok 10 "node 2 resolves through the takeover" \
	"$IDR_BIN" resolve 88.118.8/M-8 --recursive --server "$U2" --udp --type URL
expect_out https://example.com/m/8
ok "$IDR_BIN" resolve 88.118.8/PART-2 --recursive --server "$T2" --tcp --type URL
expect_out https://e8.example/p2
# writes are refused: nothing is written anywhere
code=$(curl -sS -o "$T/body" -D "$T/hdrs" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-u '300%3A88/ADMIN:admin pw' -H 'Content-Type: application/json' \
	--data-binary '[{"index":1,"type":"URL","data":"https://e.example/w"}]' \
	"https://$TS/api/handles/88.118.8/W-1")
[ "$code" = 503 ] && grep -qi '^Retry-After:' "$T/hdrs" && grep -qF "taken over" "$T/body" ||
	{ cat "$T/body" >&2; fail "a write during the takeover: HTTP $code"; }

note "(f) node 1 returns; the takeover is released: nothing lost or duplicated"
restart_node n1
ok remote release 88.118
expect_out "released node 88.118"
ok "$IDR_BIN" node list --json --data "$T/top"
assert_eq "$(json_get "$OUT" '[(n["takeover"], n["sites"][0]["interfaces"][0]["port"]) for n in d if n["prefix"] == "88.118"][0]')" \
	"(False, $P1)" "node 1's prefix record after the release"
converge_copy "$T/n1" "$T/top/backup/88.118" "$T/top.log" 40
cmp "$T/n1.before.jsonl" "$T/a.jsonl" || fail "node 1's records changed while it was down"
assert_eq "$(n1_head)" "$N1_HEAD" "node 1's journal head (writes were refused)"
assert_eq "$(grep -c '"88.118.8/M-' "$T/a.jsonl")" 4000 "records M-* on node 1"
assert_eq "$(grep -c '"88.118.8/M-' "$T/b.jsonl")" 4000 "records M-* in the top level's copy"
! grep -q '"88.118.8/W-1"' "$T/a.jsonl" "$T/b.jsonl" || fail "a refused write was stored"
until_ok 15 "a client rooted at the top is referred to node 1 again" \
	"$IDR_BIN" resolve 88.118.8/PART-1 --server "127.0.0.1:$PT" --tcp --follow -v --json
grep -q "asking 127.0.0.1:$P1" "$ERR" || { show_output; fail "no referral to node 1 after the release"; }
cmp "$T/p1.own" "$OUT" || fail "node 1's answer after the release differs"
until_ok 10 "node 2 resolves node 1's records again" \
	"$IDR_BIN" resolve 88.118.8/M-9 --recursive --server "$U2" --udp --type URL
expect_out https://example.com/m/9
stop_node m

note "node 1 stopped again: the trace marks its branches unreachable"
# node 1 stopped: its parts are marked unreachable with the reason, the trace still succeeds
stop_node n1
ok "$IDR_BIN" trace 88.200.3/PRODUCT-1 --back --format json --node "http://$H2"
assert_eq "$(unreach "$OUT")" "88.118.8/PART-1 88.118.8/PART-2" "node 1 down"
# node 2 restarted (empty caches): finding node 1 itself fails now (the top level refers to a
# node that does not answer); the branches are marked unreachable with that reason
stop_node n2
restart_node n2
H2=$(portof n2 http)
ok "$IDR_BIN" trace 88.200.3/PRODUCT-1 --back --format json --node "http://$H2"
assert_eq "$(unreach "$OUT")" "88.118.8/PART-1 88.118.8/PART-2" "node 1 not found"
assert_eq "$(json_get "$OUT" '[n["unreachable"].split(":")[0] for n in d["nodes"] if n["id"] == "88.118.8/PART-1"][0]')" \
	"no node found for 88.118.8" "the reason names the lookup"
stop_node n2
stop_node top
note "ok"
