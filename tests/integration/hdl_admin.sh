#!/usr/bin/env bash
# hdl_admin.sh - the Handle admin protocol end to end: the real idrd (server_key set, so it
# signs answers to certified requests and serves sessions) driven by `idr admin` (our client of
# the protocol, client/hadmin.c), as a stock Handle.Net client does: a DH session set up over
# UDP (or TCP), HS_MAC on each request, the 402 challenge answered with the identity's key.
# Flows: create / add / modify / remove / list / delete, --mint, --overwrite, keep-alive and
# one connection per message, no session, the IDIS login; RSA, SM2 and HS_SECKEY identities;
# and the refusals — wrong key, wrong secret, wrong index, an identity in no HS_ADMIN, an
# enterprise under another's prefix, LIST_HANDLES without the permission, a server whose
# signature does not match the key we pinned — each with its response code and nothing
# written (the journal's length does not move).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

make_data
ok "$IDR_BIN" prefix add 88.118.9 --data "$D" --owner "另一家企业"

note "identities"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/a.pem"
cp "$OUT" "$T/a.value"
ok "$IDR_BIN" keygen --type sm2 --out "$T/b.pem"
cp "$OUT" "$T/b.value"
ok "$IDR_BIN" keygen --type rsa --out "$T/node.pem"
cp "$OUT" "$T/node.value"
ok "$IDR_BIN" keygen --type rsa --out "$T/x.pem"
cp "$OUT" "$T/x.value"
ok "$IDR_BIN" keygen --type rsa --out "$T/w.pem"
cp "$OUT" "$T/w.value"
ok "$IDR_BIN" keygen --type rsa --out "$T/other.pem"
ok "$IDR_BIN" keygen --type secret --out "$T/hashed.secret"
cp "$OUT" "$T/hashed.value"
printf 's3cret\n' >"$T/secret"
printf 'wrong\n' >"$T/wrong"
admin() { # admin HANDLE INDEX PERMS: an HS_ADMIN value at index 101.. naming HANDLE:INDEX
	printf '{"index":%s,"type":"HS_ADMIN","data":{"format":"admin","value":{"handle":"%s","index":%s,"permissions":"%s"}}}' \
		"$1" "$2" "$3" "$4"
}
{
	printf '{"handle":"0.NA/88.118.8","values":[%s,%s,%s,%s,%s]}\n' \
		"$(admin 100 0.NA/88.118.8 300 111111111111)" "$(cat "$T/a.value")" \
		'{"index":301,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}' \
		"$(admin 101 0.NA/88.118.8 301 111111111111)" \
		"$(admin 102 88.118.8/writer 300 000000000001)"
	printf '{"handle":"0.NA/88.118.9","values":[%s,%s]}\n' \
		"$(admin 100 0.NA/88.118.9 300 111111111111)" "$(cat "$T/b.value")"
	printf '{"handle":"88.118/ADMIN","values":[%s]}\n' "$(cat "$T/node.value")"
	printf '{"handle":"88.118/HASHED","values":[%s]}\n' "$(cat "$T/hashed.value")"
	printf '{"handle":"88.118.8/stranger","values":[%s]}\n' "$(cat "$T/x.value")"
	printf '{"handle":"88.118.8/writer","values":[%s]}\n' "$(cat "$T/w.value")"
} >"$T/ids.jsonl"
ok "$IDR_BIN" import --update "$T/ids.jsonl" --data "$D"

idrd_conf "$T/idrd.conf" "server_key $T/server.pem" "server_admins 300:88.118/ADMIN" \
	"server_admins 300:88.118/HASHED" \
	"log_level debug"
start_idrd "$T/idrd.conf" "$T/idrd.log"
U=$(port_of udp)
S=$(port_of tcp)
A=(--server "$S" --udp "$U" --id 300:0.NA/88.118.8 --key "$T/a.pem")
AS=(--server "$S" --udp "$U" --id 301:0.NA/88.118.8 --secret-file "$T/secret")
B=(--server "$S" --udp "$U" --id 300:0.NA/88.118.9 --key "$T/b.pem")
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

note "create over a session set up over UDP, then the record resolves"
J0=$(changes)
ok "$IDR_BIN" admin create 88.118.8/J-1 1:URL:https://e.example/j1 --setup udp "${A[@]}"
expect_out "created 88.118.8/J-1"
grep -q "op 400 answered rc 1" "$T/idrd.log" || fail "no session was set up"
grep -q "op 100 answered rc 402" "$T/idrd.log" || fail "the create was not challenged"
ok "$IDR_BIN" resolve 88.118.8/J-1 --server "$U" --udp --json
expect_out "https://e.example/j1"
assert_eq "$(changes)" "$((J0 + 1))" "journal after create"

note "add, modify, remove over TCP (session set up over TCP), keep-alive and not"
ok "$IDR_BIN" admin add 88.118.8/J-1 2:EMAIL:a@e.example --setup tcp "${A[@]}"
expect_out "updated 88.118.8/J-1"
ok "$IDR_BIN" admin modify 88.118.8/J-1 2:EMAIL:b@e.example --keep-alive "${A[@]}"
ok "$IDR_BIN" resolve 88.118.8/J-1 --server "$S" --tcp --json
expect_out "b@e.example"
ok "$IDR_BIN" admin remove 88.118.8/J-1 2 --keep-alive --setup tcp "${A[@]}"
expect_out "removed values of 88.118.8/J-1"
ok "$IDR_BIN" resolve 88.118.8/J-1 --server "$S" --tcp --json
grep -q "b@e.example" "$OUT" && fail "value 2 still there"
refused 200 VALUES_NOT_FOUND remove 88.118.8/J-1 2 "${A[@]}"
refused 101 HANDLE_ALREADY_EXISTS create 88.118.8/J-1 1:URL:https://e.example/x "${A[@]}"

note "--overwrite, --mint, --no-session, HS_ADMIN values"
ok "$IDR_BIN" admin create 88.118.8/J-1 1:URL:https://e.example/j1b --overwrite "${A[@]}"
expect_out "overwrote 88.118.8/J-1"
ok "$IDR_BIN" admin create 88.118.8/M- 1:URL:https://e.example/m --mint "${A[@]}"
MINTED=$(awk '{ print $2 }' "$OUT")
case "$MINTED" in 88.118.8/M-?*) ;; *) fail "minted handle '$MINTED'" ;; esac
ok "$IDR_BIN" resolve "$MINTED" --server "$S" --tcp
ok "$IDR_BIN" admin create 88.118.8/J-2 1:URL:https://e.example/j2 \
	100:HS_ADMIN:300:0.NA/88.118.8 --no-session "${A[@]}"
ok "$IDR_BIN" get 88.118.8/J-2 --data "$D"
expect_out "admin 0.NA/88.118.8:300"

note "list (challenged outside the session, answered in messages of 50)"
for i in $(seq 1 60); do
	echo "88.118.8/L-$i,part"
done | sed '1i id,kind' >"$T/many.csv"
ok "$IDR_BIN" import "$T/many.csv" --data "$D"
ok "$IDR_BIN" admin list 88.118.8 "${A[@]}"
grep -qx "88.118.8/J-1" "$OUT" || fail "list lacks J-1"
grep -qx "88.118.8/L-60" "$OUT" || fail "list lacks L-60"
[ "$(wc -l <"$OUT")" -ge 64 ] || fail "list: $(wc -l <"$OUT") handles"

note "SM2 and HS_SECKEY identities; the node administrator"
ok "$IDR_BIN" admin create 88.118.9/S-1 1:URL:https://e.example/s "${B[@]}"
ok "$IDR_BIN" admin create 88.118.8/K-1 1:URL:https://e.example/k \
	100:HS_ADMIN:301:0.NA/88.118.8 "${AS[@]}"
ok "$IDR_BIN" admin delete 88.118.8/K-1 --keep-alive "${AS[@]}"
ok "$IDR_BIN" admin create 88.118.9/N-1 1:URL:https://e.example/n --server "$S" --udp "$U" \
	--id 300:88.118/ADMIN --key "$T/node.pem"

note "the IDIS login authenticates the connection"
ok "$IDR_BIN" admin create 88.118.8/I-1 1:URL:https://e.example/i --login --keep-alive \
	--no-session "${A[@]}"
grep -q "op 2001 answered rc 402" "$T/idrd.log" || fail "no login challenge"

note "refusals: nothing written"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	--server "$S" --udp "$U" --id 300:0.NA/88.118.8 --key "$T/other.pem"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	--server "$S" --udp "$U" --id 301:0.NA/88.118.8 --secret-file "$T/wrong"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	--server "$S" --udp "$U" --id 399:0.NA/88.118.8 --key "$T/a.pem"
refused 403 AUTHENTICATION_FAILED create 88.118.8/R-1 1:URL:https://e.example/r \
	--server "$S" --udp "$U" --id 301:0.NA/88.118.8 --key "$T/a.pem"
refused 401 INSUFFICIENT_PERMISSIONS create 88.118.8/R-1 1:URL:https://e.example/r \
	--server "$S" --udp "$U" --id 300:88.118.8/stranger --key "$T/x.pem"
refused 401 INSUFFICIENT_PERMISSIONS delete 88.118.8/J-1 \
	--server "$S" --udp "$U" --id 300:88.118.8/stranger --key "$T/x.pem"
refused 401 INSUFFICIENT_PERMISSIONS create 88.118.9/R-1 1:URL:https://e.example/r "${A[@]}"
refused 401 INSUFFICIENT_PERMISSIONS delete 88.118.8/J-1 "${B[@]}"
refused 401 INSUFFICIENT_PERMISSIONS list 88.118.8 "${B[@]}"
refused 401 INSUFFICIENT_PERMISSIONS list 88.118.8 \
	--server "$S" --udp "$U" --id 300:88.118.8/writer --key "$T/w.pem"
ok "$IDR_BIN" admin create 88.118.8/W-1 1:URL:https://e.example/w \
	--server "$S" --udp "$U" --id 300:88.118.8/writer --key "$T/w.pem"
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
for h in R-1 R-2; do
	expect_exit 3 "$IDR_BIN" get "88.118.8/$h" --data "$D"
done

note "delete"
ok "$IDR_BIN" admin delete 88.118.8/J-1 "${A[@]}"
expect_out "deleted 88.118.8/J-1"
expect_exit 3 "$IDR_BIN" get 88.118.8/J-1 --data "$D"

note "usage"
expect_exit 64 "$IDR_BIN" admin create 88.118.8/X --server "$S" --id 300:0.NA/88.118.8 \
	--key "$T/a.pem"
expect_err "missing values"
expect_exit 64 "$IDR_BIN" admin frob 88.118.8/X
expect_err "unknown operation 'frob'"
expect_exit 64 "$IDR_BIN" admin delete 88.118.8/X --server "$S"
expect_err "--id INDEX:HANDLE"
expect_exit 64 "$IDR_BIN" admin create 88.118.8/X 1:URL --server "$S" \
	--id 300:0.NA/88.118.8 --key "$T/a.pem"
expect_err "INDEX:TYPE:DATA"
ok "$IDR_BIN" help admin
expect_out "usage: idr admin create"

note "a secret the node holds hashed (idr keygen --type secret): answered with its hashed form"
H=(--server "$S" --udp "$U" --id 300:88.118/HASHED --secret-file "$T/hashed.secret")
J0=$(changes)
expect_exit 1 "$IDR_BIN" admin create 88.118.8/HS-1 1:URL:https://e.example/h "${H[@]}"
expect_err "AUTHENTICATION_FAILED"
assert_eq "$(changes)" "$J0" "journal after an answer with the clear secret"
ok "$IDR_BIN" admin create 88.118.8/HS-1 1:URL:https://e.example/h "${H[@]}" --hashed
expect_exit 64 "$IDR_BIN" admin delete 88.118.8/HS-1 --server "$S" --id 300:0.NA/88.118.8 \
	--key "$T/a.pem" --hashed
expect_err "--hashed goes with --secret-file"

stop_idrd "$T/idrd.log"
echo "hdl_admin: ok"
