#!/usr/bin/env bash
# bug2_udp_amplification.sh - defect 2: a 72-byte UDP request for a record of 70 large values
# made idrd send 133 datagrams, 67,824 bytes (x942), with no bound per source. With the default
# limits: an answer larger than udp_answer_max is not sent over UDP at all, and `idr resolve`
# (like a stock client) gets it over TCP once UDP stays silent; the bytes answered to one source
# address, asked from many ports as spoofed requests would be, stay within
# udp_source_burst + udp_source_rate * t; another address has its own budget; both drops are
# counted in /metrics by reason; the limits change on SIGHUP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

AMP=88.118.8/AMP # 12 characters: the request is 72 bytes, as in the report
BURST=65536      # the defaults (deploy/idrd.conf.sample)
RATE=32768
ANSWER_MAX=4096

note "data: the idrd test records and $AMP with 70 values of 900 bytes"
make_data
register_wide "$AMP" product https://example.com/amp 70 896

# A port free for both UDP and TCP, so that `idr resolve --server` can fall back from one to the
# other on the same port as a stock client does with the port of HS_SITE.
port=$(python3 -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close(); continue
    u.close(); t.close(); print(p); break')
[ -n "$port" ] || fail "no port free for both UDP and TCP"
idrd_conf "$T/idrd.conf"
sed -i -e "s/^udp_listen .*/udp_listen 127.0.0.1:$port/" \
	-e "s/^tcp_listen .*/tcp_listen 127.0.0.1:$port/" "$T/idrd.conf"
start_idrd "$T/idrd.conf" "$T/idrd.log"
S=127.0.0.1:$port
H=$(port_of http)

# flood NAME ARGS...: hdl_flood.js against $S into $T/NAME.json
flood() {
	name=$1
	shift
	ok node "$HERE/hdl_flood.js" "$S" "$@"
	cp "$OUT" "$T/$name.json"
	note "$name: $(cat "$T/$name.json")"
}
# field NAME KEY: a member of flood NAME's JSON
field() {
	json_get "$T/$1.json" "d[\"$2\"]"
}

note "the amplification request: 72 bytes in, nothing out over UDP (the answer is 67 kB)"
flood amp "$AMP" --count 3 --wait 1000
assert_eq "$(field amp bytesIn)" 216 "three requests of 72 bytes"
assert_eq "$(field amp datagrams)" 0 "datagrams answered to the amplification request"

note "idr resolve: UDP stays silent, the record comes over TCP"
ok idr resolve "$AMP" --server "$S" --json
assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "$AMP over TCP"
assert_eq "$(json_get "$OUT" 'len([v for v in d["values"] if v["index"] >= 2000])')" 70 \
	"attributes of $AMP"
ok idr resolve "$AMP" --server "$S"
expect_out "via TCP $S"
ok idr resolve 88.118.8/P-000001 --server "$S"
expect_out "via UDP $S" # a normal record still goes over UDP
expect_exit 1 idr resolve "$AMP" --server "$S" --udp --timeout 4

# within_budget NAME: the answers of flood NAME stay within burst + rate * t, none is cut short
# and no datagram is over 512 bytes
within_budget() {
	python3 - "$T/$1.json" "$BURST" "$RATE" <<'EOF' || fail "$1: over the budget"
import json, sys
d = json.load(open(sys.argv[1]))
burst, rate = int(sys.argv[2]), int(sys.argv[3])
bound = burst + rate * (d["elapsedMs"] + 100) / 1000  # 100 ms for the server's coarse clock
assert d["bytesOut"] <= bound, f"{d['bytesOut']} bytes out, bound {bound:.0f}"
assert d["answered"] == d["complete"], "an answer was cut short"
assert d["maxDatagram"] <= 512, f"a datagram of {d['maxDatagram']} bytes"
EOF
}

note "one source, many ports: bytes answered within burst + rate * t"
sleep $((BURST / RATE)) # a full bucket again
# BIG's answer is 5 datagrams, 2290 bytes: 300 requests over ~1.5 s ask for 687 kB
flood one "$BIG" --count 300 --sockets 16 --interval 5 --wait 500
within_budget one
[ "$(field one bytesOut)" -ge $((BURST - ANSWER_MAX)) ] || fail "less than a burst answered"
[ "$(field one answered)" -lt 300 ] || fail "nothing was dropped"

note "another source address has a budget of its own"
flood two "$BIG" --count 40 --local 127.0.0.2 --wait 500
within_budget two
[ "$(field two complete)" -ge $((BURST / 2290)) ] || fail "127.0.0.2: $(field two complete) answers"
[ "$(field two complete)" -lt 40 ] || fail "127.0.0.2: nothing was dropped"

note "drops are counted by reason"
curl -sS --max-time 10 -o "$T/metrics" "http://$H/metrics" || fail "GET /metrics failed"
grep -qE '^idr_dropped_total\{reason="toobig"\} [1-9]' "$T/metrics" ||
	fail "no toobig drops in /metrics: $(grep dropped "$T/metrics")"
grep -qE '^idr_dropped_total\{reason="budget"\} [1-9]' "$T/metrics" ||
	fail "no budget drops in /metrics: $(grep dropped "$T/metrics")"
log_wait "$T/idrd.log" "udp: answers not sent: "

note "SIGHUP: a larger cap and budget let the 67 kB answer go over UDP again"
printf 'udp_answer_max 128k\nudp_source_burst 1M\nudp_source_rate 1M\n' >>"$T/idrd.conf"
kill -HUP "$IDRD_PID"
log_wait "$T/idrd.log" "reload: configuration applied"
flood amp2 "$AMP" --wait 1000
assert_eq "$(field amp2 complete)" 1 "the answer to $AMP after the reload"
[ "$(field amp2 datagrams)" -ge 130 ] || fail "only $(field amp2 datagrams) datagrams"

stop_idrd "$T/idrd.log"
note "ok"
