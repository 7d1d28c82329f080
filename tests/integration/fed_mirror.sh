#!/usr/bin/env bash
# fed_mirror.sh - journal shipping and role mirror (http/api_journal.h, fed/mirror.h,
# registry/repl.h) with real processes: a primary idrd and a mirror idrd (port 0). The mirror
# of an existing primary starts from a snapshot; after a burst of 5000 writes it holds the same
# records (`idr export` of both) and the same journal head (`idr audit verify`); killed with
# SIGKILL in the middle of another burst and restarted, it resumes from its own head and
# converges again; writes sent to it are referred to the primary (REST 307 with Location,
# Handle admin RC 7); a follower that is not a journal follower is refused (403); a journal
# copy with a modified entry (a fake primary in python3 in front of the real one) is refused:
# nothing applied, counted in /metrics, the mirror's head stays where it was. Then the primary's
# journal is folded into a checkpoint (`idr journal fold`): a follower asking for a folded seq
# gets 410, a new mirror converges from a snapshot and verifies from the checkpoint, and the
# mirror that followed all along is unaffected.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

make_data
seckey_identity 88.118/MIRROR 'mirror pw' "$D"
seckey_identity 88.118/STRANGER 'mirror pw' "$D"
printf 'mirror pw\n' >"$T/mirror.secret"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"

make_cert
idrd_conf "$T/idrd.conf" "journal_followers 300:88.118/MIRROR" "journal_wait_ms 1000" \
	"${TLS_LINES[@]}"
start_idrd "$T/idrd.conf" "$T/idrd.log"
P_PID=$IDRD_PID
P_PORTS=$PORTS
H=$(port_of http)
S=$(port_of https)
CA=(--cacert "$T/cert.pem")

note "journal API: HTTPS only"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -u '300%3A88.118/MIRROR:mirror pw' \
	"http://$H/api/v1/journal?from=1")
assert_eq "$code" 403 "journal over plain HTTP"
grep -qF "HTTPS only" "$T/body" || fail "the refusal does not say HTTPS"

note "journal API: authentication and framing"
code=$(curl -sS -o "$T/body" -w '%{http_code}' "${CA[@]}" "https://$S/api/v1/journal?from=1")
assert_eq "$code" 401 "journal without credentials"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -u '300%3A88.118/STRANGER:mirror pw' \
	"${CA[@]}" "https://$S/api/v1/journal?from=1")
assert_eq "$code" 403 "journal for an identity that is not a follower"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -u '300%3A88.118/MIRROR:mirror pw' \
	"${CA[@]}" "https://$S/api/v1/journal?from=1&max=3")
assert_eq "$code" 200 "journal for the follower"
python3 - "$T/body" <<'PY' || fail "journal answer framing"
import struct, sys
b = open(sys.argv[1], "rb").read()
head = struct.unpack(">Q", b[:8])[0]
off, seqs = 8, []
while off < len(b):
    seq, n = struct.unpack(">QI", b[off:off + 12])
    seqs.append(seq)
    off += 12 + n
assert off == len(b) and seqs == [1, 2, 3] and head >= 3, (head, seqs)
PY
cp "$T/body" "$T/body.3"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -u '300%3A88.118/MIRROR:mirror pw' \
	"${CA[@]}" "https://$S/api/v1/journal?from=999999")
assert_eq "$code" 409 "from past the head"
# caught up: the request waits (long poll, journal_wait_ms) and answers the head alone
HEAD_SEQ=$(python3 -c 'import struct,sys; print(struct.unpack(">Q", open(sys.argv[1],"rb").read()[:8])[0])' "$T/body.3")
t0=$(date +%s%N)
code=$(curl -sS -o "$T/body" -w '%{http_code}' -u '300%3A88.118/MIRROR:mirror pw' \
	"${CA[@]}" "https://$S/api/v1/journal?from=$((HEAD_SEQ + 1))")
t1=$(date +%s%N)
assert_eq "$code" 200 "caught-up journal request"
assert_eq "$(stat -c %s "$T/body")" 8 "caught-up answer size"
[ $(((t1 - t0) / 1000000)) -ge 900 ] || fail "the caught-up request did not wait"

# start_mirror NAME PRIMARY-URL: a mirror over $T/NAME (ports in $T/NAME.ports); sets M_PID
start_mirror() {
	cat >"$T/$1.conf" <<EOF2
data_dir $T/$1
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
role mirror
primary $2
primary_cacert $T/cert.pem
primary_identity 300:88.118/MIRROR
primary_secret_file $T/mirror.secret
server_key $T/server.pem
EOF2
	PORTS=$T/$1.ports
	start_idrd "$T/$1.conf" "$T/$1.log"
	M_PID=$IDRD_PID
	PORTS=$P_PORTS
}
mport() { awk -v k="$2" '$1 == k { print $2; exit }' "$T/$1.ports"; }

# converge NAME: wait (60 s) until the mirror's export and journal head equal the primary's
converge() { converge_copy "$D" "$T/$1" "$T/$1.log"; }
# burst FIRST COUNT: COUNT records registered on the primary (local import beside idrd)
burst() { burst_import "$D" "$1" "$2"; }

note "a new mirror of an existing primary starts from a snapshot"
start_mirror m "https://$S"
M1=$M_PID
log_wait "$T/m.log" "bootstrapped from a snapshot"
converge m
MH=$(mport m http)
MS=$(mport m tcp)
ok curl -sS "http://$MH/healthz"
expect_out "mirror of https://$S: following"
ok "$IDR_BIN" resolve 88.118.8/P-000001 --server "$MS" --tcp
expect_out "example.com/p/1"

note "a burst of 5000 writes"
burst 1 5000 || fail "import failed"
converge m
ok "$IDR_BIN" resolve 88.118.8/M-4999 --server "$MS" --tcp

note "the primary recorded the mirror's acknowledgement (reg_follow.h)"
n=50
until mdb_dump -p -s meta "$D" 2>/dev/null | grep -qF "follow/300:88.118/MIRROR"; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || fail "no acknowledgement of the mirror in the primary's meta"
	sleep 0.1
done

note "writes to the mirror are referred to the primary"
code=$(curl -sS -o "$T/body" -D "$T/hdrs" -w '%{http_code}' -X PUT \
	-H 'Content-Type: application/json' --data-binary '{"values":[]}' \
	"http://$MH/api/handles/88.118.8/W-1")
assert_eq "$code" 307 "REST PUT on the mirror"
grep -qiF "Location: https://$S/api/handles/88.118.8/W-1" "$T/hdrs" || fail "no Location"
grep -qF '"responseCode":7' "$T/body" || fail "no responseCode 7"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X DELETE "http://$MH/api/handles/88.118.8/M-1")
assert_eq "$code" 307 "REST DELETE on the mirror"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary '{}' "http://$MH/identityv2/data")
assert_eq "$code" 307 "national API write on the mirror"
expect_exit 1 "$IDR_BIN" admin create 88.118.8/W-2 1:URL:https://e.example/w --server "$MS" \
	--id 300:88.118/MIRROR --secret-file "$T/mirror.secret" --hashed
expect_err "(7)"

note "killed (SIGKILL) in the middle of a burst, restarted, it converges"
burst 5001 5000 &
BURST=$!
sleep 0.3
kill -KILL "$M1"
wait "$M1" 2>/dev/null || true
wait "$BURST" || fail "second burst failed"
check_sanitizer "$T/m.log"
start_mirror m "https://$S"
M1=$M_PID
converge m

note "a tampered journal copy is refused"
PROXY_PORT_FILE=$T/proxy.port
cat >"$T/proxy.py" <<'PY'
import http.server, ssl, sys, urllib.request, struct
up, cert, key = sys.argv[1], sys.argv[3], sys.argv[4]
client = ssl.create_default_context(cafile=cert)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        req = urllib.request.Request(up + self.path, headers={"Authorization": self.headers.get("Authorization", "")})
        try:
            r = urllib.request.urlopen(req, timeout=30, context=client)
            code, body, ct = r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            code, body, ct = e.code, e.read(), e.headers.get("Content-Type")
        if self.path.startswith("/api/v1/journal?") and code == 200 and len(body) > 8 + 12 + 40:
            b = bytearray(body)
            b[8 + 12 + 30] ^= 1          # a byte inside the first entry's change
            body = bytes(b)
        self.send_response(code)
        self.send_header("Content-Type", ct or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(cert, key)
s.socket = server.wrap_socket(s.socket, server_side=True)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
start_bg "$T/proxy.log" python3 "$T/proxy.py" "https://$S" "$PROXY_PORT_FILE" "$T/cert.pem" \
	"$T/key.pem"
PROXY_PID=$LAST_PID
wait_file "$PROXY_PORT_FILE"
start_mirror t "https://127.0.0.1:$(cat "$PROXY_PORT_FILE")"
T_PID=$M_PID
log_wait "$T/t.log" "bootstrapped from a snapshot"
T_HEAD=$("$IDR_BIN" audit verify --data "$T/t" | grep -i head)
burst 20001 10 || fail "import failed"
log_wait "$T/t.log" "journal copy refused" 10
ok curl -sS "http://$(mport t http)/metrics"
grep -qE '^idr_mirror_refused_total [1-9]' "$OUT" || fail "refusal not counted"
ok curl -sS "http://$(mport t http)/healthz"
expect_out "failing"
assert_eq "$("$IDR_BIN" audit verify --data "$T/t" | grep -i head)" "$T_HEAD" \
	"the tampered copy changed the mirror"
stop_pid "$T_PID" TERM
check_sanitizer "$T/t.log"
stop_pid "$PROXY_PID" TERM

note "the primary's journal folded into a checkpoint: a new mirror converges from a snapshot"
HEAD_SEQ=$("$IDR_BIN" stats --json --data "$D" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal"]["head_seq"])')
ok "$IDR_BIN" journal fold --before "$HEAD_SEQ" --data "$D"
ok "$IDR_BIN" audit verify --data "$D"
expect_out "from checkpoint seq $((HEAD_SEQ - 1))"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -u '300%3A88.118/MIRROR:mirror pw' \
	"${CA[@]}" "https://$S/api/v1/journal?from=1")
assert_eq "$code" 410 "journal from a folded seq"
burst 20001 100 || fail "import after the fold failed"
start_mirror m2 "https://$S"
M2=$M_PID
log_wait "$T/m2.log" "bootstrapped from a snapshot"
converge m2
ok "$IDR_BIN" audit verify --data "$T/m2"
expect_out "from checkpoint seq $((HEAD_SEQ - 1))"
converge m # the mirror that followed all along is past the fold: unaffected
IDRD_PID=$M2
stop_idrd "$T/m2.log"

note "shutdown"
IDRD_PID=$M1
stop_idrd "$T/m.log"
IDRD_PID=$P_PID
stop_idrd "$T/idrd.log"
