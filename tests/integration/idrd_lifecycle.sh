#!/usr/bin/env bash
# idrd_lifecycle.sh - the daemon's life: options, `idrd -n` on good and bad files, the sample
# configuration, start on port 0 for every protocol with the port file, answers over UDP, TCP
# and HTTP compared, keep-alive, SIGHUP with a changed and with a broken file, start-up
# failures, SIGTERM with a clean exit and a clean log, SIGHUP reopening log_file for logrotate,
# privilege drop with the pid file written and removed by the service user.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

note "options"
ok "$IDRD_BIN" -V
expect_out "idrd "
ok "$IDRD_BIN" -h
expect_out "usage: idrd -c FILE"
# usage errors exit 64 (EX_USAGE), as idr's do
expect_exit 64 "$IDRD_BIN"
expect_err "missing -c FILE"
expect_exit 64 "$IDRD_BIN" --bogus
expect_exit 64 "$IDRD_BIN" -c
expect_exit 64 "$IDRD_BIN" -c x.conf extra
expect_err "unexpected argument"

note "the sample configuration"
ok "$IDRD_BIN" --sample-config
cp "$OUT" "$T/sample.conf"
diff -u "$IDR_SRC/deploy/idrd.conf.sample" "$T/sample.conf" >&2 ||
	fail "deploy/idrd.conf.sample differs from idrd --sample-config"
# its data_dir is ./idr-data: -n opens it, so it must hold an initialised registry
cd "$T"
expect_exit 1 "$IDRD_BIN" -n -c "$T/sample.conf"
grep -qE "^$T/sample.conf:[0-9]+: data_dir \./idr-data: data directory is not initialised \(run 'idr init'\)$" "$ERR" ||
	{ show_output; fail "idrd -n: uninitialised data_dir not reported at its line"; }
ok "$IDR_BIN" init --data idr-data --node-prefix 88.999
ok "$IDRD_BIN" -n -c "$T/sample.conf"
expect_out "configuration OK"
ok "$IDRD_BIN" --check --config "$IDR_SRC/deploy/idrd.conf.sample"
expect_out "configuration OK"
cd - >/dev/null

note "idrd -n on a broken file: every mistake in one pass, each with its line"
cat >"$T/bad.conf" <<EOF
# line 1
workers 999
log_level loud
udp_listen 127.0.0.1
nonsense yes
tcp_listen example.org:80
https_listen 127.0.0.1:0
data_dir $T/nowhere
tcp_listen 127.0.0.1:70000
http_listen 127.0.0.1:80
http_listen 127.0.0.1:80
user no-such-user-idr
log_target file
EOF
expect_exit 1 "$IDRD_BIN" -n -c "$T/bad.conf"
cat >"$T/bad.want" <<EOF
$T/bad.conf:2: workers: 999 is out of range 0..256
$T/bad.conf:3: log_level: expected one of err|warning|notice|info|debug, got "loud"
$T/bad.conf:4: udp_listen "127.0.0.1": missing :port
$T/bad.conf:5: unknown option "nonsense"
$T/bad.conf:6: tcp_listen "example.org:80": not an IP address (host names are not resolved; use a numeric address, localhost or *)
$T/bad.conf:7: https_listen needs tls_cert and tls_key
$T/bad.conf:8: data_dir $T/nowhere: data directory is not initialised (run 'idr init')
$T/bad.conf:9: tcp_listen "127.0.0.1:70000": port out of range (0-65535)
$T/bad.conf:11: http_listen "127.0.0.1:80": address already listed (http_listen, line 10)
$T/bad.conf:12: user no-such-user-idr: no such user
$T/bad.conf:13: log_target file needs log_file
EOF
sort "$ERR" >"$T/bad.got"
sort "$T/bad.want" | diff -u - "$T/bad.got" >&2 ||
	fail "idrd -n: not every mistake reported once with its line"
[ -s "$OUT" ] && fail "a broken file was called OK"
note "a missing file is reported once"
expect_exit 1 "$IDRD_BIN" -n -c "$T/missing.conf"
assert_eq "$(cat "$ERR")" "$T/missing.conf: No such file or directory" "idrd -n, missing file"
expect_exit 1 "$IDRD_BIN" -c "$T/missing.conf"
assert_eq "$(cat "$ERR")" "$T/missing.conf: No such file or directory" "idrd -c, missing file"

note "start-up failures"
idrd_conf "$T/noinit.conf"
sed -i "s|^data_dir .*|data_dir $T/nowhere|" "$T/noinit.conf"
expect_exit 1 "$IDRD_BIN" -c "$T/noinit.conf"
expect_err "$T/noinit.conf:2: data_dir $T/nowhere: data directory is not initialised"
node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
	require("fs").writeFileSync(process.argv[1], String(s.address().port)); });
	setTimeout(() => process.exit(0), 20000);' "$T/busy" &
BUSY_PID=$!
BG_PIDS="$BG_PIDS $BUSY_PID"
wait_file "$T/busy"
make_data
idrd_conf "$T/busy.conf" "tcp_listen 127.0.0.1:$(cat "$T/busy")"
sed -i '/^tcp_listen 127.0.0.1:0$/d' "$T/busy.conf"
expect_exit 1 "$IDRD_BIN" -c "$T/busy.conf"
expect_err "cannot listen"
stop_pid "$BUSY_PID"
if [ "$(id -u)" -eq 0 ]; then
	idrd_conf "$T/user.conf" "user no-such-user-idr"
	expect_exit 1 "$IDRD_BIN" -c "$T/user.conf"
	expect_err "$T/user.conf:7: user no-such-user-idr: no such user"
fi

note "start on port 0 with every protocol"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=localhost >/dev/null 2>&1 || fail "openssl could not make a test certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" \
	"tls_key $T/key.pem" "log_level info"
ok "$IDRD_BIN" -n -c "$T/idrd.conf"
start_idrd "$T/idrd.conf" "$T/idrd.log"
[ "$(wc -l <"$PORTS")" -eq 4 ] || { cat "$PORTS" >&2; fail "port file should have 4 lines"; }
grep -vqE '^(udp|tcp|http|https) 127\.0\.0\.1:[1-9][0-9]*$' "$PORTS" &&
	{ cat "$PORTS" >&2; fail "malformed port file line"; }
assert_eq "$(cut -d' ' -f1 "$PORTS" | tr '\n' ' ')" "udp tcp http https " "port file order"
ls "$T"/ports.tmp.* >/dev/null 2>&1 && fail "temporary port file left behind"
UDP=$(port_of udp)
TCP=$(port_of tcp)
HTTP=$(port_of http)
HTTPS=$(port_of https)
# a second daemon on the first one's fixed UDP port is refused, not let in by SO_REUSEPORT
idrd_conf "$T/second.conf" "udp_listen $UDP"
sed -i '0,/^udp_listen 127.0.0.1:0$/{/^udp_listen 127.0.0.1:0$/d}' "$T/second.conf"
expect_exit 1 "$IDRD_BIN" -c "$T/second.conf"
expect_err "udp $UDP: cannot listen"

note "resolve over UDP and TCP and compare"
for h in 88.118.8/P-000001 "$BIG" 88.118.8/absent 88.119/x; do
	hdl udp "$UDP" "$h"
	cp "$OUT" "$T/udp.json"
	hdl tcp "$TCP" "$h"
	cp "$OUT" "$T/tcp.json"
	cmp -s "$T/udp.json" "$T/tcp.json" || { cat "$T/udp.json" "$T/tcp.json" >&2; fail "$h: UDP and TCP answers differ"; }
done
hdl udp "$UDP" 88.118.8/P-000001
assert_eq "$(json_get "$OUT" 'd["rc"]')" 1 "rc of P-000001"
assert_eq "$(json_get "$OUT" 'd["handle"]')" 88.118.8/P-000001 "handle"
assert_eq "$(json_get "$OUT" '[v["type"] for v in d["values"] if v["type"] == "URL"]')" "['URL']" "URL value"
hdl udp "$UDP" "$BIG"
assert_eq "$(json_get "$OUT" 'd["rc"]')" 1 "rc of the big record"
[ "$(json_get "$OUT" 'd["msgLen"]')" -gt 492 ] || fail "the big record answer fits one datagram: no fragmentation tested"
[ "$(json_get "$OUT" 'len(d["values"])')" -ge 24 ] || fail "big record: values missing"
hdl udp "$UDP" 88.118.8/absent
assert_eq "$(json_get "$OUT" 'd["rc"]')" 100 "absent handle"
hdl udp "$UDP" 88.118.8/P-000001 --type URL
assert_eq "$(json_get "$OUT" '[v["type"] for v in d["values"]]')" "['URL']" "type filter"

note "TCP keep-alive"
hdl tcp "$TCP" 88.118.8/P-000001 --keepalive 3
assert_eq "$(wc -l <"$OUT")" 3 "answers on one keep-alive connection"

note "idr resolve agrees over UDP, TCP and HTTP"
for how in "--udp --server $UDP" "--tcp --server $TCP" "--http --server $HTTP"; do
	# shellcheck disable=SC2086
	ok "$IDR_BIN" resolve "$BIG" $how --json
	cp "$OUT" "$T/idr.${how%% *}"
done
cmp -s "$T/idr.--udp" "$T/idr.--tcp" || fail "idr resolve: UDP and TCP answers differ"
cmp -s "$T/idr.--udp" "$T/idr.--http" || fail "idr resolve: UDP and HTTP answers differ"

note "HTTP and HTTPS answer the same record"
curl -sS --max-time 10 -o "$T/api.json" -w '%{http_code}' "http://$HTTP/api/handles/88.118.8/P-000001" >"$T/code" ||
	fail "curl http failed"
assert_eq "$(cat "$T/code")" 200 "HTTP status"
assert_eq "$(json_get "$T/api.json" 'd["handle"]')" 88.118.8/P-000001 "HTTP handle"
curl -sSk --max-time 10 -o "$T/apis.json" "https://$HTTPS/api/handles/88.118.8/P-000001" || fail "curl https failed"
cmp -s "$T/api.json" "$T/apis.json" || fail "HTTP and HTTPS answers differ"
hdl tcp "$TCP" 88.118.8/P-000001
assert_eq "$(json_get "$OUT" 'len(d["values"])')" "$(json_get "$T/api.json" 'len(d["values"])')" \
	"values over TCP and HTTP"

note "SIGHUP with a changed reloadable option and a changed static one"
sed -i -e 's/^log_level info$/log_level debug/' -e 's/^workers 2$/workers 3/' "$T/idrd.conf"
kill -HUP "$IDRD_PID"
log_wait "$T/idrd.log" "reload: configuration applied"
log_wait "$T/idrd.log" "changes to workers need a restart and were ignored"
# debug logging is now on: a dropped datagram is logged
node -e 'const s = require("dgram").createSocket("udp4");
	const [h, p] = process.argv[1].split(":");
	s.send(Buffer.from("garbage"), Number(p), h, () => s.close());' "$UDP"
log_wait "$T/idrd.log" "udp: dropped datagram of 7 bytes: drop-short"
hdl udp "$UDP" 88.118.8/P-000001

note "SIGHUP with a broken file keeps the running configuration"
cp "$T/idrd.conf" "$T/idrd.conf.good"
printf 'workers lots\nudp_listen nowhere\n' >>"$T/idrd.conf"
kill -HUP "$IDRD_PID"
log_wait "$T/idrd.log" "keeping the running configuration"
grep -qF "reload: $T/idrd.conf:" "$T/idrd.log" || fail "reload errors lack file:line"
hdl udp "$UDP" 88.118.8/P-000001
hdl tcp "$TCP" 88.118.8/P-000001
cp "$T/idrd.conf.good" "$T/idrd.conf"

note "SIGTERM"
stop_idrd "$T/idrd.log"
grep -qF "idrd stopped" "$T/idrd.log" || fail "no clean stop in the log"
[ -e "$PORTS" ] && fail "the port file was not removed"

note "a wildcard UDP address answers from the address asked; SIGINT with connections open"
idrd_conf "$T/wild.conf" "site_address 127.0.0.1"
sed -i 's/^udp_listen 127.0.0.1:0$/udp_listen *:0/' "$T/wild.conf"
start_idrd "$T/wild.conf" "$T/idrd2.log"
TCP=$(port_of tcp)
grep -qE '^udp 0\.0\.0\.0:[1-9][0-9]*$' "$PORTS" || { cat "$PORTS" >&2; fail "wildcard UDP port line"; }
# a connected socket accepts only replies whose source is the address it sent to
node -e 'const h = require(process.argv[1]); const s = require("dgram").createSocket("udp4");
	s.connect(Number(process.argv[2]), "127.0.0.7", () => s.send(h.resolution("88.118.8/P-000001", 77)));
	s.on("message", (m) => process.exit(h.parseResponse(m).rc === 1 ? 0 : 3));
	setTimeout(() => process.exit(2), 3000);' "$HERE/hdl_lib.js" "$(port_of udp | sed 's/.*://')" ||
	fail "no answer from 127.0.0.7 through the wildcard socket"
node -e 'const net = require("net"); const [h, p] = process.argv[1].split(":");
	for (let i = 0; i < 5; i++) net.connect(Number(p), h).on("error", () => {});
	setTimeout(() => process.exit(0), 3000);' "$TCP" &
sleep 0.5
kill -INT "$IDRD_PID"
n=30
while kill -0 "$IDRD_PID" 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
kill -0 "$IDRD_PID" 2>/dev/null && fail "idrd did not stop within 3 s of SIGINT with idle connections"
stop_idrd "$T/idrd2.log"
wait

note "SIGHUP reopens log_file: rotation by deploy/idrd.logrotate (or by hand without logrotate)"
mkdir "$T/logs"
LOG=$T/logs/idrd.log
idrd_conf "$T/logf.conf" "log_target file" "log_file $LOG" "pid_file $T/logs/idrd.pid"
start_idrd "$T/logf.conf" "$T/idrd4.log"
log_wait "$LOG" "idrd started"
if command -v logrotate >/dev/null 2>&1; then
	sed -e "s|/var/log/idr/idrd.log|$LOG|" -e "s|/run/idr/idrd.pid|$T/logs/idrd.pid|g" \
		-e "s|idr idr\$|$(id -un) $(id -gn)|" "$IDR_SRC/deploy/idrd.logrotate" >"$T/logrotate.conf"
	ok logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf"
else
	note "(logrotate is not installed: renaming and signalling by hand)"
	mv "$LOG" "$LOG.1"
	kill -HUP "$(cat "$T/logs/idrd.pid")"
fi
log_wait "$LOG" "reload: configuration applied"
grep -qF "idrd started" "$LOG.1" || fail "the rotated log lost its lines"
grep -qF "reload:" "$LOG.1" && fail "idrd went on writing to the rotated log file"
hdl udp "$(port_of udp)" 88.118.8/P-000001
stop_idrd "$T/idrd4.log"
log_wait "$LOG" "idrd stopped"
[ -e "$T/logs/idrd.pid" ] && fail "the pid file was left behind after SIGTERM"
if grep -E ' (emerg|alert|crit|err): ' "$LOG" >&2; then
	fail "error lines in $LOG"
fi

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	note "started as root: bind, then run as user nobody, who writes and removes the pid file"
	chmod 755 "$T"
	chown -R nobody "$D"
	mkdir "$T/run"
	chown nobody "$T/run"
	PORTS=$T/run/ports
	# a pid file in a directory nobody cannot write to is refused before anything starts
	idrd_conf "$T/user.conf" "user nobody" "pid_file $T/idrd.pid"
	pid_err="$T/user.conf:8: pid_file $T/idrd.pid: directory $T is not writable by user nobody"
	expect_exit 1 "$IDRD_BIN" -n -c "$T/user.conf"
	expect_err "$pid_err"
	expect_exit 1 "$IDRD_BIN" -c "$T/user.conf" --port-file "$PORTS"
	expect_err "$pid_err"
	# a shared sticky directory such as /tmp: only the owner of the file may remove it
	mkdir -m 1777 "$T/sticky"
	idrd_conf "$T/user.conf" "user nobody" "pid_file $T/sticky/idrd.pid"
	ok "$IDRD_BIN" -n -c "$T/user.conf"
	start_idrd "$T/user.conf" "$T/idrd3.log"
	assert_eq "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$IDRD_PID/status")" \
		"$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)" "uids after the drop"
	assert_eq "$(awk '/^Groups:/ { print $2 }' "/proc/$IDRD_PID/status")" "$(id -g nobody)" \
		"supplementary groups after the drop"
	assert_eq "$(cat "$T/sticky/idrd.pid")" "$IDRD_PID" "pid file"
	assert_eq "$(stat -c %U "$T/sticky/idrd.pid")" nobody "owner of the pid file"
	hdl udp "$(port_of udp)" 88.118.8/P-000001
	hdl tcp "$(port_of tcp)" 88.118.8/P-000001
	stop_idrd "$T/idrd3.log"
	grep -qF "running as user nobody" "$T/idrd3.log" || fail "no privilege drop logged"
	[ -e "$T/sticky/idrd.pid" ] && fail "the pid file was left behind after SIGTERM"
	[ -e "$PORTS" ] && fail "the port file was left behind after SIGTERM"
fi
note "ok"
