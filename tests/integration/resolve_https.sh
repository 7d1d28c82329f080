#!/usr/bin/env bash
# resolve_https.sh - `idr resolve --http` (libcurl, resolver/client/httpc) against a real idrd with
# TLS: the server as --http https://HOST:PORT, --http HOST:PORT, --http=... and --server URL;
# the certificate verified with --cacert (same JSON as over plain HTTP and UDP), refused with a
# wrong CA or none, accepted with --insecure; a body over --max-body fails naming the cap; a
# silent server fails naming the timeout; usage errors for the new options.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

P1=88.118.8/P-000001

note "data, a certificate for 127.0.0.1 and another CA"
make_data
cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$T/$1.key" -out "$T/$1.pem" -subj "/CN=$1" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
		fail "openssl could not make a certificate"
}
cert node
cert other
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/node.pem" \
	"tls_key $T/node.key" "udp_source_rate 0"
start_idrd "$T/idrd.conf" "$T/idrd.log"
U=$(port_of udp)
H=$(port_of http)
S=$(port_of https)
[ -n "$U" ] && [ -n "$H" ] && [ -n "$S" ] || fail "port file lacks a listener: $(cat "$PORTS")"

note "HTTPS with --cacert: the same JSON as plain HTTP and UDP"
ok idr resolve "$P1" --server "$U" --json
cp "$OUT" "$T/udp.json"
ok idr resolve "$P1" --http "$H" --json
cmp "$T/udp.json" "$OUT" || fail "--http HOST:PORT: JSON differs from UDP"
ok idr resolve "$P1" --http "https://$S" --cacert "$T/node.pem" --json
cmp "$T/udp.json" "$OUT" || fail "--http https://: JSON differs from UDP"
ok idr resolve --http="https://$S/" "$P1" --cacert "$T/node.pem"
expect_out "via HTTPS $S"
expect_out "kind: part (零部件)"
ok idr resolve --http "https://$S" "$P1" --cacert "$T/node.pem"
expect_out "via HTTPS $S"
ok idr resolve "$P1" --server "https://localhost:${S##*:}" --cacert "$T/node.pem"
expect_out "via HTTPS localhost:${S##*:}"
ok idr resolve "$P1" --server "$H" --http
expect_out "via HTTP $H"
ok idr resolve "$P1" --http --server "$H"
expect_out "via HTTP $H"
ok idr resolve "$P1" --server "http://$H"
expect_out "via HTTP $H"
expect_exit 3 idr resolve 88.118.8/NO-SUCH --http "https://$S" --cacert "$T/node.pem"
expect_err "HANDLE_NOT_FOUND (100)"

note "a wrong CA, or none, is refused; --insecure is not"
expect_exit 1 idr resolve "$P1" --http "https://$S" --cacert "$T/other.pem"
expect_err "idr resolve: $P1: GET https://$S/api/handles/$P1: "
expect_err "certificate"
[ ! -s "$OUT" ] || fail "output despite a refused certificate"
expect_exit 1 idr resolve "$P1" --http "https://$S"
expect_err "certificate"
expect_exit 1 idr resolve "$P1" --http "https://$S" --cacert "$T/missing.pem"
expect_err "missing.pem"
ok idr resolve "$P1" --http "https://$S" --insecure --json
cmp "$T/udp.json" "$OUT" || fail "--insecure: JSON differs from UDP"

note "a body over --max-body fails naming the cap"
expect_exit 1 idr resolve "$P1" --http "https://$S" --insecure --max-body 100
expect_err "response body over the cap of 100 bytes"
expect_exit 1 idr resolve "$P1" --http "$H" --max-body 100
expect_err "GET http://$H/api/handles/$P1: response body over the cap of 100 bytes"

note "a silent server fails naming the timeout"
cat >"$T/silent.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
end = time.time() + 60
while time.time() < end:
    c, _ = s.accept()  # take the request, never answer
    conns.append(c)
PY
start_bg "$T/silent.log" python3 "$T/silent.py" "$T/silent.port"
SILENT_PID=$LAST_PID
wait_file "$T/silent.port"
SP=$(cat "$T/silent.port")
t0=$(date +%s)
expect_exit 1 idr resolve "$P1" --http "127.0.0.1:$SP" --timeout 1
expect_err "no complete answer within the timeout of 1000 ms"
expect_exit 1 idr resolve "$P1" --http "https://127.0.0.1:$SP" --timeout 1 --insecure
expect_err "timeout of 1000 ms"
[ $(($(date +%s) - t0)) -le 6 ] || fail "the timeouts took too long"
stop_pid "$SILENT_PID"

note "usage errors"
expect_exit 64 idr resolve "$P1" --cacert "$T/node.pem"
expect_err "need --http"
expect_exit 64 idr resolve "$P1" --http "$H" --insecure
expect_err "need an https:// server"
expect_exit 64 idr resolve "$P1" --http "https://$S" --insecure --cacert "$T/node.pem"
expect_exit 64 idr resolve "$P1" --http "https://$S" --server "$H"
expect_err "give the server once"
expect_exit 64 idr resolve "$P1" --server "https://$S" --udp
expect_exit 64 idr resolve "$P1" --http "ftp://$S"
expect_err "unknown scheme"
expect_exit 64 idr resolve "$P1" --http "https://user@$S"
expect_err "user information"
expect_exit 64 idr resolve "$P1" --http "https://$S/api"
expect_exit 64 idr resolve "$P1" --http "$H" --max-body 0

stop_idrd "$T/idrd.log"
note "ok"
