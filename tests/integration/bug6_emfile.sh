#!/usr/bin/env bash
# bug6_emfile.sh - out of file descriptors (issue 6, defect 1): with 256 descriptors and more
# HTTP and Handle-TCP connections held open than that, idrd warns at start, pauses accepting
# instead of spinning (its CPU time stays low, its log short), keeps answering UDP, and
# accepts again once the connections close.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

make_data
idrd_conf "$T/idrd.conf" "max_connections 100000" "max_connections_per_ip 100000"
IDRD_NOFILE=256 start_idrd "$T/idrd.conf" "$T/idrd.log"
U=$(port_of udp)
TC=$(port_of tcp)
H=$(port_of http)
log_wait "$T/idrd.log" "file descriptors; the limit is 256"

cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$IDRD_PID/stat"
}

note "hold 300 HTTP and 100 TCP connections open: more than idrd may have"
cat >"$T/hold.py" <<'PY'
import socket, sys, time
host, hport = sys.argv[1].rsplit(":", 1)
_, tport = sys.argv[2].rsplit(":", 1)
socks = []
for port, n in ((int(hport), 300), (int(tport), 100)):
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        socks.append(s)
print("holding", len(socks), flush=True)
time.sleep(int(sys.argv[3]))
PY
start_bg "$T/hold.log" python3 "$T/hold.py" "$H" "$TC" 60
HOLD=$LAST_PID
wait_for_text() {
	n=50
	until grep -q "$2" "$1" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "$1 lacks $2"
		sleep 0.1
	done
}
wait_for_text "$T/hold.log" holding
sleep 1
log_wait "$T/idrd.log" "no new connections for"
before=$(cpu_ticks)
sleep 3
after=$(cpu_ticks)
used=$((after - before))
# 3 s of two workers spinning would be ~600 ticks; pausing leaves them idle
[ "$used" -lt 60 ] || fail "idrd used $used ticks of CPU in 3 s while out of descriptors"
lines=$(wc -l <"$T/idrd.log")
[ "$lines" -lt 40 ] || { tail -20 "$T/idrd.log" >&2; fail "$lines log lines while out of descriptors"; }

note "UDP is still answered"
ok "$IDR_BIN" resolve 88.118.8/P-000001 --server "$U" --udp --json
assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "UDP while out of descriptors"

note "connections close: HTTP is accepted and answered again"
stop_pid "$HOLD" KILL
n=50
until curl -s -m 2 -o /dev/null "http://$H/healthz"; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || fail "HTTP not answered after the connections closed"
	sleep 0.1
done
ok curl -sS -m 5 "http://$H/api/handles/88.118.8/P-000001"
assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "HTTP after the connections closed"
ok "$IDR_BIN" resolve 88.118.8/P-000001 --server "$TC" --tcp --json
stop_idrd "$T/idrd.log"
