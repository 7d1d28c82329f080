#!/usr/bin/env bash
# http_layer.sh - idrd's own HTTP/1.1 layer against real clients and raw bytes: HTTP/1.0 with
# and without keep-alive, HEAD, pipelining (answers in order, one write of three requests),
# chunked request bodies, Expect: 100-continue, Connection: close; every framing ambiguity a
# proxy could be smuggled through answered with its status and the connection closed; the
# limits (414, 431, 413, 501, 505); deadlines that count from the start (a slowloris head and
# a silent TLS client are closed at http_header_timeout while valid queries from the same
# address are answered); Handle-over-HTTP answering byte for byte what TCP answers, a stock
# client's request line included; wrk, ab and h2load --h1 against the REST API.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

make_data
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"http_header_timeout 2" "http_max_header_size 4k" "http_max_body_size 64k" \
	"max_connections_per_ip 64" "udp_source_rate 0"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
S=$(port_of https)
TC=$(port_of tcp)
P1=88.118.8/P-000001

# raw NAME: send the bytes of $T/NAME.in on one connection (one write), read until the
# server closes or 3 s pass; the answer in $T/NAME.out, "closed"/"open" in $T/NAME.end
cat >"$T/raw.py" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
data = open(sys.argv[2], "rb").read()
wait = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
s = socket.create_connection((host, int(port)))
s.sendall(data)
s.settimeout(wait)
out, end = b"", "open"
try:
    while True:
        b = s.recv(65536)
        if not b:
            end = "closed"
            break
        out += b
except socket.timeout:
    pass
except ConnectionResetError:
    end = "closed"
open(sys.argv[3], "wb").write(out)
open(sys.argv[3] + ".end", "w").write(end)
PY
raw() {
	ok python3 "$T/raw.py" "$H" "$T/$1.in" "$T/$1.out" "${2:-3}"
}
# status of the Nth answer (1-based) in $T/NAME.out
status_n() {
	python3 - "$T/$1.out" "$2" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
st = re.findall(rb"HTTP/1\.[01] (\d{3}) ", d)
n = int(sys.argv[2])
print(st[n - 1].decode() if len(st) >= n else "none")
PY
}
answers() {
	python3 -c 'import re,sys; print(len(re.findall(rb"HTTP/1\.[01] \d{3} ", open(sys.argv[1],"rb").read())))' "$T/$1.out"
}
ended() {
	cat "$T/$1.out.end"
}

note "HTTP/1.1 and 1.0, keep-alive and not, HEAD"
ok curl -sS --http1.1 -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}' \
	"http://$H/api/handles/$P1" "http://$H/api/handles/$P1"
assert_eq "$(cat "$OUT")" "200 1200 0" "two requests on one 1.1 connection"
ok curl -sS --http1.0 -D "$T/h10" -o /dev/null "http://$H/api/handles/$P1"
grep -qi '^connection: close' "$T/h10" || fail "1.0 without keep-alive: no Connection: close"
printf 'GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n' \
	>"$T/k10.in"
raw k10
assert_eq "$(answers k10)" 2 "1.0 keep-alive: both answered"
assert_eq "$(ended k10)" closed "1.0 without keep-alive closes after its answer"
grep -qi 'connection: keep-alive' "$T/k10.out" || fail "1.0 keep-alive answer lacks it"
ok curl -sS -I "http://$H/api/handles/$P1"
grep -qi '^content-length: [1-9]' "$OUT" || fail "HEAD: no Content-Length of the body"
printf 'HEAD /api/handles/%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$P1" >"$T/head.in"
raw head
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(0 if d.endswith(b"\r\n\r\n") else 1)' \
	"$T/head.out" || fail "HEAD answered with a body"

note "pipelining: three requests in one write, three answers in order"
printf 'GET /api/handles/%s HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing-here/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
	"$P1" >"$T/pipe.in"
raw pipe
assert_eq "$(answers pipe)" 3 "pipelined answers"
assert_eq "$(status_n pipe 1) $(status_n pipe 2) $(status_n pipe 3)" "200 200 400" "order"
assert_eq "$(ended pipe)" closed "Connection: close ends the pipeline"

note "Handle over HTTP: the same bytes as over TCP"
ok "$IDR_BIN" resolve "$P1" --server "$TC" --tcp --dump-request "$T/req.bin"
cat >"$T/tcp.py" <<'PY'
import socket, struct, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(open(sys.argv[2], "rb").read())
d = b""
while len(d) < 20 or len(d) < 20 + struct.unpack(">I", d[16:20])[0]:
    b = s.recv(65536)
    if not b:
        break
    d += b
open(sys.argv[3], "wb").write(d)
PY
ok python3 "$T/tcp.py" "$TC" "$T/req.bin" "$T/tcp.ans"
# same_answer A B: two Handle answers equal but for the expiration time (header offset 16)
same_answer() {
	python3 - "$1" "$2" <<'PY'
import sys
a, b = (bytearray(open(f, "rb").read()) for f in sys.argv[1:3])
for d in (a, b):
    if len(d) >= 40:
        d[36:40] = b"\0\0\0\0"
sys.exit(0 if a == b and len(a) > 40 else 1)
PY
}
ok curl -sS -o "$T/http.ans" -D "$T/hdl.h" -H 'Content-Type: application/x-hdl-message' \
	--data-binary @"$T/req.bin" "http://$H/88.118.8%2FP-000001"
grep -qi '^content-type: application/x-hdl-message' "$T/hdl.h" || fail "answer content type"
same_answer "$T/tcp.ans" "$T/http.ans" || fail "Handle-over-HTTP answer differs from the TCP one"
ok curl -sS -o "$T/https.ans" -k -H 'Content-Type: application/x-hdl-message' \
	--data-binary @"$T/req.bin" "https://$S/88.118.8%2FP-000001"
same_answer "$T/tcp.ans" "$T/https.ans" || fail "Handle-over-HTTPS answer differs from the TCP one"
note "the same with a chunked body and with Expect: 100-continue"
ok curl -sS -o "$T/chunked.ans" -H 'Content-Type: application/x-hdl-message' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$T/req.bin" "http://$H/x"
same_answer "$T/tcp.ans" "$T/chunked.ans" || fail "chunked Handle message answered differently"
ok curl -sS -v -o "$T/cont.ans" -H 'Content-Type: application/x-hdl-message' \
	-H 'Expect: 100-continue' --data-binary @"$T/req.bin" "http://$H/x"
grep -q '< HTTP/1.1 100 Continue' "$ERR" || fail "no 100 Continue"
same_answer "$T/tcp.ans" "$T/cont.ans" || fail "100-continue Handle message answered differently"
note "a stock client's request: the handle as one percent-encoded path segment"
{
	printf 'POST /88.118.8%%2FP-000001 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n'
	printf 'User-Agent: Java/17\r\nContent-Type: application/x-hdl-message\r\n'
	printf 'Content-Length: %d\r\nConnection: close\r\n\r\n' "$(wc -c <"$T/req.bin")"
	cat "$T/req.bin"
} >"$T/java.in"
raw java
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(d.split(b"\r\n\r\n", 1)[1])' \
	"$T/java.out" "$T/java.ans"
same_answer "$T/tcp.ans" "$T/java.ans" || fail "stock client request: the body is not the TCP answer"

note "framing that could smuggle a request: 400 and closed"
smuggle() { # NAME STATUS PRINTF-FORMAT
	printf "$3" >"$T/$1.in"
	raw "$1"
	assert_eq "$(status_n "$1" 1)" "$2" "$1"
	assert_eq "$(answers "$1")" 1 "$1: only one answer"
	assert_eq "$(ended "$1")" closed "$1: connection closed"
}
smuggle two_cl 400 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhelloGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
smuggle cl_te 400 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
smuggle space_colon 400 'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
smuggle obs_fold 400 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'
smuggle no_host 400 'GET /healthz HTTP/1.1\r\n\r\n'
smuggle bare_lf 400 'GET /healthz HTTP/1.1\nHost: x\n\n'
smuggle bad_name 400 'GET /healthz HTTP/1.1\r\nHost: x\r\nX(y): 1\r\n\r\n'
smuggle bad_target 400 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'
smuggle version 505 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n'
smuggle coding 501 'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'
printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$(head -c 40000 /dev/zero | tr '\0' a)" >"$T/long.in"
raw long
assert_eq "$(status_n long 1)" 414 "long target"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$(head -c 5000 /dev/zero | tr '\0' a)" >"$T/bighdr.in"
raw bighdr
assert_eq "$(status_n bighdr 1)" 431 "large header"
printf 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n' >"$T/bigbody.in"
raw bigbody
assert_eq "$(status_n bigbody 1)" 413 "large body"
ok curl -sS -o /dev/null -w '%{http_code}' "http://$H/healthz"
assert_eq "$(cat "$OUT")" 200 "still serving after the bad requests"

note "deadlines from the start: slowloris and a silent TLS client"
cat >"$T/slow.py" <<'PY'
import socket, ssl, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
t0 = time.time()
closed = None
head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
for b in ([] if sys.argv[2] == "silent" else head):
    try:
        s.send(bytes([b]))
    except OSError:
        closed = time.time() - t0
        break
    time.sleep(0.3)
    if time.time() - t0 > 10:
        break
if closed is None:
    s.settimeout(10)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    closed = time.time() - t0
print("%.1f" % closed)
PY
start_bg "$T/slow.log" python3 "$T/slow.py" "$H" head
SLOW=$LAST_PID
start_bg "$T/silent.log" python3 "$T/slow.py" "$S" silent
SILENT=$LAST_PID
for _ in 1 2 3 4 5 6; do
	ok curl -sS -o /dev/null -w '%{http_code}' -m 2 "http://$H/api/handles/$P1"
	assert_eq "$(cat "$OUT")" 200 "a query beside the slow clients"
	sleep 0.4
done
wait "$SLOW" || true
wait "$SILENT" || true
slow=$(cat "$T/slow.log")
silent=$(cat "$T/silent.log")
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if 1.5 <= a <= 4 and 1.5 <= b <= 4 else 1)" \
	"$slow" "$silent" || fail "closed after ${slow}s (slowloris) and ${silent}s (silent TLS), want ~2s"

note "a body must keep coming at http_body_min_rate"
cat >"$T/slowbody.py" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-hdl-message\r\n"
          b"Content-Length: 60000\r\n\r\n" + b"a" * 1024)
t0 = time.time()
closed = None
while time.time() - t0 < 20:
    try:
        s.send(b"a")  # 1 byte/s: far below the minimum rate
    except OSError:
        break
    s.settimeout(1)
    try:
        if s.recv(4096) == b"":
            break
    except socket.timeout:
        pass
    except OSError:
        break
print("%.1f" % (time.time() - t0))
PY
ok python3 "$T/slowbody.py" "$H"
python3 -c "import sys; t = float(sys.argv[1]); sys.exit(0 if 2 <= t <= 8 else 1)" "$(cat "$OUT")" ||
	fail "a body at 1 byte/s was closed after $(cat "$OUT") s, want ~3 s (2 s + 1024 B at 1024 B/s)"

note "SIGHUP reads the certificate again; a broken pair keeps the old one"
fp() {
	echo | openssl s_client -connect "$S" 2>/dev/null | openssl x509 -noout -fingerprint -sha256
}
old=$(fp)
[ -n "$old" ] || fail "no certificate from the HTTPS listener"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key2.pem" -out "$T/cert2.pem" -subj /CN=renewed >/dev/null 2>&1
cp "$T/cert2.pem" "$T/cert.pem"
cp "$T/key2.pem" "$T/key.pem"
kill -HUP "$IDRD_PID"
log_wait "$T/idrd.log" "certificate $T/cert.pem loaded"
new=$(fp)
[ "$new" != "$old" ] || fail "SIGHUP did not load the renewed certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key3.pem" -out "$T/cert3.pem" -subj /CN=mismatch >/dev/null 2>&1
cp "$T/cert3.pem" "$T/cert.pem" # the key stays key2: a pair that does not match
kill -HUP "$IDRD_PID"
log_wait "$T/idrd.log" "keeping the old pair"
assert_eq "$(fp)" "$new" "a broken pair keeps the certificate in use"
ok curl -sS -k -o /dev/null -w '%{http_code}' "https://$S/healthz"
assert_eq "$(cat "$OUT")" 200 "HTTPS after a reload with a broken pair"

note "load from stock benchmark clients"
if command -v wrk >/dev/null 2>&1; then
	ok wrk -t1 -c8 -d1s "http://$H/api/handles/$P1"
	grep -q 'Requests/sec' "$OUT" || fail "wrk: no result"
	if grep -q 'Non-2xx\|Socket errors' "$OUT"; then
		cat "$OUT" >&2
		fail "wrk saw errors"
	fi
fi
if command -v ab >/dev/null 2>&1; then
	ok ab -q -k -c8 -n 2000 "http://$H/api/handles/$P1"
	grep -q '^Failed requests: *0' "$OUT" || { cat "$OUT" >&2; fail "ab saw failures"; }
fi
if command -v h2load >/dev/null 2>&1; then
	ok h2load --h1 -c8 -n 2000 "http://$H/api/handles/$P1"
	grep -q '2000 succeeded' "$OUT" || { cat "$OUT" >&2; fail "h2load saw failures"; }
	ok h2load --h1 -c4 -n 400 "https://$S/api/handles/$P1"
	grep -q '400 succeeded' "$OUT" || { cat "$OUT" >&2; fail "h2load over TLS saw failures"; }
fi
stop_idrd "$T/idrd.log"
