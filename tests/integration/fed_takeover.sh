#!/usr/bin/env bash
# fed_takeover.sh - emergency takeover of a node by its top level (fed/takeover.h): node
# 88.118 and a top level backing it up (as fed_backup.sh). With the copy converged, the node
# stops; `idr node takeover 88.118` (on the top level's store while idrd runs) points the prefix
# record 0.NA/88.118 at the top level, which answers 88.118.8/... from its backup copy over UDP,
# TCP and HTTP, refuses writes for it (RC 7) and keeps the state across a restart. The node
# comes back, `idr node release` gives it its HS_SITE again (serial bumped), and the node's
# records equal the copy's: nothing lost or duplicated.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

note "node 88.118 with records; it authorises the top level as a follower"
make_data
seckey_identity 88.118/TOPLEVEL 'top pw' "$D"
printf 'top pw\n' >"$T/top.secret"
make_cert
idrd_conf "$T/node.conf" "journal_followers 300:88.118/TOPLEVEL" "${TLS_LINES[@]}"
start_idrd "$T/node.conf" "$T/node.log"
N_PID=$IDRD_PID
NH=$(port_of http)
NS=$(port_of https)
NT=$(port_of tcp)
# the same addresses when it comes back (the top level's backup line names its HTTPS port)
sed -e "s/^udp_listen .*/udp_listen $(port_of udp)/" -e "s/^tcp_listen .*/tcp_listen $NT/" \
	-e "s/^http_listen .*/http_listen $NH/" -e "s/^https_listen .*/https_listen $NS/" \
	"$T/node.conf" >"$T/node2.conf"

note "the top level onboards the node (its site) and backs it up"
TOP=$T/top
ok "$IDR_BIN" init --data "$TOP" --node-prefix 88 --owner "顶级节点"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --site "$NT" --data "$TOP"
seckey_identity 88/ADMIN 'top pw' "$TOP"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
cat >"$T/top.conf" <<EOF2
data_dir $TOP
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
role toplevel
server_key $T/server.pem
backup 88.118 https://$NS 300:88.118/TOPLEVEL $T/top.secret
backup_cacert $T/cert.pem
EOF2
start_top() {
	PORTS=$T/top.ports
	start_idrd "$T/top.conf" "$T/top.log.$1"
	T_PID=$IDRD_PID
	TH=$(port_of http)
	TT=$(port_of tcp)
	TU=$(port_of udp)
	PORTS=$T/ports
}
stop_top() {
	IDRD_PID=$T_PID
	stop_idrd "$T/top.log.$1"
}
start_top 1

# same DIR: wait (60 s: the follower backs off up to 30 s while the node is down) until the copy in DIR has the node's records and journal head
same() {
	n=600
	while :; do
		"$IDR_BIN" export --data "$D" -o "$T/a.jsonl" 2>/dev/null
		"$IDR_BIN" export --data "$1" -o "$T/b.jsonl" 2>/dev/null || true
		if cmp -s "$T/a.jsonl" "$T/b.jsonl"; then
			ah=$("$IDR_BIN" audit verify --data "$D" | grep -i head)
			bh=$("$IDR_BIN" audit verify --data "$1" | grep -i head)
			[ "$ah" = "$bh" ] && break
		fi
		n=$((n - 1))
		[ "$n" -gt 0 ] || { tail -n 20 "$T/top.log.1" >&2; fail "the backup did not converge"; }
		sleep 0.1
	done
}
log_wait "$T/top.log.1" "bootstrapped from a snapshot" 10
{
	echo "id,kind,url"
	for i in $(seq 1 50); do echo "88.118.8/B-$i,part,https://example.com/b/$i"; done
} >"$T/rows.csv"
ok "$IDR_BIN" import "$T/rows.csv" --data "$D"
same "$TOP/backup/88.118"

# node_field EXPR: a field of node 88.118 in `idr node list --json` on the top level
node_field() {
	ok "$IDR_BIN" node list --json --data "$TOP"
	json_get "$OUT" "[n for n in d if n[\"prefix\"]==\"88.118\"][0]$1"
}
SERIAL0=$(node_field '["serial"]')
assert_eq "$(node_field '["takeover"]')" False "takeover before"

note "the node stops; the top level takes it over"
IDRD_PID=$N_PID
stop_idrd "$T/node.log"
expect_exit 1 "$IDR_BIN" node release 88.118 --data "$TOP"
expect_err "not taken over"
expect_exit 1 "$IDR_BIN" node takeover 88.999 --site "$TT" --data "$TOP"
expect_err "no node"
ok "$IDR_BIN" node takeover 88.118 --site "$TT" --data "$TOP"
expect_exit 1 "$IDR_BIN" node takeover 88.118 --site "$TT" --data "$TOP"
expect_err "already taken over"

# served TAG: the top level answers the node's records from the copy (UDP, TCP, HTTP)
served() {
	ok "$IDR_BIN" resolve 88.118.8/P-000001 --server "$TU" --udp
	expect_out "https://example.com/p/1"
	ok "$IDR_BIN" resolve 88.118.8/B-7 --server "$TT" --tcp
	expect_out "https://example.com/b/7"
	ok curl -sS "http://$TH/api/handles/88.118.8/P-000001"
	json_valid "$OUT"
	assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "HTTP responseCode ($1)"
	grep -qF "https://example.com/p/1" "$OUT" || fail "HTTP answer lacks the URL ($1)"
	# an unknown handle of the node: not found (100), no referral back to the top level
	expect_exit 3 "$IDR_BIN" resolve 88.118.8/NOPE --server "$TT" --tcp
	expect_err "HANDLE_NOT_FOUND (100)"
}
served "taken over"

note "the prefix record at the top level lists the top level's site"
assert_eq "$(node_field '["takeover"]')" True "takeover flag"
assert_eq "$(node_field '["sites"][0]["interfaces"][0]["port"]')" "${TT##*:}" "site port"
SERIAL1=$(node_field '["serial"]')
[ "$SERIAL1" -gt "$SERIAL0" ] || fail "serial $SERIAL1 not above $SERIAL0"
ok curl -sS "http://$TH/api/v1/nodes"
json_valid "$OUT"
assert_eq "$(json_get "$OUT" '[n for n in d["nodes"] if n["prefix"]=="88.118"][0]["takeover"]')" \
	True "GET /api/v1/nodes takeover"
[ "$(json_get "$OUT" '[n for n in d["nodes"] if n["prefix"]=="88.118"][0]["takeoverSince"]')" != None ] ||
	fail "no takeoverSince"

note "writes for the node are refused (RC 7)"
expect_exit 1 "$IDR_BIN" admin create 88.118.8/W-1 1:URL:https://e.example/w --server "$TT" \
	--id 300:88/ADMIN --secret-file "$T/top.secret" --hashed
expect_err "(7)"
grep -qF "taken over" "$ERR" || fail "the refusal does not name the takeover"

note "the takeover survives a restart of the top level"
stop_top 1
start_top 2
served "after restart"

note "the node comes back; the top level releases it"
start_idrd "$T/node2.conf" "$T/node.log.2"
N_PID=$IDRD_PID
ok "$IDR_BIN" node release 88.118 --data "$TOP"
assert_eq "$(node_field '["takeover"]')" False "takeover after release"
assert_eq "$(node_field '["sites"][0]["interfaces"][0]["port"]')" "${NT##*:}" "node site port"
SERIAL2=$(node_field '["serial"]')
[ "$SERIAL2" -gt "$SERIAL1" ] || fail "serial $SERIAL2 not above $SERIAL1"

note "nothing lost or duplicated: the node's records equal the copy's"
{
	echo "id,kind,url"
	for i in $(seq 51 60); do echo "88.118.8/B-$i,part,https://example.com/b/$i"; done
} >"$T/rows2.csv"
ok "$IDR_BIN" import "$T/rows2.csv" --data "$D"
same "$TOP/backup/88.118"
n=$(grep -c '"88.118.8/B-' "$T/a.jsonl")
assert_eq "$n" 60 "records B-* on the node"

note "shutdown"
stop_top 2
IDRD_PID=$N_PID
stop_idrd "$T/node.log.2"
