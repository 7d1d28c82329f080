#!/usr/bin/env bash
# site_shard.sh - a site of two real idrd sharding identifiers by the Handle hash
# (resolver/core/shard.h), with HAProxy in front of their HTTP (and, passed through, HTTPS)
# listeners.
#
# A store with a template, 24 items with GS1 aliases and events (one linking items of both
# servers) is split with `idr split` (and one share imported again with `idr import --shard`
# gives the same identifiers). Both servers list the site in HS_SITE (site_servers with ports
# picked free by the test) and their HTTP listeners in site_http_servers; each answers its
# share over UDP and TCP and 301 "Request was hashed incorrectly" for the other's, prefix
# handles on both; a Handle admin request for the other's handle gets that 301 before any
# challenge (a raw request, and `idr admin` with a wrong secret), one for a 0.NA/ record a
# clear refusal; `idr resolve --site` reaches the right server from either. Over HTTP either
# server answers every identifier (http/sfwd.h forwards to the other): records, IDIS detail,
# product pages, scans by handle and by GS1 code, events and traces, all through HAProxy, and
# writes (PUT to either server, and through HAProxy's HTTPS) reach the server holding them.
# Site-wide changes (a 0.NA/ record, a prefix application and approval) reach both servers,
# a bad one neither; with server 1 down one is answered naming server 1, and sent again later.
# Server 1 stopped: HAProxy marks it DOWN, server 0's share keeps resolving through HAProxy,
# server 1's gets a clear error; server 1 back: UP again, everything resolves.
. "$(dirname "$0")/lib.sh"
: "${IDRD_BIN:?IDRD_BIN must point to the idrd binary}"

command -v curl >/dev/null 2>&1 || fail "curl is needed"
command -v haproxy >/dev/null 2>&1 || fail "haproxy is needed (deploy/deps.sh test)"

N=24
MSG="Request was hashed incorrectly"

# owner ID: the server (0 or 1) the Handle hash (whole handle, 2 servers) picks; computed here
# independently of idr (MD5 of the upper-cased handle, last 4 bytes as int32, abs, mod 2)
owner() {
	python3 -c 'import hashlib, struct, sys
d = hashlib.md5(sys.argv[1].upper().encode()).digest()
print(abs(struct.unpack(">i", d[-4:])[0]) % 2)' "$1"
}

note "source store: 88.118 with 88.118.8, a published template and $N items"
S=$T/src
ok "$IDR_BIN" init --data "$S" --node-prefix 88.118 --owner node1
ok "$IDR_BIN" prefix add 88.118.8 --data "$S" --owner ent
python3 - "$T/tmpl.json" <<'PY'
import json, sys
json.dump({"industryCategory": "C", "industrySpecific": "34", "industryTrade": "341",
           "industrySubclass": "3411", "type": 1, "description": "shard",
           "items": [{"name": "model", "idType": "model", "idIndex": 2000, "required": True,
                      "state": 1, "metadata": {"type": "string", "maxLength": 50}}]},
          open(sys.argv[1], "w"))
PY
ok "$IDR_BIN" template create 88.118.8 1.0 --file "$T/tmpl.json" --data "$S"
ok "$IDR_BIN" template publish 88.118.8 1.0 --data "$S"
{
	echo "id,kind,url,model,gs1"
	for i in $(seq 1 $N); do
		echo "88.118.8/P-$i,part,https://example.com/p/$i,M$i,(01)06901234567892(21)S$i"
	done
} >"$T/items.csv"
ok "$IDR_BIN" import "$T/items.csv" --data "$S" --alias gs1
expect_out "$N aliases added"
# lifecycle: each item observed once; P-1 made from P-2 and P-3 (a trace crossing servers)
for i in $(seq 1 $N); do
	ok "$IDR_BIN" event add "88.118.8/P-$i" --biz-step inspecting --data "$S" \
		--time "2024-05-01T10:00:00+08:00"
done
ok "$IDR_BIN" event add 88.118.8/P-1 --biz-step assembling --input 88.118.8/P-2,88.118.8/P-3 \
	--data "$S" --time "2024-05-02T10:00:00+08:00"
# an administrator's key: an identity record goes to every server (each authenticates locally)
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
printf '{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"%s","permissions":"1100"}]}\n' \
	"$NODEPW_HASH" >"$T/admin.jsonl"
ok "$IDR_BIN" import "$T/admin.jsonl" --data "$S"
IDS=""
for i in $(seq 1 $N); do
	IDS="$IDS 88.118.8/P-$i"
done
declare -A OWN
C0=0
for id in $IDS; do
	OWN[$id]=$(owner "$id")
	[ "${OWN[$id]}" = 0 ] && C0=$((C0 + 1))
done
[ "$C0" -gt 0 ] && [ "$C0" -lt $N ] || fail "the hash put all $N items on one server"

note "idr split --servers 2: $C0 items for server 0, $((N - C0)) for server 1"
expect_exit 64 "$IDR_BIN" split --servers 2 --data "$S"
expect_err "--servers N and --out DIR_PREFIX are required"
expect_exit 64 "$IDR_BIN" split --servers 2 --hash-option all --data "$S" --out "$T/s"
python3 -c 'print("ab" * 32)' >"$S/token.key" # the servers share the source's token.key
chmod 600 "$S/token.key"
ok "$IDR_BIN" split --servers 2 --data "$S" --out "$T/s"
for k in 0 1; do
	cmp -s "$S/token.key" "$T/s$k/token.key" || fail "token.key of server $k is not the source's"
done
# each: its items and the administrator's identity record
expect_out "$T/s0: server 0 of 2: $((C0 + 1)) records ($((N - C0)) held by other servers)"
expect_out "$T/s1: server 1 of 2: $((N - C0 + 1)) records ($C0 held by other servers)"
expect_out "1 template versions"
expect_out "$T/s0: $C0 aliases"
expect_out "$T/s1: $((N - C0)) aliases"
expect_exit 1 "$IDR_BIN" split --servers 2 --data "$S" --out "$T/s"
expect_err "exists already"
for id in $IDS; do
	for k in 0 1; do
		want=3
		[ "${OWN[$id]}" = "$k" ] && want=0
		expect_exit $want "$IDR_BIN" get "$id" --data "$T/s$k"
	done
done
for k in 0 1; do
	ok "$IDR_BIN" get 88.118/NODEADMIN --data "$T/s$k"
	ok "$IDR_BIN" template list 88.118.8 --data "$T/s$k"
	expect_out "published"
	ok "$IDR_BIN" prefix list --data "$T/s$k"
	expect_out "88.118.8"
done

note "idr import --shard 1 takes the same share as the split"
ok "$IDR_BIN" init --data "$T/imp1" --node-prefix 88.118 --owner node1
ok "$IDR_BIN" prefix add 88.118.8 --data "$T/imp1" --owner ent
expect_exit 64 "$IDR_BIN" import "$T/items.csv" --data "$T/imp1" --shard 1
expect_exit 64 "$IDR_BIN" import "$T/items.csv" --data "$T/imp1" --site-servers 2 --shard 2
ok "$IDR_BIN" import "$T/items.csv" --data "$T/imp1" --site-servers 2 --shard 1 \
	--site-hash-option handle
expect_out "$((N - C0)) created"
expect_out "$C0 rows held by other servers skipped"
ok "$IDR_BIN" import "$T/admin.jsonl" --data "$T/imp1" --site-servers 2 --shard 1
ok "$IDR_BIN" export --data "$T/imp1" -o "$T/imp1.jsonl"
ok "$IDR_BIN" export --data "$T/s1" -o "$T/s1.jsonl"
handles() { python3 -c 'import json, sys
print(sorted(json.loads(l)["handle"] for l in open(sys.argv[1]) if "handle" in json.loads(l)))' "$1"; }
assert_eq "$(handles "$T/imp1.jsonl")" "$(handles "$T/s1.jsonl")" "import --shard 1 vs split"

note "two idrd forming one site (ports picked free: HS_SITE and HAProxy name them)"
read -r P0 P1 Q0 Q1 PL PS < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
server() { # server K: start idrd K on $T/sK
	{
		echo "data_dir $T/s$1"
		echo "workers 2"
		eval "echo \"udp_listen 127.0.0.1:\$P$1\""
		eval "echo \"tcp_listen 127.0.0.1:\$P$1\""
		eval "echo \"http_listen 127.0.0.1:\$Q$1\""
		echo "site_servers 127.0.0.1:$P0, 127.0.0.1:$P1"
		echo "site_server_index $1"
		echo "recursion_timeout_ms 1500"
		echo "https_listen 127.0.0.1:0"
		echo "tls_cert $T/cert.pem"
		echo "tls_key $T/key.pem"
		echo "server_admins 300:88.118/NODEADMIN"
		echo "server_key $T/server.pem"
		echo "site_http_servers 127.0.0.1:$Q0, 127.0.0.1:$Q1"
	} >"$T/n$1.conf"
	ok "$IDRD_BIN" -n -c "$T/n$1.conf"
	rm -f "$T/n$1.ports"
	start_bg "$T/n$1.log" "$IDRD_BIN" -c "$T/n$1.conf" --port-file "$T/n$1.ports"
	eval "PID$1=$LAST_PID"
	wait_file "$T/n$1.ports"
	eval "H$1=\$(awk '\$1 == \"http\" { print \$2; exit }' \"$T/n$1.ports\")"
	eval "S$1=\$(awk '\$1 == \"https\" { print \$2; exit }' \"$T/n$1.ports\")"
}
stop_server() {
	eval "p=\$PID$1"
	stop_pid "$p" TERM
	[ "$STOP_STATUS" -eq 0 ] || { tail -n 30 "$T/n$1.log" >&2; fail "idrd $1 exited $STOP_STATUS"; }
	check_sanitizer "$T/n$1.log"
}
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
server 0
server 1

note "HS_SITE of each lists both servers, hash option 2, each with its Handle port"
for k in 0 1; do
	eval "p=\$P$k"
	python3 - "$p" "$P0" "$P1" <<'PY' || fail "HS_SITE of server $k"
import socket, struct, sys, time
port, p0, p1 = (int(a) for a in sys.argv[1:])
body = struct.pack(">I", 1) + b"/"
# opcode 2 (GET_SITEINFO), rc 0, flags, site serial, recursion, reserved, expiration, length
hdr = struct.pack(">IIIHBBII", 2, 0, 0x19000000, 0xFFFF, 0, 0, int(time.time()) + 3600,
                  len(body))
msg = hdr + body
env = bytes([2, 11, 0, 0]) + struct.pack(">IIII", 0, 7, 0, len(msg))
s = socket.create_connection(("127.0.0.1", port), 5)
s.sendall(env + msg)
data = b""
while len(data) < 20 or len(data) < 20 + struct.unpack(">I", data[16:20])[0]:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
m = data[20:]
rc = struct.unpack(">I", m[4:8])[0]
assert rc == 1, "response code %d" % rc
site = m[24:]
ver, pmaj, pmin, serial, mask, hashopt = struct.unpack(">HBBHBB", site[:8])
off = 8
flen = struct.unpack(">I", site[off:off + 4])[0]; off += 4 + flen
nattr = struct.unpack(">I", site[off:off + 4])[0]; off += 4
for _ in range(nattr):
    for _ in range(2):
        l = struct.unpack(">I", site[off:off + 4])[0]; off += 4 + l
nserv = struct.unpack(">I", site[off:off + 4])[0]; off += 4
assert hashopt == 2, hashopt
assert nserv == 2, nserv
ports = []
for i in range(nserv):
    sid = struct.unpack(">I", site[off:off + 4])[0]; off += 4
    assert sid == i + 1, sid
    addr = site[off:off + 16]; off += 16
    assert addr == bytes(12) + bytes([127, 0, 0, 1]), addr.hex()
    kl = struct.unpack(">I", site[off:off + 4])[0]; off += 4 + kl
    nif = struct.unpack(">I", site[off:off + 4])[0]; off += 4
    ifs = []
    for _ in range(nif):
        t, pr = site[off], site[off + 1]
        ifs.append((t, pr, struct.unpack(">I", site[off + 2:off + 6])[0])); off += 6
    assert (3, 1, (p0, p1)[i]) in ifs and (2, 0, (p0, p1)[i]) in ifs, ifs
PY
done

note "each server answers its share over UDP and TCP, 301 '$MSG' for the other's"
for id in $IDS; do
	for k in 0 1; do
		eval "p=\$P$k"
		for tr in --udp --tcp; do
			if [ "${OWN[$id]}" = "$k" ]; then
				ok "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" $tr
				expect_out "kind: part"
			else
				expect_exit 1 "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" $tr --no-follow
				expect_err "SERVER_NOT_RESP (301): $MSG"
				# REC does not change it: clients that hash expect 301
				expect_exit 1 "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" $tr --recursive \
					--no-follow
				expect_err "SERVER_NOT_RESP (301): $MSG"
				# by default idr follows it to the server the site's hash picks
				ok "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" $tr -v
				expect_out "kind: part"
				eval "want=\$P${OWN[$id]}"
				expect_err "wrong server (301) 127.0.0.1:$p: site of 2 servers: asking server ${OWN[$id]} (127.0.0.1:$want)"
			fi
		done
	done
done
note "admin requests for the other server's handles: 301 before any challenge (as HandleServer)"
command -v node >/dev/null 2>&1 || fail "node is needed"
# a DELETE_HANDLE (101) with no session and no credential: a challenge (402) from the server
# holding the handle, 301 '$MSG' at once from the other
admin_raw() { # admin_raw PORT HANDLE: "rc message" of the first answer
	node -e '
const hdl = require(process.argv[1]);
const [addr, handle] = process.argv.slice(2);
hdl.tcpExchange(addr, [hdl.request({ reqId: 7, opcode: 101, flags: 0, body: hdl.str(handle) })])
  .then((a) => { const r = hdl.parseResponse(a[0]); console.log(r.rc + " " + (r.message || "")); })
  .catch((e) => { console.error(e.message); process.exit(1); });' \
		"$(cd "$(dirname "$0")" && pwd)/hdl_lib.js" "127.0.0.1:$1" "$2"
}
for id in 88.118.8/P-1 88.118.8/P-2 88.118.8/P-3 88.118.8/P-4; do
	for k in 0 1; do
		eval "p=\$P$k"
		got=$(admin_raw "$p" "$id") || fail "admin request to server $k"
		if [ "${OWN[$id]}" = "$k" ]; then
			assert_eq "${got%% *}" 402 "DELETE $id on its server: a challenge"
		else
			assert_eq "$got" "301 $MSG" "DELETE $id on the other server"
		fi
	done
	# a stock admin client with a wrong secret: the other server redirects before authenticating
	printf 'not the password\n' >"$T/wrong.secret"
	other=$((1 - ${OWN[$id]}))
	eval "p=\$P$other"
	expect_exit 1 "$IDR_BIN" admin delete "$id" --id 300:88.118/NODEADMIN \
		--secret-file "$T/wrong.secret" --hashed --server "127.0.0.1:$p"
	expect_err "SERVER_NOT_RESP (301): $MSG"
done

note "prefix handles are answered by both servers"
for k in 0 1; do
	eval "p=\$P$k"
	ok "$IDR_BIN" resolve 0.NA/88.118.8 --server "127.0.0.1:$p" --tcp
	ok "$IDR_BIN" resolve 0.NA/88.118 --server "127.0.0.1:$p" --udp
done

note "idr resolve --site picks the server by the hash, from either server"
for id in $IDS; do
	for k in 0 1; do
		eval "p=\$P$k"
		ok "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" --site
		expect_out "kind: part"
		eval "want=\$P${OWN[$id]}"
		expect_err "site of 2 servers: server ${OWN[$id]} (127.0.0.1:$want) holds $id"
	done
done
expect_exit 64 "$IDR_BIN" resolve 88.118.8/P-1 --site --http "$H0"

note "the HTTP API of either server answers every identifier"
for id in $IDS; do
	for h in "$H0" "$H1"; do
		code=$(curl -s -o "$OUT" -w '%{http_code}' "http://$h/api/handles/$id")
		assert_eq "$code" 200 "GET $id from $h"
		grep -qF "https://example.com/p/${id#88.118.8/P-}\"" "$OUT" || fail "$id from $h: wrong record"
	done
done

note "HTTP writes: the server the hash picks takes them, the other forwards them there"
put() { # put K PATH BODY: PUT over HTTPS to server K as the node administrator
	eval "s=\$S$1"
	code=$(curl -sS -o "$OUT" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
		-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' \
		--data-binary "$3" "https://$s$2")
}
BODY='{"values":[{"index":1,"type":"URL","data":{"format":"string","value":"https://example.com/new"}}]}'
for i in 1 2 3 4 5 6; do
	id=88.118.8/NEW-$i
	own=$(owner "$id")
	put $((1 - own)) "/api/handles/$id" "$BODY"
	assert_eq "$code" 201 "PUT $id to the other server (forwarded)"
	eval "p=\$P$own"
	ok "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" --tcp
	expect_out "https://example.com/new"
	put $((1 - own)) "/api/handles/$id" "${BODY/new/newer}"
	assert_eq "$code" 200 "PUT $id again to the other server"
	ok "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" --tcp
	expect_out "https://example.com/newer"
	put $((1 - own)) "/api/handles/$id" "$BODY"
	assert_eq "$code" 200 "PUT $id back to the other server"
	IDS="$IDS $id"
	OWN[$id]=$own
done
note "a forwarded write keeps its checks: plain HTTP is refused where it lands"
code=$(curl -s -o "$OUT" -w '%{http_code}' -X PUT -u '300%3A88.118/NODEADMIN:node pw' \
	-H 'Content-Type: application/json' --data-binary "$BODY" "http://$H0/api/handles/88.118.8/NEW-1")
assert_eq "$code" 403 "PUT over plain HTTP"
for k in 0 1; do
	for i in 1 2 3; do
		put $k "/api/handles/88.118.8/M-?mintNewSuffix=true" "$BODY"
		assert_eq "$code" 201 "minted PUT to server $k"
		id=$(json_get "$OUT" 'd["handle"]')
		assert_eq "$(owner "$id")" "$k" "server $k minted $id for another server"
		IDS="$IDS $id"
		OWN[$id]=$k
	done
done

note "HAProxy in front of both HTTP listeners, health checks on /healthz"
cat >"$T/haproxy.cfg" <<EOF
global
    stats socket $T/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    retries 1
    option redispatch
frontend idr
    bind 127.0.0.1:$PL
    default_backend idrd
backend idrd
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 200ms fall 2 rise 1
    server s0 $H0 check
    server s1 $H1 check
frontend idrs
    mode tcp
    bind 127.0.0.1:$PS
    default_backend idrds
backend idrds
    mode tcp
    balance roundrobin
    server t0 $S0
    server t1 $S1
EOF
ok haproxy -c -f "$T/haproxy.cfg"
start_bg "$T/haproxy.log" haproxy -db -f "$T/haproxy.cfg"
PIDLB=$LAST_PID
# state NAME: UP / DOWN / ... of a backend server, from the stats socket
state() {
	python3 - "$T/haproxy.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    data += c
for line in data.decode().splitlines():
    f = line.split(",")
    if len(f) > 17 and f[0] == "idrd" and f[1] == sys.argv[2]:
        print(f[17].split(" ")[0])
PY
}
wait_state() { # wait_state NAME STATE: within 10 s
	n=100
	while [ "$n" -gt 0 ]; do
		[ -S "$T/haproxy.sock" ] && [ "$(state "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	fail "HAProxy: $1 not $2 within 10 s (is $(state "$1" 2>/dev/null))"
}
wait_state s0 UP
wait_state s1 UP
lb_get() { # lb_get PATH: GET through HAProxy, the body in $OUT, the status in $code
	code=$(curl -s -o "$OUT" -w '%{http_code}' "http://127.0.0.1:$PL$1")
}
lb_all() { # lb_all: every identifier through HAProxy, twice (both back ends in turn)
	for pass in 1 2; do
		for id in $IDS; do
			lb_get "/api/handles/$id"
			assert_eq "$code" 200 "GET $id through HAProxy (pass $pass)"
		done
	done
}
lb_all

note "through HAProxy: the IDIS API, product pages, scans, events and traces of every item"
for pass in 1 2; do
	for id in $IDS; do
		lb_get "/identityv2/data/detail?handle=$id"
		assert_eq "$code" 200 "IDIS detail of $id (pass $pass)"
		assert_eq "$(json_get "$OUT" 'd["status"]')" 1 "IDIS detail of $id: $(cat "$OUT")"
		lb_get "/$id?noredirect=true"
		assert_eq "$code" 200 "page of $id (pass $pass)"
		grep -qF "$id" "$OUT" || fail "page of $id does not name it"
		lb_get "/api/v1/scan?code=$id"
		assert_eq "$code" 200 "scan of $id (pass $pass)"
	done
	for i in $(seq 1 $N); do
		id=88.118.8/P-$i
		lb_get "/api/v1/scan?code=%2801%2906901234567892%2821%29S$i"
		assert_eq "$code" 200 "scan of the GS1 code of $id (pass $pass): $(cat "$OUT")"
		assert_eq "$(json_get "$OUT" 'd["handle"]')" "$id" "scan of the GS1 code of $id"
		lb_get "/api/v1/items/$id/events"
		assert_eq "$code" 200 "events of $id (pass $pass)"
		grep -qF 'inspecting' "$OUT" || fail "events of $id: $(head -c 500 "$OUT")"
	done
	lb_get "/api/v1/trace/88.118.8/P-1?direction=back&format=json"
	assert_eq "$code" 200 "trace of 88.118.8/P-1 (pass $pass)"
	for part in P-2 P-3; do
		grep -qF "88.118.8/$part" "$OUT" || fail "trace of P-1 lacks $part: $(cat "$OUT")"
	done
	lb_get "/api/v1/trace/88.118.8/P-3?direction=forward&format=json"
	assert_eq "$code" 200 "forward trace of 88.118.8/P-3 (pass $pass)"
	grep -qF "88.118.8/P-1" "$OUT" || fail "forward trace of P-3 lacks P-1: $(cat "$OUT")"
done
lb_get "/api/v1/scan?code=%2801%2906901234567892%2821%29NOSUCH"
assert_eq "$code" 404 "scan of an unknown GS1 code, asked of every server"

note "writes through HAProxy (HTTPS passed through): every one reaches the server holding it"
for i in $(seq 1 8); do
	id=88.118.8/LB-$i
	code=$(curl -sS -o "$OUT" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
		-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' \
		--data-binary "$BODY" "https://127.0.0.1:$PS/api/handles/$id")
	assert_eq "$code" 201 "PUT $id through HAProxy: $(cat "$OUT")"
	own=$(owner "$id")
	eval "p=\$P$own"
	ok "$IDR_BIN" resolve "$id" --server "127.0.0.1:$p" --tcp
	expect_out "https://example.com/new"
	IDS="$IDS $id"
	OWN[$id]=$own
done

note "a listing of 88.118.8 through HAProxy spans the site: every item once, in key order"
lb_get "/api/handles?prefix=88.118.8&pageSize=1000"
assert_eq "$code" 200 "listing through HAProxy: $(head -c 300 "$OUT")"
python3 - "$OUT" $IDS <<'PY' || fail "the listing is not the site's"
import json, sys
d = json.load(open(sys.argv[1]))
want = sorted(set(sys.argv[2:]), key=lambda h: h.upper())
assert d["handles"] == want, (len(d["handles"]), len(want))
assert d["totalCount"] == str(len(want)), d["totalCount"]
assert "next" not in d
PY
: >"$T/paged"
after=""
for round in $(seq 1 40); do
	lb_get "/api/handles?prefix=88.118.8&pageSize=7${after:+&after=$after}"
	assert_eq "$code" 200 "page $round of the listing"
	json_get "$OUT" '"\n".join(d["handles"])' >>"$T/paged"
	after=$(json_get "$OUT" 'd.get("next", "")')
	[ -n "$after" ] || break
done
[ -z "$after" ] || fail "the listing did not end within 40 pages"
assert_eq "$(sort -f "$T/paged" | tr '\n' ' ')" "$(printf '%s\n' $IDS | sort -f | tr '\n' ' ')" \
	"the listing paged with after"
lb_get "/api/handles?prefix=88.118.8&pageSize=7&page=1"
assert_eq "$code" 400 "page=1 on a site of two servers"
grep -qF "pages with after" "$OUT" || fail "page=1: $(cat "$OUT")"

note "site-wide changes through HAProxy reach every server: a 0.NA/ record, a prefix application"
lbs() { # lbs METHOD PATH BODY: over HTTPS through HAProxy as the node administrator
	code=$(curl -sS -o "$OUT" -w '%{http_code}' --cacert "$T/cert.pem" -X "$1" \
		-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' \
		--data-binary "$3" "https://127.0.0.1:$PS$2")
}
USCC=91350100M000100Y43
lbs POST /api/v1/prefixes/apply '{"prefix":"88.118.30","owner":"甲","credit_code":"'$USCC'","industry":"C","contact":"x"}'
assert_eq "$code" 201 "prefix application through HAProxy: $(cat "$OUT")"
lbs POST /api/v1/prefixes/88.118.30/approve '{"reason":"ok"}'
assert_eq "$code" 400 "approval without a public key on a site of two servers"
grep -qF "names the administrator's public_key" "$OUT" || fail "approval: $(cat "$OUT")"
lbs POST /api/v1/prefixes/88.118.30/approve '{"reason":"ok","public_key":{"format":"hex","value":"000000065253415f505542"}}'
assert_eq "$code" 200 "approval through HAProxy: $(cat "$OUT")"
for k in 0 1; do
	eval "h=\$S$k"
	code=$(curl -sS -o "$OUT" -w '%{http_code}' --cacert "$T/cert.pem" \
		-u '300%3A88.118/NODEADMIN:node pw' "https://$h/api/v1/prefixes/88.118.30")
	assert_eq "$code" 200 "prefix 88.118.30 on server $k"
	assert_eq "$(json_get "$OUT" 'd["prefix"]["state"]')" 1 "prefix 88.118.30 enabled on server $k"
done
# the prefix record with a URL added (GET, then PUT through HAProxy): on both servers
code=$(curl -s -o "$T/zna.json" -w '%{http_code}' "http://$H0/api/handles/0.NA/88.118.30")
assert_eq "$code" 200 "GET 0.NA/88.118.30"
zbody() { # zbody URL: the record's values with index 1 URL set
	python3 - "$T/zna.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = [x for x in d["values"] if x["index"] != 1]
v.append({"index": 1, "type": "URL", "data": {"format": "string", "value": sys.argv[2]}})
print(json.dumps({"values": v}))
PY
}
lbs PUT /api/handles/0.NA/88.118.30 "$(zbody https://example.com/zna)"
assert_eq "$code" 200 "PUT 0.NA/88.118.30 through HAProxy: $(cat "$OUT")"
for k in 0 1; do
	eval "p=\$P$k"
	ok "$IDR_BIN" resolve 0.NA/88.118.30 --server "127.0.0.1:$p" --tcp
	expect_out "https://example.com/zna"
	expect_out "HS_ADMIN"
done
# a bad application is refused by the first server: nowhere written
lbs POST /api/v1/prefixes/apply '{"prefix":"88.118.31","owner":"乙"}'
assert_eq "$code" 400 "a bad application"
for k in 0 1; do
	eval "h=\$S$k"
	code=$(curl -sS -o "$OUT" -w '%{http_code}' --cacert "$T/cert.pem" \
		-u '300%3A88.118/NODEADMIN:node pw' "https://$h/api/v1/prefixes/88.118.31")
	assert_eq "$code" 404 "the bad application on server $k"
done
note "a Handle admin write of a 0.NA/ record is refused with a clear error on a site of several"
expect_exit 1 "$IDR_BIN" admin create 0.NA/88.118.79 1:URL:https://example.com/x \
	--id 300:88.118/NODEADMIN --secret-file "$T/wrong.secret" --hashed --server "127.0.0.1:$P0"
expect_err "0.NA/ records are held by every server of this site"

note "server 1 stopped: HAProxy marks it DOWN; server 0's share still resolves through it"
stop_server 1
wait_state s1 DOWN
for id in $IDS; do
	code=$(curl -s -o "$OUT" -w '%{http_code}' "http://127.0.0.1:$PL/api/handles/$id")
	if [ "${OWN[$id]}" = 0 ]; then
		assert_eq "$code" 200 "GET $id through HAProxy with server 1 down"
	else
		[ "$code" != 200 ] || fail "GET $id: 200 while the server holding it is down"
		grep -qF '"responseCode":' "$OUT" || fail "GET $id: no Handle error in $(cat "$OUT")"
	fi
done

note "a site-wide change while server 1 is down: server 0 takes it, the answer names server 1"
code=$(curl -sS -o "$OUT" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' \
	--data-binary "$(zbody https://example.com/zna2)" "https://$S0/api/handles/0.NA/88.118.30")
assert_eq "$code" 502 "a 0.NA/ record with server 1 down"
grep -qF "server 1 of the site did not answer" "$OUT" || fail "no server named: $(cat "$OUT")"
grep -qF "send it again when server 1 is back" "$OUT" || fail "no advice: $(cat "$OUT")"

note "server 1 back: UP again, every identifier resolves through HAProxy"
server 1
wait_state s1 UP
lb_all
lbs PUT /api/handles/0.NA/88.118.30 "$(zbody https://example.com/zna2)"
assert_eq "$code" 200 "the 0.NA/ record sent again: $(cat "$OUT")"
for k in 0 1; do
	eval "p=\$P$k"
	ok "$IDR_BIN" resolve 0.NA/88.118.30 --server "127.0.0.1:$p" --tcp
	expect_out "https://example.com/zna2"
done

stop_pid "$PIDLB" TERM
stop_server 0
stop_server 1
note "ok"
