#!/usr/bin/env bash
# resolve.sh - `idr resolve` and `idr bench resolve` against a real idrd on 127.0.0.1 (port 0):
# the same --json over UDP, TCP and HTTP (and the same as `idr get --json` on the data),
# type and index filters, not found (exit 3), a foreign prefix (301 and its message), a record
# whose UDP answer takes many datagrams, the TCP fallback, the RD digest, --dump-request, usage
# errors, and a 2-second closed-loop bench over UDP and TCP answered in full.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

P1=88.118.8/P-000001
BIG40=88.118.8/BIG-40

note "data: the idrd test records and a record of 40 attributes of 100 bytes"
make_data
register_wide "$BIG40" lot https://example.com/big40 40 96
# BIG40's answer takes 11 datagrams (5.5 kB) and the bench asks from one address as fast as it
# can: both beyond the default UDP answer cap and per-source budget (bug2_udp_amplification.sh)
idrd_conf "$T/idrd.conf" "udp_answer_max 16k" "udp_source_rate 0"
start_idrd "$T/idrd.conf" "$T/idrd.log"
U=$(port_of udp)
TC=$(port_of tcp)
H=$(port_of http)
if [ -z "$U" ] || [ -z "$TC" ] || [ -z "$H" ]; then
	fail "port file lacks a listener: $(cat "$PORTS")"
fi

# resolve3 NAME ID [ARGS...]: --json over UDP, TCP (with RD) and HTTP into $T/NAME.{udp,tcp,http};
# the three must be byte for byte the same valid JSON.
resolve3() {
	name=$1
	shift
	ok idr resolve "$@" --server "$U" --udp --json
	cp "$OUT" "$T/$name.udp"
	ok idr resolve "$@" --server "$TC" --tcp --digest --json
	cp "$OUT" "$T/$name.tcp"
	ok idr resolve "$@" --server "$H" --http --json
	cp "$OUT" "$T/$name.http"
	json_valid "$T/$name.udp"
	cmp "$T/$name.udp" "$T/$name.tcp" || fail "$name: UDP and TCP answers differ"
	cmp "$T/$name.udp" "$T/$name.http" || {
		diff "$T/$name.udp" "$T/$name.http" >&2
		fail "$name: UDP and HTTP answers differ"
	}
}

note "the same JSON over UDP, TCP and HTTP, and as stored"
for id in "$P1" "$BIG" "$BIG40"; do
	resolve3 one "$id"
	assert_eq "$(json_get "$T/one.udp" 'd["responseCode"]')" 1 "$id responseCode"
	assert_eq "$(json_get "$T/one.udp" 'd["handle"]')" "$id" "$id handle"
	ok idr get "$id" --data "$D" --json
	cmp "$T/one.udp" "$OUT" || fail "$id: resolved JSON differs from idr get --json"
done
assert_eq "$(json_get "$T/one.udp" 'len(d["values"])')" 43 "values of $BIG40"
size=$(wc -c <"$T/one.udp")
[ "$size" -gt 4000 ] || fail "$BIG40 is only $size bytes of JSON: not a multi-datagram answer"

note "the table: kind, values, transport"
ok idr resolve "$P1" --server "$U"
expect_out "$P1"
expect_out "kind: part (零部件)"
expect_out "via UDP 127.0.0.1:"
expect_out "https://example.com/p/1"
expect_out "铝合金"
expect_out "rwr-"
ok idr resolve "$BIG40" --server "$U" --udp
expect_out "43 values, via UDP"
expect_out "kind: lot"
ok idr resolve "$P1" --server "$H" --http
expect_out "kind: part (零部件)"
expect_out "via HTTP 127.0.0.1:"

note "UDP first, TCP when UDP is refused (no UDP listener on the TCP port)"
ok idr resolve "$P1" --server "$TC" --timeout 5
expect_out "via TCP $TC"

note "filters: type, index, both (either matches)"
resolve3 type "$P1" --type URL
assert_eq "$(json_get "$T/type.udp" '[v["index"] for v in d["values"]]')" "[1]" "--type URL"
resolve3 index "$P1" --index 2001 --index 10
assert_eq "$(json_get "$T/index.udp" '[v["index"] for v in d["values"]]')" "[10, 2001]" \
	"--index 2001 --index 10"
resolve3 both "$BIG40" --type url --index 7
assert_eq "$(json_get "$T/both.udp" '[v["index"] for v in d["values"]]')" "[1]" \
	"--type url --index 7 (no index 7: the URL only)"
resolve3 sub "$P1" --type ITEM_KIND. --index 100
assert_eq "$(json_get "$T/sub.udp" '[v["type"] for v in d["values"]]')" \
	"['ITEM_KIND', 'HS_ADMIN']" "--type ITEM_KIND. --index 100"
for via in "--server $U --udp" "--server $TC --tcp" "--server $H --http"; do
	# shellcheck disable=SC2086
	expect_exit 1 "$IDR_BIN" resolve "$P1" $via --type NO_SUCH_TYPE --json
	expect_err "VALUES_NOT_FOUND (200)"
	assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 200 "no value matches ($via)"
	assert_eq "$(json_get "$OUT" 'd["values"]')" "[]" "no value matches ($via)"
done

note "not found: exit 3 over every transport"
for via in "--server $U --udp" "--server $TC --tcp" "--server $H --http" "--server $U"; do
	# shellcheck disable=SC2086
	expect_exit 3 "$IDR_BIN" resolve 88.118.8/NO-SUCH-ITEM $via
	expect_err "idr resolve: 88.118.8/NO-SUCH-ITEM: HANDLE_NOT_FOUND (100)"
done
expect_exit 3 idr resolve 88.118.8/NO-SUCH-ITEM --server "$U" --json
assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 100 "not found JSON"
cp "$OUT" "$T/notfound.udp"
# idr get --json on the data answers a record not there exactly as resolve --json does
expect_exit 3 idr get 88.118.8/NO-SUCH-ITEM --data "$D" --json
cmp "$T/notfound.udp" "$OUT" || fail "not found: idr get --json differs from idr resolve --json"

note "a prefix this node does not serve: 301 and the server's message"
for via in "--server $U --udp" "--server $TC --tcp" "--server $H --http"; do
	# shellcheck disable=SC2086
	expect_exit 1 "$IDR_BIN" resolve 99.1.2/elsewhere $via
	expect_err "idr resolve: 99.1.2/elsewhere: SERVER_NOT_RESP (301): "
	grep -q "99.1.2" "$ERR" || fail "the 301 message does not name the prefix: $(cat "$ERR")"
done

note "--dump-request: a stock client's request, not sent"
ok idr resolve "$P1" --dump-request "$T/req.bin"
head=$(od -An -tx1 -N32 "$T/req.bin" | tr -d ' \n')
case $head in
0203020b00000000????????00000000000000??00000001000000001900000*) ;;
*) fail "unexpected request bytes: $head" ;;
esac
assert_eq "$(wc -c <"$T/req.bin")" $((20 + 24 + 4 + ${#P1} + 4 + 4 + 4)) "request length"

note "no server, usage errors"
expect_exit 1 idr resolve "$P1" --server 127.0.0.1:1 --tcp --timeout 2
expect_err "idr resolve: $P1: 127.0.0.1:1 (TCP): Connection refused"
expect_exit 64 idr resolve
expect_exit 64 idr resolve "$P1" --udp --http
expect_exit 64 idr resolve "$P1" --index 0
expect_exit 64 idr resolve "$P1" --server nowhere:x
expect_exit 64 idr bench resolve --prefix 88.118.8 --count 1
expect_exit 64 idr bench resolve --server "$U"
expect_exit 64 idr bench other --server "$U" --prefix 88.118.8 --count 1

note "bench: 2 s closed loop over UDP and TCP, a handful of ids, all answered with rc 1"
printf '%s\n' "$P1" "$BIG" "$BIG40" 88.118.8/P-000001 "" >"$T/ids.txt"
for proto in udp tcp; do
	[ "$proto" = udp ] && srv=$U || srv=$TC
	ok idr bench resolve --server "$srv" --"$proto" --ids "$T/ids.txt" --concurrency 8 \
		--duration 2 --warmup 0 --json
	cp "$OUT" "$T/bench.$proto.json"
	json_valid "$T/bench.$proto.json"
	b=$T/bench.$proto.json
	sent=$(json_get "$b" 'd["sent"]')
	[ "$sent" -gt 100 ] || fail "$proto bench sent only $sent requests"
	assert_eq "$(json_get "$b" 'd["answered"]')" "$sent" "$proto bench: answered"
	assert_eq "$(json_get "$b" 'd["timeouts"]')" 0 "$proto bench: timeouts"
	assert_eq "$(json_get "$b" 'd["malformed"]')" 0 "$proto bench: malformed"
	assert_eq "$(json_get "$b" 'd["ids"]')" 4 "$proto bench: ids"
	assert_eq "$(json_get "$b" 'list(d["responses"].keys())')" "['1']" "$proto bench: codes"
	assert_eq "$(json_get "$b" 'd["responses"]["1"]')" "$sent" "$proto bench: rc 1"
done
ok idr bench resolve --server "$U" --prefix 88.118.8 --stem P- --width 6 --count 1 \
	--duration 1 --warmup 0 --rate 200
expect_out "open loop, 200 requests/s"
expect_out ", 0 timed out"
expect_out "1 SUCCESS"

stop_idrd "$T/idrd.log"
note "ok"
