#!/usr/bin/env bash
# hdl_admin_http.sh - the Handle admin protocol over HTTP(S) (Handle-over-HTTP, ref/handle.md
# §5) end to end: the real idrd (server_key set; HTTP and HTTPS listeners) driven by
# `idr admin --http URL` (client/hadmin.c), every message — GET_SITEINFO, the DH session setup,
# the requests with HS_MAC, the answers to 402 challenges — POSTed as application/x-hdl-message
# to /<handle> on one kept-alive connection.
# Flows: create (402 -> answer -> success) / add / modify / remove / list (several messages in
# one answer body) / delete, in a session and without, RSA, SM2 and HS_SECKEY identities, the
# IDIS login. Refusals, each with its response code and nothing written (the journal's length
# does not move): wrong key, wrong secret, wrong identity index, an identity in no HS_ADMIN,
# an enterprise under another's prefix, an expired challenge, replayed answers and requests.
# Plain HTTP: accepted like TCP 2641, because the protocol authenticates each message itself;
# the replays go over plain HTTP from what an eavesdropper saw (hdl_http_proxy.py).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done
PROXY="$HERE/hdl_http_proxy.py"

make_data
ok "$IDR_BIN" prefix add 88.118.9 --data "$D" --owner "另一家企业"

note "identities"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
for k in a node x w; do
	ok "$IDR_BIN" keygen --type rsa --out "$T/$k.pem"
	cp "$OUT" "$T/$k.value"
done
ok "$IDR_BIN" keygen --type sm2 --out "$T/b.pem"
cp "$OUT" "$T/b.value"
ok "$IDR_BIN" keygen --type rsa --out "$T/other.pem"
printf 's3cret\n' >"$T/secret"
printf 'wrong\n' >"$T/wrong"
admin() { # admin INDEX HANDLE IDX PERMS: an HS_ADMIN value naming HANDLE:IDX
	printf '{"index":%s,"type":"HS_ADMIN","data":{"format":"admin","value":{"handle":"%s","index":%s,"permissions":"%s"}}}' \
		"$1" "$2" "$3" "$4"
}
{
	printf '{"handle":"0.NA/88.118.8","values":[%s,%s,%s,%s]}\n' \
		"$(admin 100 0.NA/88.118.8 300 111111111111)" "$(cat "$T/a.value")" \
		'{"index":301,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}' \
		"$(admin 101 0.NA/88.118.8 301 111111111111)"
	printf '{"handle":"0.NA/88.118.9","values":[%s,%s]}\n' \
		"$(admin 100 0.NA/88.118.9 300 111111111111)" "$(cat "$T/b.value")"
	printf '{"handle":"88.118/ADMIN","values":[%s]}\n' "$(cat "$T/node.value")"
	printf '{"handle":"88.118.8/stranger","values":[%s]}\n' "$(cat "$T/x.value")"
} >"$T/ids.jsonl"
ok "$IDR_BIN" import --update "$T/ids.jsonl" --data "$D"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/otherkey.pem" -out "$T/othercert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a second certificate"
# challenges expire after 1 s (the expired-challenge case); answers come within milliseconds
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" \
	"tls_key $T/key.pem" "server_key $T/server.pem" "server_admins 300:88.118/ADMIN" \
	"max_auth_time_ms 1000" "log_level debug"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
HS=$(port_of https)
TLS=(--http "https://$HS" --cacert "$T/cert.pem")
A=("${TLS[@]}" --id 300:0.NA/88.118.8 --key "$T/a.pem")
AS=("${TLS[@]}" --id 301:0.NA/88.118.8 --secret-file "$T/secret")
B=("${TLS[@]}" --id 300:0.NA/88.118.9 --key "$T/b.pem")
AP=(--http "http://$H" --id 300:0.NA/88.118.8 --key "$T/a.pem")
changes() {
	"$IDR_BIN" stats --data "$D" | awk '/^journal entries:/ { print $3 }'
}
# refused CODE NAME ARGS...: idr admin exits 1 naming the response code; nothing written
refused() {
	r_code=$1
	r_name=$2
	shift 2
	r_before=$(changes)
	expect_exit 1 "$IDR_BIN" admin "$@"
	expect_err "$r_name ($r_code)"
	assert_eq "$(changes)" "$r_before" "journal after a refused $1"
}
# native: Handle messages the HTTP listeners have answered so far (the route's counter)
native() {
	curl -sS "http://$H/metrics" |
		awk '/^idr_http_requests_total\{.*route="native"/ { n += $NF } END { print n + 0 }'
}

note "create over HTTPS: GET_SITEINFO, session setup, 402, answer, success"
J0=$(changes)
N0=$(native)
ok "$IDR_BIN" admin create 88.118.8/H-1 1:URL:https://e.example/h1 "${A[@]}"
expect_out "created 88.118.8/H-1"
grep -q "op 400 answered rc 1" "$T/idrd.log" || fail "no session was set up"
grep -q "op 100 answered rc 402" "$T/idrd.log" || fail "the create was not challenged"
grep -q "op 200 answered rc 1" "$T/idrd.log" || fail "the challenge answer did not succeed"
# GET_SITEINFO, SESSION_SETUP, CREATE (402), CHALLENGE_RESPONSE: four POSTs
[ "$(($(native) - N0))" -ge 4 ] || fail "only $(($(native) - N0)) Handle messages over HTTP"
ok "$IDR_BIN" resolve 88.118.8/H-1 --http "https://$HS" --cacert "$T/cert.pem" --json
expect_out "https://e.example/h1"
assert_eq "$(changes)" "$((J0 + 1))" "journal after create"

note "add, modify, remove (session and --no-session), --overwrite, --mint"
ok "$IDR_BIN" admin add 88.118.8/H-1 2:EMAIL:a@e.example "${A[@]}"
expect_out "updated 88.118.8/H-1"
ok "$IDR_BIN" admin modify 88.118.8/H-1 2:EMAIL:b@e.example --no-session "${A[@]}"
ok "$IDR_BIN" get 88.118.8/H-1 --data "$D"
expect_out "b@e.example"
ok "$IDR_BIN" admin remove 88.118.8/H-1 2 "${A[@]}"
expect_out "removed values of 88.118.8/H-1"
ok "$IDR_BIN" get 88.118.8/H-1 --data "$D"
grep -q "b@e.example" "$OUT" && fail "value 2 still there"
refused 200 VALUES_NOT_FOUND remove 88.118.8/H-1 2 "${A[@]}"
refused 101 HANDLE_ALREADY_EXISTS create 88.118.8/H-1 1:URL:https://e.example/x "${A[@]}"
ok "$IDR_BIN" admin create 88.118.8/H-1 1:URL:https://e.example/h1b --overwrite "${A[@]}"
expect_out "overwrote 88.118.8/H-1"
ok "$IDR_BIN" admin create 88.118.8/M- 1:URL:https://e.example/m --mint "${A[@]}"
MINTED=$(awk '{ print $2 }' "$OUT")
case "$MINTED" in 88.118.8/M-?*) ;; *) fail "minted handle '$MINTED'" ;; esac
ok "$IDR_BIN" get "$MINTED" --data "$D"

note "list: messages of 50 handles, all in one answer body"
for i in $(seq 1 120); do
	echo "88.118.8/L-$i,part"
done | sed '1i id,kind' >"$T/many.csv"
ok "$IDR_BIN" import "$T/many.csv" --data "$D"
ok "$IDR_BIN" admin list 88.118.8 "${A[@]}"
grep -qx "88.118.8/H-1" "$OUT" || fail "list lacks H-1"
grep -qx "88.118.8/L-120" "$OUT" || fail "list lacks L-120"
[ "$(wc -l <"$OUT")" -ge 124 ] || fail "list: $(wc -l <"$OUT") handles"
[ "$(sort "$OUT" | uniq -d | wc -l)" -eq 0 ] || fail "list: a handle twice"
# 124 handles and more take three messages (50 each): one body answers the challenge answer
grep -q "op 105 answered rc 402" "$T/idrd.log" || fail "LIST_HANDLES not challenged"

note "SM2 and HS_SECKEY identities, the node administrator, the IDIS login"
ok "$IDR_BIN" admin create 88.118.9/S-1 1:URL:https://e.example/s "${B[@]}"
ok "$IDR_BIN" admin create 88.118.8/K-1 1:URL:https://e.example/k \
	100:HS_ADMIN:301:0.NA/88.118.8 "${AS[@]}"
ok "$IDR_BIN" admin delete 88.118.8/K-1 "${AS[@]}"
ok "$IDR_BIN" admin create 88.118.9/N-1 1:URL:https://e.example/n "${TLS[@]}" \
	--id 300:88.118/ADMIN --key "$T/node.pem"
L0=$(wc -l <"$T/idrd.log")
ok "$IDR_BIN" admin create 88.118.8/I-1 1:URL:https://e.example/i --login --no-session "${A[@]}"
tail -n +"$((L0 + 1))" "$T/idrd.log" >"$T/login.log"
grep -q "op 2001 answered rc 402" "$T/login.log" || fail "no login challenge"
# over HTTP a login does not make the connection trusted (a proxy may share it between
# clients): the create after it is challenged and answered like any other
grep -q "op 100 answered rc 402" "$T/login.log" || fail "the create after an HTTP login was not challenged"
grep -q "op 200 answered rc 1" "$T/login.log" || fail "the challenge of the create after the login was not answered"
ok "$IDR_BIN" admin login "${A[@]}"
expect_out "logged in as 300:0.NA/88.118.8"

note "refusals over HTTPS: nothing written"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	"${TLS[@]}" --id 300:0.NA/88.118.8 --key "$T/other.pem"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	"${TLS[@]}" --id 301:0.NA/88.118.8 --secret-file "$T/wrong"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	"${TLS[@]}" --id 399:0.NA/88.118.8 --key "$T/a.pem"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	--no-session "${TLS[@]}" --id 301:0.NA/88.118.8 --key "$T/a.pem"
refused 401 INSUFFICIENT_PERMISSIONS create 88.118.8/R-1 1:URL:https://e.example/r \
	"${TLS[@]}" --id 300:88.118.8/stranger --key "$T/x.pem"
refused 401 INSUFFICIENT_PERMISSIONS create 88.118.9/R-1 1:URL:https://e.example/r "${A[@]}"
refused 401 INSUFFICIENT_PERMISSIONS delete 88.118.8/H-1 "${B[@]}"
refused 401 INSUFFICIENT_PERMISSIONS list 88.118.8 "${B[@]}"
J1=$(changes)
expect_exit 3 "$IDR_BIN" admin delete 88.118.8/NOPE "${A[@]}"
expect_err "HANDLE_NOT_FOUND (100)"
assert_eq "$(changes)" "$J1" "journal after deleting nothing"
# a server whose session answer is not signed with the key we pinned: no request is sent
J1=$(changes)
expect_exit 1 "$IDR_BIN" admin create 88.118.8/R-2 1:URL:https://e.example/r \
	--server-key "$T/other.pem.pub" "${A[@]}"
expect_err "authentication failed"
assert_eq "$(changes)" "$J1" "journal after a wrong server key"
# TLS is checked: a certificate from another CA is refused before any message is sent
J1=$(changes)
expect_exit 1 "$IDR_BIN" admin create 88.118.8/R-3 1:URL:https://e.example/r \
	--http "https://$HS" --cacert "$T/othercert.pem" --id 300:0.NA/88.118.8 --key "$T/a.pem"
expect_err "POST https://127.0.0.1:$(echo "$HS" | sed 's/.*://')/"
assert_eq "$(changes)" "$J1" "journal after a TLS failure"

note "plain HTTP: accepted as on TCP 2641 (each message authenticates itself)"
ok "$IDR_BIN" admin create 88.118.8/P-1 1:URL:https://e.example/p1 "${AP[@]}"
expect_out "created 88.118.8/P-1"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	--http "http://$H" --id 300:0.NA/88.118.8 --key "$T/other.pem"
refused 401 INSUFFICIENT_PERMISSIONS create 88.118.9/R-1 1:URL:https://e.example/r "${AP[@]}"

note "an eavesdropper on plain HTTP: replayed answers and requests are refused"
mkdir -p "$T/seen" "$T/slow"
start_bg "$T/proxy.log" python3 "$PROXY" proxy "$T/proxy.port" "$H" "$T/seen"
PROXY_PID=$LAST_PID
wait_file "$T/proxy.port"
P=127.0.0.1:$(cat "$T/proxy.port")
ok "$IDR_BIN" admin create 88.118.8/E-1 1:URL:https://e.example/e1 --http "http://$P" \
	--id 300:0.NA/88.118.8 --key "$T/a.pem"
ok "$IDR_BIN" admin create 88.118.8/E-2 1:URL:https://e.example/e2 --no-session \
	--http "http://$P" --id 300:0.NA/88.118.8 --key "$T/a.pem"
stop_pid "$PROXY_PID"
ls "$T/seen" >"$T/seen.txt"
# E-1: GET_SITEINFO, SESSION_SETUP, CREATE (in the session, HS_MAC), CHALLENGE_RESPONSE;
# E-2: GET_SITEINFO, CREATE (no session), CHALLENGE_RESPONSE
assert_eq "$(grep -c 'op200.bin' "$T/seen.txt")" 2 "challenge answers seen"
E1_REQ=$T/seen/$(grep 'op100.bin' "$T/seen.txt" | sed -n 1p)
E1_ANS=$T/seen/$(grep 'op200.bin' "$T/seen.txt" | sed -n 1p)
E2_REQ=$T/seen/$(grep 'op100.bin' "$T/seen.txt" | sed -n 2p)
E2_ANS=$T/seen/$(grep 'op200.bin' "$T/seen.txt" | sed -n 2p)
ok "$IDR_BIN" admin delete 88.118.8/E-1 "${A[@]}"
ok "$IDR_BIN" admin delete 88.118.8/E-2 "${A[@]}"
# replay FILE WANT: POST FILE over plain HTTP; the answer's first message; nothing written
replay() {
	J1=$(changes)
	ok python3 "$PROXY" post "http://$H/88.118.8%2FE" "$1"
	grep -qx "HTTP 200 $2 units 1" "$OUT" || { cat "$OUT" >&2; fail "replay of $1: want $2"; }
	assert_eq "$(changes)" "$J1" "journal after replaying $(basename "$1")"
}
replay "$E1_ANS" "op 200 rc 405"  # the challenge was answered once: AUTHEN_TIMEOUT
replay "$E2_ANS" "op 200 rc 405"
replay "$E1_REQ" "op 100 rc 505"  # its HS_MAC counter was used: SESSION_REJECTED
replay "$E2_REQ" "op 100 rc 402"  # a fresh challenge the eavesdropper cannot answer
for h in E-1 E-2; do
	expect_exit 3 "$IDR_BIN" get "88.118.8/$h" --data "$D"
done

note "an expired challenge: the answer arrives after max_auth_time_ms"
start_bg "$T/slow.log" python3 "$PROXY" proxy "$T/slow.port" "$H" "$T/slow" 200 2.5
SLOW_PID=$LAST_PID
wait_file "$T/slow.port"
refused 405 AUTHEN_TIMEOUT create 88.118.8/X-1 1:URL:https://e.example/x \
	--http "http://127.0.0.1:$(cat "$T/slow.port")" --id 300:0.NA/88.118.8 --key "$T/a.pem"
refused 405 AUTHEN_TIMEOUT create 88.118.8/X-1 1:URL:https://e.example/x --no-session \
	--http "http://127.0.0.1:$(cat "$T/slow.port")" --id 300:0.NA/88.118.8 --key "$T/a.pem"
stop_pid "$SLOW_PID"
expect_exit 3 "$IDR_BIN" get 88.118.8/X-1 --data "$D"
for h in R-1 R-2 R-3; do
	expect_exit 3 "$IDR_BIN" get "88.118.8/$h" --data "$D"
done

note "delete"
ok "$IDR_BIN" admin delete 88.118.8/H-1 "${A[@]}"
expect_out "deleted 88.118.8/H-1"
expect_exit 3 "$IDR_BIN" get 88.118.8/H-1 --data "$D"

note "not a Handle server: the HTTP status is named, nothing is written"
mkdir -p "$T/www"
start_bg "$T/www.log" python3 -u -m http.server --bind 127.0.0.1 --directory "$T/www" 0
WWW_PID=$LAST_PID
n=50
until grep -q "port [0-9]" "$T/www.log"; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || fail "python3 -m http.server did not start"
	sleep 0.1
done
WWW=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$T/www.log" | head -n 1)
J1=$(changes)
expect_exit 1 "$IDR_BIN" admin delete 88.118.8/P-1 --http "http://127.0.0.1:$WWW" \
	--id 300:0.NA/88.118.8 --key "$T/a.pem"
expect_err "HTTP status 501 with no Handle answer"
expect_exit 1 "$IDR_BIN" admin delete 88.118.8/P-1 --server-key "$T/server.pem.pub" \
	--http "http://127.0.0.1:$WWW" --id 300:0.NA/88.118.8 --key "$T/a.pem"
expect_err "POST http://127.0.0.1:$WWW/: HTTP status 501"
stop_pid "$WWW_PID"
assert_eq "$(changes)" "$J1" "journal after talking to a web server"

note "usage"
expect_exit 64 "$IDR_BIN" admin delete 88.118.8/X --http "http://$H" --udp "$H" \
	--id 300:0.NA/88.118.8 --key "$T/a.pem"
expect_err "--http sends every message over HTTP"
expect_exit 64 "$IDR_BIN" admin delete 88.118.8/X --http "http://$H" --insecure \
	--id 300:0.NA/88.118.8 --key "$T/a.pem"
expect_err "need an https:// server"
expect_exit 64 "$IDR_BIN" admin delete 88.118.8/X --http "ftp://x" \
	--id 300:0.NA/88.118.8 --key "$T/a.pem"
expect_err "--http:"
expect_exit 64 "$IDR_BIN" admin delete 88.118.8/X --insecure --id 300:0.NA/88.118.8 \
	--key "$T/a.pem"
expect_err "need --http"

stop_idrd "$T/idrd.log"
echo "hdl_admin_http: ok"
