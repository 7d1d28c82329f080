# idrd_lib.bash - helpers for the integration tests of idrd, sourced after lib.sh (the name does
# not end in .sh so that ctest does not take it for a test).
#
# Provides: make_data (a data directory with test records), register_wide, idrd_conf (a configuration on
# 127.0.0.1, port 0 for every protocol), start_idrd / stop_idrd (start and wait for the port
# file; SIGTERM and check exit status and log), port_of, hdl (the node.js Handle client).
: "${IDRD_BIN:?IDRD_BIN must point to the idrd binary}"
[ -x "$IDRD_BIN" ] || fail "IDRD_BIN=$IDRD_BIN is not executable"
command -v node >/dev/null 2>&1 || fail "node is needed (deploy/deps.sh test)"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
D=$T/data
PORTS=$T/ports

# The record with many values whose answer takes several UDP datagrams.
BIG=88.118.8/BIG-1

# make_data: node 88.118, enterprise prefix 88.118.8, a small and a large record.
make_data() {
	ok "$IDR_BIN" init --data "$D" --node-prefix 88.118 --owner "测试二级节点"
	ok "$IDR_BIN" prefix add 88.118.8 --data "$D" --owner "某某制造有限公司"
	ok "$IDR_BIN" register 88.118.8/P-000001 --data "$D" --kind part \
		--url https://example.com/p/1 model=X1 batch=B7 "材料=铝合金"
	set -- "$IDR_BIN" register "$BIG" --data "$D" --kind product --url https://example.com/big
	for i in $(seq 1 24); do
		set -- "$@" "attr$i=value $i of a record too large for one datagram ($i)"
	done
	ok "$@"
}

# register_wide ID KIND URL COUNT WIDTH: a record with a URL and COUNT attributes aI=vII-<WIDTH
# digits>, for answers of many datagrams.
register_wide() {
	rw_n=$4
	rw_w=$5
	set -- "$IDR_BIN" register "$1" --data "$D" --kind "$2" --url "$3"
	for i in $(seq 1 "$rw_n"); do
		set -- "$@" "a$i=$(printf "v%02d-%0${rw_w}d" "$i" "$i")"
	done
	ok "$@"
}

# idrd_conf FILE [LINE...]: a configuration on 127.0.0.1 port 0 over $D, plus LINEs.
idrd_conf() {
	f=$1
	shift
	{
		echo "# written by $TEST_NAME"
		echo "data_dir $D"
		echo "workers 2"
		echo "udp_listen 127.0.0.1:0"
		echo "tcp_listen 127.0.0.1:0"
		echo "http_listen 127.0.0.1:0"
		for l in "$@"; do
			echo "$l"
		done
	} >"$f"
}

# start_idrd CONF LOG: start idrd and wait (10 s) for its port file; sets IDRD_PID. With
# IDRD_NOFILE set, idrd runs with that many file descriptors at most (ulimit -n, hard).
start_idrd() {
	rm -f "$PORTS"
	if [ -n "${IDRD_NOFILE:-}" ]; then
		start_bg "$2" bash -c 'ulimit -Sn "$1" && ulimit -Hn "$1" && shift && exec "$@"' \
			sh "$IDRD_NOFILE" "$IDRD_BIN" -c "$1" --port-file "$PORTS"
	else
		start_bg "$2" "$IDRD_BIN" -c "$1" --port-file "$PORTS"
	fi
	IDRD_PID=$LAST_PID
	n=100
	while [ ! -s "$PORTS" ]; do
		if ! kill -0 "$IDRD_PID" 2>/dev/null; then
			tail -n 40 "$2" >&2
			fail "idrd exited during start-up"
		fi
		n=$((n - 1))
		[ "$n" -gt 0 ] || { tail -n 40 "$2" >&2; fail "no port file after 10 s"; }
		sleep 0.1
	done
}

# port_of KIND: the address of the first listener of that kind in the port file.
port_of() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$PORTS"
}

# stop_idrd LOG: SIGTERM; idrd must exit 0 with no error and no sanitizer report in LOG.
stop_idrd() {
	stop_pid "$IDRD_PID" TERM
	if [ "$STOP_STATUS" -ne 0 ]; then
		tail -n 40 "$1" >&2
		fail "idrd exited with status $STOP_STATUS after SIGTERM"
	fi
	check_sanitizer "$1"
	if grep -E ' (emerg|alert|crit|err): ' "$1" >&2; then
		fail "error lines in the idrd log $1"
	fi
}

# log_wait LOG TEXT [SECONDS]: wait until LOG contains the fixed string TEXT.
log_wait() {
	n=$(( ${3:-5} * 10 ))
	until grep -qF -- "$2" "$1"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { tail -n 20 "$1" >&2; fail "log $1 lacks '$2'"; }
		sleep 0.1
	done
}

# hdl ARGS...: the node.js Handle client (hdl_client.js), output in $OUT.
hdl() {
	ok node "$HERE/hdl_client.js" "$@"
}

# seckey_identity HANDLE SECRET DATA_DIR: register HANDLE with an HS_SECKEY (index 300) whose
# secret is SECRET (stored as its SHA-1, as Handle.Net does), e.g. a journal follower
# (fed/mirror.h) or an administrator of the top level.
seckey_identity() {
	local hash
	hash=$(printf '%s' "$2" | openssl sha1 -r | cut -d' ' -f1)
	printf '{"handle":"%s","values":[{"index":300,"type":"HS_SECKEY","data":"%s","permissions":"1100"}]}\n' \
		"$1" "$hash" >"$T/seckey.jsonl"
	ok "$IDR_BIN" import "$T/seckey.jsonl" --data "$3"
}
