#!/usr/bin/env bash
# fed_mirror_rebootstrap.sh - journal followers that fall behind (fed/mirror.h, reg_follow.h,
# http/api_journal.h), real processes on 127.0.0.1: a primary over HTTPS (self-signed
# certificate, the followers trust it with primary_cacert) that folds its journal every second
# (retention age 1 s) and lets a follower silent for 2 s expire (journal_follower_expire 2);
# a mirror (role mirror) and a top level whose `backup` line follows the primary.
#  (a) the mirror stopped: the primary writes, `idr journal followers` shows the mirror
#      expired, the fold passes it (its next seq is gone); restarted, the mirror gets 410 and
#      re-bootstraps by itself (no manual step) and converges: same `idr export`, same audit
#      head; counted in /metrics;
#  (b) live: the mirror paused (SIGSTOP) until it expired and the fold passed it, then resumed
#      (SIGCONT): it re-bootstraps while it serves, and a loop of resolutions against it
#      (HTTP, each bounded at 30 s) runs throughout and never fails;
#  (c) the top level paused the same way: its backup copy re-bootstraps live and converges;
#      GET /api/v1/nodes, /healthz and /metrics show it;
#  a snapshot client that goes away mid-way ends the copy thread (EPIPE) with nothing left
#  behind; then `idr journal forget` drops a follower.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

make_data
seckey_identity 88.118/MIRROR 'mirror pw' "$D"
seckey_identity 88.118/TOPLEVEL 'top pw' "$D"
printf 'mirror pw\n' >"$T/mirror.secret"
printf 'top pw\n' >"$T/top.secret"
make_cert

note "a primary that folds every second and expires silent followers after 2 s"
idrd_conf "$T/idrd.conf" "${TLS_LINES[@]}" "journal_followers 300:88.118/MIRROR" \
	"journal_followers 300:88.118/TOPLEVEL" "journal_wait_ms 500" \
	"journal_fold_interval 1" "journal_retention_age 1" "journal_follower_expire 2"
start_idrd "$T/idrd.conf" "$T/idrd.log"
P_PID=$IDRD_PID
P_PORTS=$PORTS
PS=$(port_of https)
URL="https://$PS"

# start_mirror: the mirror over $T/m (ports in $T/m.ports); sets M_PID
start_mirror() {
	cat >"$T/m.conf" <<EOF2
data_dir $T/m
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
role mirror
primary $URL
primary_identity 300:88.118/MIRROR
primary_secret_file $T/mirror.secret
primary_cacert $T/cert.pem
EOF2
	PORTS=$T/m.ports
	start_idrd "$T/m.conf" "$T/m.log"
	M_PID=$IDRD_PID
	PORTS=$P_PORTS
}
mport() { awk -v k="$2" '$1 == k { print $2; exit }' "$T/$1.ports"; }

# head_of DIR: the journal head seq of the store in DIR
head_of() {
	"$IDR_BIN" stats --json --data "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal"]["head_seq"])'
}

# gone SEQ: the primary folded entry SEQ away (its checkpoint is at SEQ or later). Read from
# the store: a journal request would acknowledge SEQ - 1 and keep the follower alive.
gone() {
	local ck
	ck=$("$IDR_BIN" stats --json --data "$D" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal"]["checkpoint_seq"])')
	[ "$ck" -ge "$1" ]
}

# expired IDENTITY: `idr journal followers` on the primary shows IDENTITY expired
expired() {
	"$IDR_BIN" journal followers --json --expire 2 --data "$D" | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = [x for x in d["followers"] if x["identity"] == sys.argv[1]]
sys.exit(0 if f and f[0]["expired"] and f[0]["lag"] > 0 else 1)' "$1"
}

# reboots NAME: the re-bootstraps logged by NAME so far
reboots() {
	grep -c "re-bootstrapped from a snapshot" "$T/$1.log" || true
}

note "the mirror starts from a snapshot over HTTPS and follows"
start_mirror
log_wait "$T/m.log" "bootstrapped from a snapshot"
burst_import "$D" 1 500 || fail "import failed"
converge_copy "$D" "$T/m" "$T/m.log"

note "the top level backs the primary up"
TOP=$T/top
ok "$IDR_BIN" init --data "$TOP" --node-prefix 88 --owner "顶级节点"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --data "$TOP"
start_node top "udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0" \
	"role toplevel" "backup_cacert $T/cert.pem" \
	"backup 88.118 $URL 300:88.118/TOPLEVEL $T/top.secret"
log_wait "$T/top.log" "bootstrapped from a snapshot" 10
converge_copy "$D" "$TOP/backup/88.118" "$T/top.log"

note "both followers are listed, live"
ok "$IDR_BIN" journal followers --data "$D"
expect_out "300:88.118/MIRROR"
expect_out "300:88.118/TOPLEVEL"
expect_out "live"

note "(a) the mirror stopped: it expires, the fold passes it; restarted, it re-bootstraps"
IDRD_PID=$M_PID
stop_idrd "$T/m.log"
M_HEAD=$(head_of "$T/m")
burst_import "$D" 1001 500 || fail "import failed"
# `idr journal fold` keeps what a live follower lacks, as idrd's fold does
ok "$IDR_BIN" journal fold --before 999999 --expire 1h --dry-run --data "$D"
expect_out "held back by a journal follower at seq $M_HEAD"
ok "$IDR_BIN" journal fold --before 999999 --ignore-followers --dry-run --data "$D"
grep -qF "held back" "$OUT" && fail "--ignore-followers was held back"
until_ok 20 "the mirror expired at the primary" expired 300:88.118/MIRROR
until_ok 20 "the fold passed the stopped mirror" gone $((M_HEAD + 1))
start_mirror
log_wait "$T/m.log" "re-bootstrapped from a snapshot" 30
converge_copy "$D" "$T/m" "$T/m.log"
MH=$(mport m http)
ok curl -sS "http://$MH/metrics"
grep -qE '^idr_mirror_rebootstraps_total 1$' "$OUT" || fail "re-bootstrap not counted"
grep -qF "remove data_dir" "$T/m.log" && fail "the manual step is still asked for"
[ ! -e "$T/m/.rebootstrap" ] || fail "the snapshot's directory was left behind"

note "(b) live: the mirror paused until the fold passed it, resumed, resolving throughout"
# loop: resolutions against the mirror until $T/loop.stop; failures in $T/loop.fail
: >"$T/loop.fail"
(
	i=0
	while [ ! -e "$T/loop.stop" ] && kill -0 $$ 2>/dev/null; do
		for id in 88.118.8/P-000001 88.118.8/M-7 88.118.8/M-1499; do
			if ! curl -sSf --max-time 30 "http://$MH/api/handles/$id" \
				-o "$T/loop.body" 2>>"$T/loop.fail" ||
				! grep -qF '"responseCode":1' "$T/loop.body"; then
				echo "$(date +%T.%N) $id failed" >>"$T/loop.fail"
			fi
			i=$((i + 1))
		done
		echo "$i" >"$T/loop.count"
	done
) &
LOOP=$!
sleep 0.5
before=$(reboots m)
M_HEAD=$(head_of "$T/m")
kill -STOP "$M_PID"
sleep 1.5 # its long poll in flight is answered empty (journal_wait_ms), before the writes
burst_import "$D" 2001 500 || fail "import failed"
until_ok 20 "the paused mirror expired" expired 300:88.118/MIRROR
until_ok 20 "the fold passed the paused mirror" gone $((M_HEAD + 1))
kill -CONT "$M_PID"
n=900
until [ "$(reboots m)" -gt "$before" ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || { tail -n 20 "$T/m.log" >&2; fail "no live re-bootstrap"; }
	sleep 0.1
done
converge_copy "$D" "$T/m" "$T/m.log"
sleep 0.5
touch "$T/loop.stop"
wait "$LOOP"
[ -s "$T/loop.fail" ] && { cat "$T/loop.fail" >&2; fail "a resolution against the mirror failed"; }
[ "$(cat "$T/loop.count")" -gt 10 ] || fail "the resolution loop barely ran: $(cat "$T/loop.count")"
note "  $(cat "$T/loop.count") resolutions, none failed"
ok curl -sS "http://$MH/metrics"
grep -qE '^idr_mirror_rebootstraps_total 2$' "$OUT" || fail "live re-bootstrap not counted"
ok curl -sS "http://$MH/healthz"
expect_out "following"

note "(c) the top level's backup copy, paused the same way, re-bootstraps live"
before=$(reboots top)
B_HEAD=$(head_of "$TOP/backup/88.118")
eval "TOP_PID=\$PID_top"
kill -STOP "$TOP_PID"
sleep 1.5
burst_import "$D" 3001 500 || fail "import failed"
until_ok 20 "the paused top level expired" expired 300:88.118/TOPLEVEL
until_ok 20 "the fold passed the paused top level" gone $((B_HEAD + 1))
kill -CONT "$TOP_PID"
n=300
until [ "$(reboots top)" -gt "$before" ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || { tail -n 20 "$T/top.log" >&2; fail "no live re-bootstrap of the backup"; }
	sleep 0.1
done
converge_copy "$D" "$TOP/backup/88.118" "$T/top.log"
ok curl -sS "http://$(portof top http)/api/v1/nodes"
json_valid "$OUT"
assert_eq "$(json_get "$OUT" '[n for n in d["nodes"] if n["prefix"]=="88.118"][0]["backup"]["rebootstraps"]')" \
	1 "backup re-bootstraps in /api/v1/nodes"
[ ! -e "$TOP/backup/88.118/.rebootstrap" ] || fail "the backup's snapshot directory was left"
ok curl -sS "http://$(portof top http)/healthz"
expect_out "backup 88.118 of $URL: following"
ok curl -sS "http://$(portof top http)/metrics"
grep -qF 'idr_backup_rebootstraps_total{prefix="88.118"} 1' "$OUT" ||
	fail "the backup's re-bootstrap is not in /metrics"

note "a snapshot client gone mid-way: the copy thread ends, nothing left behind"
burst_import "$D" 10001 20000 || fail "import failed"
threads() { awk '$1 == "Threads:" { print $2 }' "/proc/$P_PID/status"; }
T0=$(threads)
curl -sS --cacert "$T/cert.pem" -u '300%3A88.118/MIRROR:mirror pw' --limit-rate 20k \
	-o "$T/partial.mdb" "$URL/api/v1/journal/snapshot" 2>/dev/null &
CURL=$!
log_wait "$T/idrd.log" "journal: snapshot for 300:88.118/MIRROR started" 5
sleep 1
[ "$(threads)" -gt "$T0" ] || fail "no copy thread while the snapshot is sent"
kill "$CURL"
wait "$CURL" 2>/dev/null || true
log_wait "$T/idrd.log" "snapshot copy for 300:88.118/MIRROR stopped" 10
n=50
until [ "$(threads)" -eq "$T0" ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || fail "the copy thread did not end ($(threads) threads, $T0 before)"
	sleep 0.1
done
ls -a "$D" | grep -q snapshot && fail "a snapshot file was left in the data directory"
converge_copy "$D" "$T/m" "$T/m.log"

note "idr journal forget drops a follower"
stop_node top
ok "$IDR_BIN" journal forget 300:88.118/TOPLEVEL --data "$D"
ok "$IDR_BIN" journal followers --json --data "$D"
grep -qF TOPLEVEL "$OUT" && fail "the forgotten follower is still listed"
expect_out "300:88.118/MIRROR"
expect_exit 1 "$IDR_BIN" journal forget 300:88.118/TOPLEVEL --data "$D"
expect_err "no follower"

note "shutdown"
IDRD_PID=$M_PID
stop_idrd "$T/m.log"
IDRD_PID=$P_PID
stop_idrd "$T/idrd.log"
