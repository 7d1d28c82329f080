#!/usr/bin/env bash
# fed_recursion.sh - recursive resolution (fed/rec.h) with three real idrd on 127.0.0.1: a "top
# level" whose store holds 0.NA/88.200 with an HS_SITE naming node 2, node 2 hosting
# 88.200.3/X, and node 1 (88.118) with `toplevel` pointing at the top level. Checked: REC over
# UDP and TCP resolves through node 1; without REC node 1 answers 301; the HTTP API recurses,
# and so do the scan API, the national API's detail read and the item pages (redirect and page,
# deferred and cached); a record too large for a UDP answer comes over TCP, whole;
# a second lookup is a cache hit; a not-found answer comes back as 100; node 2 stopped: the
# cached (expired) identifier is still served (serve-stale, counted), an uncached one gets a
# clear error within the recursion time-out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

command -v curl >/dev/null 2>&1 || fail "curl is needed"

metric() { # metric EVENT: node 1's idr_recursion_total{event=EVENT}
	curl -sf "http://$H1/metrics" | awk -v e="idr_recursion_total{event=\"$1\"}" '$1 == e { print $2 }'
}

note "stores: node 2 hosts 88.200.3; the top level hosts 88.200 (0.NA/88.200); node 1 is 88.118"
ok "$IDR_BIN" init --data "$T/n2" --node-prefix 88.200 --owner node2
ok "$IDR_BIN" prefix add 88.200.3 --data "$T/n2" --owner ent
ok "$IDR_BIN" register 88.200.3/X --data "$T/n2" --kind part --url https://example.com/x model=M1
ok "$IDR_BIN" register 88.200.3/Y --data "$T/n2" --kind part --url https://example.com/y
# a record larger than 4 KiB (a deferred answer once had a 4 KiB cap)
ok "$IDR_BIN" register 88.200.3/BIG --data "$T/n2" --kind part --url https://example.com/big \
	$(for i in $(seq 1 40); do printf 'a%02d=%0200d ' "$i" "$i"; done)
for z in S D P H; do
	ok "$IDR_BIN" register "88.200.3/$z" --data "$T/n2" --kind product \
		--url "https://example.com/$z" model="M-$z"
done
ok "$IDR_BIN" init --data "$T/top" --node-prefix 88 --owner top
ok "$IDR_BIN" prefix add 88.200 --data "$T/top" --owner node2
ok "$IDR_BIN" init --data "$T/n1" --node-prefix 88.118 --owner node1

start_node n2 "udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0"
U2=$(portof n2 udp)
T2=$(portof n2 tcp)

note "0.NA/88.200 at the top level: HS_SITE with one server, node 2's UDP and TCP ports"
SITE=$(python3 - "${U2##*:}" "${T2##*:}" <<'PY'
import struct, sys
u, t = int(sys.argv[1]), int(sys.argv[2])
b = struct.pack('>HBBHBB', 1, 2, 11, 1, 0x80, 2)      # version, proto 2.11, serial, primary, hash
b += struct.pack('>II', 0, 0)                          # hash filter "", no attributes
b += struct.pack('>II', 1, 1) + bytes(12) + bytes([127, 0, 0, 1])  # 1 server, id 1, 127.0.0.1
b += struct.pack('>I', 0)                              # no public key
b += struct.pack('>I', 2) + bytes([3, 1]) + struct.pack('>I', t) + bytes([2, 0]) + struct.pack('>I', u)
print(b.hex())
PY
)
printf '{"handle":"0.NA/88.200","values":[{"index":100,"type":"HS_ADMIN","data":{"format":"admin","value":{"handle":"0.NA/88.200","index":300,"permissions":"111111111111"}}},{"index":1,"type":"HS_SITE","ttl":3600,"data":{"format":"hex","value":"%s"}}]}\n' \
	"$SITE" >"$T/top.jsonl"
ok "$IDR_BIN" import --update "$T/top.jsonl" --data "$T/top"

# the top level answers UDP and TCP on one port (toplevel is one HOST:PORT)
PT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_node top "udp_listen 127.0.0.1:$PT" "tcp_listen 127.0.0.1:$PT" "http_listen 127.0.0.1:0"
# one worker: the recursion cache is per worker, and the cache-hit check needs the same one
WORKERS=1 start_node n1 "udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0" \
	"toplevel 127.0.0.1:$PT" "recursion_ttl_max 5" "recursion_negative_ttl 5" \
	"recursion_timeout_ms 3000"
U1=$(portof n1 udp)
T1=$(portof n1 tcp)
H1=$(portof n1 http)

note "REC over UDP and TCP through node 1"
ok "$IDR_BIN" resolve 88.200.3/X --server "$U1" --udp --recursive --json
cp "$OUT" "$T/x.udp"
assert_eq "$(json_get "$T/x.udp" 'd["responseCode"]')" 1 "responseCode over UDP"
assert_eq "$(json_get "$T/x.udp" '[v["data"]["value"] for v in d["values"] if v["type"] == "URL"][0]')" \
	https://example.com/x "URL over UDP"
ok "$IDR_BIN" resolve 88.200.3/X --server "$T1" --tcp --recursive --digest --json
cmp "$T/x.udp" "$OUT" || fail "UDP and TCP recursive answers differ"
ok "$IDR_BIN" resolve 88.200.3/X --server "$U2" --udp --json
cmp "$T/x.udp" "$OUT" || fail "the recursive answer differs from node 2's own"
ok "$IDR_BIN" resolve 88.200.3/X --server "$U1" --udp --recursive --type URL
expect_out https://example.com/x

note "without REC: 301 as the reference server"
expect_exit 1 "$IDR_BIN" resolve 88.200.3/X --server "$U1" --udp
expect_err "SERVER_NOT_RESP (301)"

note "the HTTP API recurses always"
curl -sf "http://$H1/api/handles/88.200.3/X" >"$T/x.http" || fail "HTTP GET failed"
echo >>"$T/x.http" # idr ends its JSON with a line break
cmp "$T/x.udp" "$T/x.http" || fail "HTTP and UDP recursive answers differ"
code=$(curl -s -o "$T/nope.http" -w '%{http_code}' "http://$H1/api/handles/88.200.3/NOPE")
assert_eq "$code" 404 "HTTP status of an upstream 100"
assert_eq "$(json_get "$T/nope.http" 'd["responseCode"]')" 100 "responseCode of NOPE"
expect_exit 3 "$IDR_BIN" resolve 88.200.3/NOPE --server "$U1" --udp --recursive

note "the scan API, the national API and the item pages recurse too (deferred, then cached)"
# each identifier is asked first in the first round: that answer waits for upstream (deferred);
# the second round's comes from the recursion cache
for round in deferred cached; do
	ok curl -sS "http://$H1/api/v1/scan?code=88.200.3/S"
	assert_eq "$(json_get "$OUT" 'd["handle"]')" 88.200.3/S "scan handle ($round)"
	assert_eq "$(json_get "$OUT" '[v["data"]["value"] for v in d["record"]["values"] if v["type"] == "model"][0]')" \
		M-S "scanned record's model ($round)"
	ok curl -sS "http://$H1/identityv2/data/detail?handle=88.200.3/D"
	assert_eq "$(json_get "$OUT" 'd["status"]')" 1 "national API status ($round)"
	assert_eq "$(json_get "$OUT" 'd["data"]["handle"]')" 88.200.3/D "national API handle ($round)"
	grep -qF "M-D" "$OUT" || { show_output; fail "national API answer lacks the model ($round)"; }
	code=$(curl -s -o "$T/p.html" -D "$T/p.hdr" -w '%{http_code}' "http://$H1/88.200.3/P")
	assert_eq "$code" 302 "page redirect ($round)"
	grep -qi "^Location: https://example.com/P" "$T/p.hdr" || fail "no Location ($round)"
	code=$(curl -s -o "$T/p.html" -D "$T/p.hdr" -w '%{http_code}' \
		-H 'Accept-Language: en' "http://$H1/88.200.3/H?noredirect")
	assert_eq "$code" 200 "item page ($round)"
	grep -qi "^Content-Type: text/html" "$T/p.hdr" || fail "page Content-Type ($round)"
	grep -qi "^Content-Security-Policy: default-src 'none'" "$T/p.hdr" || fail "no CSP ($round)"
	grep -qF "88.200.3/H" "$T/p.html" || fail "the page does not name the item ($round)"
	grep -qF "M-H" "$T/p.html" || fail "the page lacks the model ($round)"
	grep -qF "Product" "$T/p.html" || fail "the page lacks the kind ($round)"
done
code=$(curl -s -o "$T/n.html" -w '%{http_code}' "http://$H1/88.200.3/NOPE2")
assert_eq "$code" 404 "page of an identifier missing upstream"
code=$(curl -s -o "$T/n.json" -w '%{http_code}' "http://$H1/api/v1/scan?code=88.200.3/NOPE3")
assert_eq "$code" 404 "scan of an identifier missing upstream"
grep -qF "not registered at its node" "$T/n.json" || fail "scan miss message: $(cat "$T/n.json")"
ok curl -sS "http://$H1/identityv2/data/detail?handle=88.200.3/NOPE4"
grep -qF '"status":' "$OUT" && [ "$(json_get "$OUT" 'd["status"]')" != 1 ] ||
	fail "national API miss: $(cat "$OUT")"

code=$(curl -s -o "$T/big.json" -w '%{http_code}' "http://$H1/api/handles/88.200.3/BIG")
assert_eq "$code" 200 "a large record resolved upward"
curl -sf "http://$(portof n2 http)/api/handles/88.200.3/BIG" >"$T/big2.json" ||
	fail "node 2's own answer"
cmp "$T/big.json" "$T/big2.json" || fail "the large record differs from node 2's own answer"
[ "$(stat -c %s "$T/big.json")" -gt 8000 ] || fail "the large record is not large"

note "a second lookup is a cache hit"
ok "$IDR_BIN" resolve 88.200.3/X --server "$U1" --udp --recursive # (again) cached now
hits=$(metric cache_hit)
ok "$IDR_BIN" resolve 88.200.3/X --server "$U1" --udp --recursive
[ "$(metric cache_hit)" -gt "$hits" ] || fail "no cache hit counted ($hits -> $(metric cache_hit))"
[ "$(metric upstream_udp)" -gt 0 ] || fail "no upstream query counted"

note "node 2 stopped: the expired answer is served (stale), an uncached one fails in bounded time"
stop_node n2
sleep 6 # past recursion_ttl_max
stale=$(metric cache_stale)
ok "$IDR_BIN" resolve 88.200.3/X --server "$T1" --tcp --recursive --json
cmp "$T/x.udp" "$OUT" || fail "the stale answer differs"
[ "$(metric cache_stale)" -gt "$stale" ] || fail "no stale answer counted"
grep -q "serve-stale" "$T/n1.log" || fail "serve-stale not logged"
start=$(date +%s)
expect_exit 1 "$IDR_BIN" resolve 88.200.3/Y --server "$T1" --tcp --recursive --timeout 20
expect_err "recursion failed"
[ $(($(date +%s) - start)) -le 6 ] || fail "the failure took more than 6 s"
[ "$(metric upstream_error)" -gt 0 ] || fail "no upstream error counted"

stop_node n1
stop_node top
note "ok"
