#!/usr/bin/env bash
# fed_toplevel.sh - the top-level role end to end (fed/refer.h, fed/node.h): a real idrd with
# `role toplevel` over a store whose node prefix is 88; `idr node add` onboards nodes 88.118
# (with its site) and 88.200; GET /api/v1/nodes shows them; `idr resolve` of an unknown
# derived prefix 0.NA/88.118.8 gets 303 with node 88.118's site, a handle 88.118/X gets 302,
# and DNRF-less 0.NA/99.1 stays 301. The node key may change values of its own prefix record
# (the upward registration's operation, driven here by `idr admin` with the node key) and
# nothing else: not another node's record, not a record under its prefix, not HS_ADMIN.
# (The secondary's own registration thread is not built yet; see the issue.)
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
expect_exit 1 "$IDR_BIN" resolve 0.NA/88.118.8 --server "$U" --udp
expect_err "PREFIX_REFERRAL (303)"
expect_exit 1 "$IDR_BIN" resolve 0.NA/88.118.8.1 --server "$S" --tcp
expect_err "(303)"
expect_exit 1 "$IDR_BIN" resolve 88.118/X --server "$S" --tcp
expect_err "(302)"
expect_exit 1 "$IDR_BIN" resolve 0.NA/99.1 --server "$S" --tcp
expect_err "(301)"
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

stop_idrd "$T/idrd.log"
