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
# without --peer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

command -v curl >/dev/null 2>&1 || fail "curl is needed"

ids() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"]))'; }
unreach() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"] if "unreachable" in n))'; }

note "stores and keys: the top level onboards both nodes first"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n200.pem"
ok "$IDR_BIN" init --data "$T/top" --node-prefix 88 --owner top
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --data "$T/top"
ok "$IDR_BIN" node add 88.200 --key "$T/n200.pem.pub" --data "$T/top"

note "enterprise 88.118.8 on node 1: two parts, commissioned"
ok "$IDR_BIN" init --data "$T/n1" --node-prefix 88.118 --owner node1
ok "$IDR_BIN" prefix add 88.118.8 --data "$T/n1" --owner ent8
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

PT=$(free_port)
start_node top "role toplevel" "server_key $T/server.pem" "udp_listen 127.0.0.1:$PT" \
	"tcp_listen 127.0.0.1:$PT" "http_listen 127.0.0.1:0"
HT=$(portof top http)
for n in 1 2; do
	k=$([ $n = 1 ] && echo n118 || echo n200)
	start_node n$n "udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0" \
		"toplevel 127.0.0.1:$PT" "node_key $T/$k.pem" "recursion_timeout_ms 3000"
done
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
