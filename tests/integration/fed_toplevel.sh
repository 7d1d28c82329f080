#!/usr/bin/env bash
# fed_toplevel.sh - the top-level role end to end (fed/refer.h, fed/node.h): a real idrd with
# `role toplevel` over a store whose node prefix is 88; `idr node add` onboards nodes 88.118
# (with its site) and 88.200; GET /api/v1/nodes shows them; `idr resolve` of an unknown
# derived prefix 0.NA/88.118.8 gets 303 with node 88.118's site, a handle 88.118/X gets 302,
# and DNRF-less 0.NA/99.1 stays 301. The node key may change values of its own prefix record
# (the upward registration's operation, driven here by `idr admin` with the node key) and
# nothing else: not another node's record, not a record under its prefix, not HS_ADMIN.
# Node 88.118 then runs and registers upward: `idr resolve` at the top level follows the
# referral to it by default (--no-follow shows it), and its prefix record 0.NA/88.118.8 carries
# its HS_SITE alike over the Handle protocol, the REST API and the national API.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

ok "$IDR_BIN" init --data "$D" --node-prefix 88 --owner "顶级节点"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n200.pem"

note "onboarding"
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --site 127.0.0.1:3641 --data "$D"
expect_out "added node 88.118"
ok "$IDR_BIN" node add 88.200 --key "$T/n200.pem.pub" --data "$D"
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --site 127.0.0.1:3641 --data "$D"
expect_out "unchanged node 88.118"
expect_exit 64 "$IDR_BIN" node add 88.300 --key "$T/n118.pem.pub" --site 127.0.0.1 --data "$D"
expect_exit 1 "$IDR_BIN" node add 77.1 --key "$T/n118.pem.pub" --data "$D"
ok "$IDR_BIN" node list --json --data "$D"
json_valid "$OUT"
expect_out '"prefix":"88.118"'
expect_out '"port":3641'

idrd_conf "$T/idrd.conf" "role toplevel" "server_key $T/server.pem"
start_idrd "$T/idrd.conf" "$T/idrd.log"
U=$(port_of udp)
S=$(port_of tcp)
H=$(port_of http)

note "GET /api/v1/nodes"
ok curl -sS "http://$H/api/v1/nodes"
json_valid "$OUT"
expect_out '"responseCode":1'
expect_out '"prefix":"88.200"'
expect_out '"address":"127.0.0.1"'

note "referrals"
# --no-follow: the referral itself (idr follows referrals by default, as stock clients do)
expect_exit 1 "$IDR_BIN" resolve 0.NA/88.118.8 --server "$U" --udp --no-follow
expect_err "PREFIX_REFERRAL (303)"
expect_exit 1 "$IDR_BIN" resolve 0.NA/88.118.8.1 --server "$S" --tcp --no-follow
expect_err "(303)"
expect_exit 1 "$IDR_BIN" resolve 88.118/X --server "$S" --tcp --no-follow
expect_err "(302)"
expect_exit 1 "$IDR_BIN" resolve 0.NA/99.1 --server "$S" --tcp
expect_err "(301)"
expect_exit 64 "$IDR_BIN" resolve 0.NA/88.118.8 --server "$S" --follow --no-follow
expect_exit 64 "$IDR_BIN" resolve 0.NA/88.118.8 --http "$H" --no-follow
ok "$IDR_BIN" resolve 0.NA/88.118 --server "$S" --tcp
expect_out "HS_SITE"

note "the node key maintains its own prefix record, and nothing else"
N118=(--server "$S" --id 300:0.NA/88.118 --key "$T/n118.pem")
ok "$IDR_BIN" admin add 0.NA/88.118 3:DESC:node-118 "${N118[@]}"
ok "$IDR_BIN" admin modify 0.NA/88.118 3:DESC:node-118-v2 "${N118[@]}"
ok "$IDR_BIN" resolve 0.NA/88.118 --server "$S" --tcp
expect_out "node-118-v2"
expect_exit 1 "$IDR_BIN" admin add 0.NA/88.200 3:DESC:hijack "${N118[@]}"
expect_err "401"
expect_exit 1 "$IDR_BIN" admin add 0.NA/88.200 3:DESC:hijack --server "$S" --id 300:0.NA/88.200 \
	--key "$T/n118.pem"
expect_exit 1 "$IDR_BIN" admin create 88.118/X 1:URL:https://e.example/x "${N118[@]}"
expect_err "401"
expect_exit 1 "$IDR_BIN" admin remove 0.NA/88.118 100 "${N118[@]}"
expect_err "401"
ok "$IDR_BIN" node list --data "$D"
expect_out "PREFIX           SERIAL  STATE      BACKUP     SITES"
expect_out "88.118           "

note "node 88.118 registers upward; idr follows the referrals by default"
ok "$IDR_BIN" init --data "$T/n1" --node-prefix 88.118 --owner node1
ok "$IDR_BIN" prefix add 88.118.8 --data "$T/n1" --owner ent8
ok "$IDR_BIN" register 88.118.8/P-1 --data "$T/n1" --kind part --url https://e8.example/p1
start_node n1 "udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0" \
	"toplevel $S" "node_key $T/n118.pem"
N1U=$(portof n1 udp)
N1T=$(portof n1 tcp)
N1H=$(portof n1 http)
until_ok 15 "node 88.118 registered at the top level" \
	"$IDR_BIN" resolve 88.118.8/P-1 --server "$S" --tcp --timeout 2
expect_out "https://e8.example/p1"
expect_out "via TCP $N1T"
[ ! -s "$ERR" ] || { show_output; fail "hops on stderr without -v"; }
ok "$IDR_BIN" resolve 88.118.8/P-1 --server "$U" -v --json
expect_out '"handle":"88.118.8/P-1"'
expect_err "referral (303) from $U: asking $N1U"
expect_exit 1 "$IDR_BIN" resolve 88.118.8/P-1 --server "$S" --tcp --no-follow
expect_err "PREFIX_REFERRAL (303)"

note "node 88.118's prefix record with its HS_SITE: the same values over Handle, REST, national API"
ok "$IDR_BIN" resolve 0.NA/88.118.8 --server "$N1U" --udp --json
cp "$OUT" "$T/pfx.hdl"
ok curl -sS "http://$N1H/api/handles/0.NA/88.118.8"
cp "$OUT" "$T/pfx.api"
ok curl -sS "http://$N1H/identityv2/data/detail?handle=0.NA/88.118.8"
cp "$OUT" "$T/pfx.idis"
ok python3 - "$T/pfx.hdl" "$T/pfx.api" "$T/pfx.idis" "${N1T##*:}" <<'PY'
import base64, json, struct, sys
hdl, api, idis = (json.load(open(f)) for f in sys.argv[1:4])
# the same values; the added HS_SITE is stamped with each request's time
same = lambda vals: [{k: x for k, x in v.items() if k != "timestamp"} for v in vals]
assert same(hdl["values"]) == same(api["values"]), (hdl["values"], api["values"])
site = [v for v in api["values"] if v["type"] == "HS_SITE"]
assert [v["index"] for v in site] == [1], api["values"]
nat = [v for v in idis["data"]["value"] if v["type"] == "HS_SITE"]
assert [v["index"] for v in nat] == [1], idis
raw = base64.b64decode(nat[0]["data"]["value"])
assert struct.pack(">I", int(sys.argv[4])) in raw, "the node's TCP port is not in its HS_SITE"
PY
stop_node n1

stop_idrd "$T/idrd.log"
