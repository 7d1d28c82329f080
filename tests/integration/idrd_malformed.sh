#!/usr/bin/env bash
# idrd_malformed.sh - malformed input never crashes idrd and never stalls other clients: a burst
# of malformed datagrams (every triage verdict, every truncation point, garbage, a flood of
# never-completed fragments), TCP streams of every kind (garbage, short, oversized length,
# wrong version, response codes, truncated, bad bodies, pipelined keep-alive), slow clients,
# idle connections and a connection flood, while valid queries over UDP and TCP keep being
# answered within a deadline (hdl_malformed.js). Then SIGTERM: exit 0, clean log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

IO=2
IDLE=2
PER_IP=40

make_data
idrd_conf "$T/idrd.conf" "error_rate 0" "tcp_io_timeout $IO" "tcp_idle_timeout $IDLE" \
	"max_connections_per_ip $PER_IP" "udp_reasm_memory 1M" "udp_reasm_timeout_ms 1000" \
	"max_request_size 64k"
start_idrd "$T/idrd.conf" "$T/idrd.log"
UDP=$(port_of udp)
TCP=$(port_of tcp)

note "valid queries before"
hdl udp "$UDP" 88.118.8/P-000001
hdl tcp "$TCP" 88.118.8/P-000001

note "abuse while valid queries are checked"
set +e
node "$HERE/hdl_malformed.js" "$UDP" "$TCP" 88.118.8/P-000001 --io "$IO" --idle "$IDLE" \
	--per-ip "$PER_IP" --max-request 65536 >"$T/abuse.json" 2>"$T/abuse.err"
rc=$?
set -e
cat "$T/abuse.json"
if [ "$rc" -ne 0 ]; then
	cat "$T/abuse.err" >&2
	tail -n 30 "$T/idrd.log" >&2
	fail "hdl_malformed.js reported failures"
fi
kill -0 "$IDRD_PID" 2>/dev/null || fail "idrd died"
check_sanitizer "$T/idrd.log"

note "valid queries after, over every transport"
hdl udp "$UDP" 88.118.8/P-000001
assert_eq "$(json_get "$OUT" 'd["rc"]')" 1 "UDP after the abuse"
hdl tcp "$TCP" 88.118.8/P-000001 --keepalive 2
hdl udp "$UDP" "$BIG"
assert_eq "$(json_get "$OUT" 'd["rc"]')" 1 "fragmented answer after the abuse"

note "drops were counted"
curl -sS --max-time 10 "http://$(port_of http)/metrics" >"$T/metrics" || fail "GET /metrics failed"
grep -qE '^idr_dropped_total\{reason="malformed"\} [1-9]' "$T/metrics" &&
	grep -qE '^idr_dropped_total\{reason="reasm"\} [1-9]' "$T/metrics" ||
	{ grep drop "$T/metrics" >&2; fail "malformed and reassembly drops not counted in /metrics"; }

note "SIGTERM"
stop_idrd "$T/idrd.log"
note "ok"
