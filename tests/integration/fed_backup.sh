#!/usr/bin/env bash
# fed_backup.sh - the top level's backup of a node (fed/backup.h): node 88.118 (an idrd with
# the top level's identity among its journal_followers) and a top level (role toplevel, node
# 88.118 onboarded, a `backup` line for it). The top level's copy in data_dir/backup/88.118
# starts from a snapshot and follows the node's journal: after writes on the node it holds the
# same records and journal head; GET /api/v1/nodes shows the copy's state ("backup": seq, lag,
# no error) and `idr node list` its seq.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

note "node 88.118 authorises the top level as a follower"
make_data
seckey_identity 88.118/TOPLEVEL 'top pw' "$D"
printf 'top pw\n' >"$T/top.secret"
make_cert
idrd_conf "$T/node.conf" "journal_followers 300:88.118/TOPLEVEL" "${TLS_LINES[@]}"
start_idrd "$T/node.conf" "$T/node.log"
N_PID=$IDRD_PID
NS=$(port_of https)

note "the top level onboards the node and backs it up"
TOP=$T/top
ok "$IDR_BIN" init --data "$TOP" --node-prefix 88 --owner "顶级节点"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --data "$TOP"
cat >"$T/top.conf" <<EOF2
data_dir $TOP
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
role toplevel
backup 88.118 https://$NS 300:88.118/TOPLEVEL $T/top.secret
backup_cacert $T/cert.pem
EOF2
PORTS=$T/top.ports
start_idrd "$T/top.conf" "$T/top.log"
T_PID=$IDRD_PID
TH=$(port_of http)
PORTS=$T/ports

# same DIR: wait (30 s) until the copy in DIR has the node's records and journal head
same() {
	n=300
	while :; do
		"$IDR_BIN" export --data "$D" -o "$T/a.jsonl" 2>/dev/null
		"$IDR_BIN" export --data "$1" -o "$T/b.jsonl" 2>/dev/null || true
		if cmp -s "$T/a.jsonl" "$T/b.jsonl"; then
			ah=$("$IDR_BIN" audit verify --data "$D" | grep -i head)
			bh=$("$IDR_BIN" audit verify --data "$1" | grep -i head)
			[ "$ah" = "$bh" ] && break
		fi
		n=$((n - 1))
		[ "$n" -gt 0 ] || { tail -n 20 "$T/top.log" >&2; fail "the backup did not converge"; }
		sleep 0.1
	done
	ok "$IDR_BIN" audit verify --data "$1"
}
log_wait "$T/top.log" "bootstrapped from a snapshot" 10
same "$TOP/backup/88.118"

note "writes on the node reach the copy"
{
	echo "id,kind,url"
	for i in $(seq 1 300); do echo "88.118.8/B-$i,part,https://example.com/b/$i"; done
} >"$T/rows.csv"
ok "$IDR_BIN" import "$T/rows.csv" --data "$D"
same "$TOP/backup/88.118"

note "GET /api/v1/nodes and idr node list show the copy"
ok curl -sS "http://$TH/api/v1/nodes"
json_valid "$OUT"
SEQ=$(json_get "$OUT" '[n for n in d["nodes"] if n["prefix"]=="88.118"][0]["backup"]["seq"]')
[ "$SEQ" -gt 300 ] || fail "backup seq $SEQ"
assert_eq "$(json_get "$OUT" '[n for n in d["nodes"] if n["prefix"]=="88.118"][0]["backup"]["error"]')" \
	None "backup error"
ok "$IDR_BIN" node list --json --data "$TOP"
json_valid "$OUT"
assert_eq "$(json_get "$OUT" '[n for n in d if n["prefix"]=="88.118"][0]["backup"]["seq"]')" \
	"$SEQ" "idr node list backup seq"

note "shutdown"
stop_idrd "$T/top.log"
IDRD_PID=$N_PID
stop_idrd "$T/node.log"
