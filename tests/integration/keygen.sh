#!/usr/bin/env bash
# keygen.sh - `idr keygen`: RSA and SM2 key pairs (file modes, never overwriting), the printed
# HS_PUBKEY value (imported into a record and read back), --hs-pubkey on existing files, and
# usage errors.
. "$(dirname "$0")/lib.sh"

mode() { stat -c %a "$1"; }

note "usage"
ok idr help keygen
expect_out "usage: idr keygen"
expect_exit 64 idr keygen --out "$T/x"
expect_err "--type rsa, sm2 or secret is required"
expect_exit 64 idr keygen --type dsa --out "$T/x"
expect_exit 64 idr keygen --type rsa
expect_err "--out FILE is required"
expect_exit 64 idr keygen --type sm2 --bits 2048 --out "$T/x"
expect_err "--bits is for RSA keys only"
expect_exit 64 idr keygen --type rsa --bits 512 --out "$T/x"
[ -e "$T/x" ] && fail "a usage error wrote a file"

note "rsa and sm2 keys"
for t in rsa sm2; do
	ok idr keygen --type "$t" --out "$T/$t.pem"
	[ "$(mode "$T/$t.pem")" = 600 ] || fail "$t.pem mode $(mode "$T/$t.pem"), not 600"
	[ "$(mode "$T/$t.pem.pub")" = 644 ] || fail "$t.pem.pub mode $(mode "$T/$t.pem.pub")"
	grep -q "BEGIN PRIVATE KEY" "$T/$t.pem" || fail "$t.pem is not PKCS#8 PEM"
	grep -q "BEGIN PUBLIC KEY" "$T/$t.pem.pub" || fail "$t.pem.pub is not SPKI PEM"
	cp "$OUT" "$T/$t.value"
	json_valid "$T/$t.value"
	assert_eq "$(json_get "$T/$t.value" 'd["index"]')" 300 "$t index"
	assert_eq "$(json_get "$T/$t.value" 'd["type"]')" HS_PUBKEY "$t type"
	assert_eq "$(json_get "$T/$t.value" 'd["data"]["format"]')" base64 "$t format"
	want=$(echo "$t" | tr a-z A-Z)_PUB_KEY
	got=$(json_get "$T/$t.value" '__import__("base64").b64decode(d["data"]["value"])[4:15].decode()')
	assert_eq "$got" "$want" "$t HS_PUBKEY key type"
	# the same value from the private and from the public file
	ok idr keygen --hs-pubkey "$T/$t.pem"
	cmp -s "$OUT" "$T/$t.value" || fail "--hs-pubkey of $t.pem differs"
	ok idr keygen --hs-pubkey "$T/$t.pem.pub"
	cmp -s "$OUT" "$T/$t.value" || fail "--hs-pubkey of $t.pem.pub differs"
	# never overwritten
	cp "$T/$t.pem" "$T/$t.before"
	expect_exit 1 idr keygen --type "$t" --out "$T/$t.pem"
	expect_err "exists; not overwritten"
	cmp -s "$T/$t.pem" "$T/$t.before" || fail "$t.pem was overwritten"
done
ok idr keygen --type rsa --bits 1024 --out "$T/small.pem"
# the public file exists: the private key is written, the error names the public file
touch "$T/taken.pem.pub"
expect_exit 1 idr keygen --type sm2 --out "$T/taken.pem"
expect_err "taken.pem.pub: exists; not overwritten"

note "--hs-pubkey errors"
expect_exit 1 idr keygen --hs-pubkey "$T/none.pem"
expect_err "none.pem"
expect_exit 1 idr keygen --hs-pubkey "$IDR_TEST_DATA/keys/ec256.pem"
expect_err "not an RSA, DSA or SM2 key"
expect_exit 1 idr keygen --hs-pubkey "$IDR_TEST_DATA/keys/rsa1024.enc.pem"
expect_exit 64 idr keygen --hs-pubkey "$T/rsa.pem" --type rsa

note "the printed value imports as an identity's HS_PUBKEY"
ok idr init --node-prefix 88.118
ok idr prefix add 88.118.8 --owner "test"
printf '{"handle":"88.118.8/admin","values":[%s,%s]}\n' \
	'{"index":100,"type":"HS_ADMIN","data":{"format":"admin","value":{"handle":"88.118.8/admin","index":300,"permissions":"011111111111"}}}' \
	"$(cat "$T/sm2.value")" >"$T/admin.jsonl"
ok idr import "$T/admin.jsonl"
ok idr get 88.118.8/admin --json
cp "$OUT" "$T/get.json"
assert_eq "$(json_get "$T/get.json" '[v["data"]["value"] for v in d["values"] if v["index"] == 300][0]')" \
	"$(json_get "$T/sm2.value" 'd["data"]["value"]')" "imported HS_PUBKEY"

note "secret-key identities: the secret in a 0600 file, its hashed form in HS_SECKEY"
ok idr keygen --type secret --out "$T/s.key"
cp "$OUT" "$T/s.value"
assert_eq "$(stat -c %a "$T/s.key")" 600 "secret file mode"
assert_eq "$(json_get "$T/s.value" 'd["type"]')" HS_SECKEY "secret value type"
assert_eq "$(json_get "$T/s.value" 'd["permissions"]')" 1100 "secret never public"
assert_eq "$(json_get "$T/s.value" 'd["data"]["value"]')" \
	"$(tr -d '\n' <"$T/s.key" | sha1sum | cut -d' ' -f1)" "HS_SECKEY holds hex SHA-1 of the secret"
[ "$(wc -c <"$T/s.key")" -ge 33 ] || fail "secret too short"
expect_exit 1 idr keygen --type secret --out "$T/s.key"
expect_err "exists; not overwritten"
ok idr keygen --type secret --out "$T/s2.key"
[ "$(cat "$T/s.key")" != "$(cat "$T/s2.key")" ] || fail "two secrets are equal"
