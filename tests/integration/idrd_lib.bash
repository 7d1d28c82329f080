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

# make_cert: a self-signed certificate for 127.0.0.1 and localhost in $T/cert.pem (key
# $T/key.pem), made once; sets TLS_LINES, the idrd.conf lines of an HTTPS listener with it
# (the journal and the reports are served over HTTPS only; clients trust it with $T/cert.pem)
make_cert() {
	if [ ! -s "$T/cert.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
			-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
			fail "openssl could not make a certificate"
	fi
	TLS_LINES=("https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem")
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

# ---- several nodes in one test (the federation scripts): each over $T/NAME

# free_port: a TCP port free on 127.0.0.1 now (for configurations that must name a port)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_node NAME [CONF LINES...]: write $T/NAME.conf (data_dir $T/NAME, $WORKERS or 2 workers,
# the lines) and start idrd on it (restart_node)
start_node() {
	local n=$1
	shift
	{
		echo "data_dir $T/$n"
		echo "workers ${WORKERS:-2}"
		for l in "$@"; do
			echo "$l"
		done
	} >"$T/$n.conf"
	restart_node "$n"
}
# restart_node NAME: start idrd on $T/NAME.conf again; pid in PID_NAME, ports in $T/NAME.ports
restart_node() {
	rm -f "$T/$1.ports"
	start_bg "$T/$1.log" "$IDRD_BIN" -c "$T/$1.conf" --port-file "$T/$1.ports"
	eval "PID_$1=$LAST_PID"
	wait_file "$T/$1.ports"
}
# portof NAME KIND: the address of NAME's first listener of that kind
portof() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$T/$1.ports"
}
# stop_node NAME: SIGTERM, exit 0, no sanitizer report
stop_node() {
	local p
	eval "p=\$PID_$1"
	stop_pid "$p" TERM
	[ "$STOP_STATUS" -eq 0 ] || { tail -n 30 "$T/$1.log" >&2; fail "$1 exited $STOP_STATUS"; }
	check_sanitizer "$T/$1.log"
}
# until_ok SECONDS WHAT CMD...: run CMD (output in $OUT) every 0.3 s until it succeeds
until_ok() {
	local n=$(($1 * 10 / 3)) what=$2
	shift 2
	until "$@" >"$OUT" 2>"$ERR"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { show_output; fail "timed out: $what"; }
		sleep 0.3
	done
}
# converge_copy DATA COPY LOG [SECONDS]: wait (default 60 s) until the copy in COPY (a mirror,
# a backup) has DATA's records (`idr export`) and journal head (`idr audit verify`); LOG is
# shown on failure. The exports stay in $T/a.jsonl (DATA) and $T/b.jsonl (COPY).
converge_copy() {
	local n=$(( ${4:-60} * 10 )) ah bh
	while :; do
		"$IDR_BIN" export --data "$1" -o "$T/a.jsonl" 2>/dev/null
		"$IDR_BIN" export --data "$2" -o "$T/b.jsonl" 2>/dev/null || true
		if cmp -s "$T/a.jsonl" "$T/b.jsonl"; then
			ah=$("$IDR_BIN" audit verify --data "$1" | grep -i head)
			bh=$("$IDR_BIN" audit verify --data "$2" | grep -i head)
			[ -n "$ah" ] && [ "$ah" = "$bh" ] && break
		fi
		n=$((n - 1))
		[ "$n" -gt 0 ] || { tail -n 20 "$3" >&2; fail "$2 did not converge to $1"; }
		sleep 0.1
	done
	ok "$IDR_BIN" audit verify --data "$2"
}
# burst_import DATA FIRST COUNT [PREFIX]: COUNT records PREFIX/M-FIRST... (default prefix
# 88.118.8) imported into DATA (a local import beside a running idrd)
burst_import() {
	local i p=${4:-88.118.8}
	{
		echo "id,kind,url"
		for i in $(seq "$2" $(($2 + $3 - 1))); do
			echo "$p/M-$i,part,https://example.com/m/$i"
		done
	} >"$T/burst-$2.csv"
	"$IDR_BIN" import "$T/burst-$2.csv" --data "$1" --batch 500 >/dev/null
}
